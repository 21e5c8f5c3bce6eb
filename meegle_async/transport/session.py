"""The transport: the one place that sends a request to Meegle.

``Transport.send`` runs one logical call: it builds the path, picks the idempotency key once, and
then for every attempt gets a token, passes the limiter, sends, decodes the envelope and decides
whether to retry. Auth, headers, limits, retries, error mapping, stats and logs live here and
nowhere else; endpoint groups describe a call and hand it over.

No ``aiohttp`` exception and no ``JSONDecodeError`` crosses this boundary: they become
``MeegleConnectionError``, ``MeegleTimeoutError`` or ``MeegleAPIError``.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import math
import sys
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import attrs
from yarl import URL

from .._version import __version__
from ..errors import (
    MeegleAPIError,
    MeegleAuthenticationError,
    MeegleConnectionError,
    MeegleError,
    MeegleRateLimitError,
    MeegleTimeoutError,
    MeegleValidationError,
)
from .auth import Secret, TokenProvider
from .envelope import Decoded, decode_answer, log_id_from
from .limits import AdaptiveRate, LimiterBackend, RateTable
from .log import logger
from .response import RawResponse
from .retry import RetryPolicy
from .stats import RequestEvent, RequestHook, StatsRecorder
from .urls import build_path

__all__ = ["AnswerReader", "Body", "CallOptions", "Transport", "default_user_agent"]

#: A request body: JSON bytes, or a factory called once per attempt for a fresh (multipart) body.
Body = bytes | Callable[[], Any] | None
#: Reads an answer itself (a download): returns ``None`` when it consumed a binary answer, or
#: the raw bytes of a JSON answer for the usual decoding.
AnswerReader = Callable[[aiohttp.ClientResponse], Awaitable[bytes | None]]

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def default_user_agent(suffix: str | None = None) -> str:
    """``meegle-async/<version> python/<major.minor>``, plus the caller's ``suffix``."""
    agent = f"meegle-async/{__version__} python/{sys.version_info[0]}.{sys.version_info[1]}"
    return f"{agent} {suffix.strip()}" if suffix and suffix.strip() else agent


def env_proxy_for(base_url: str) -> str | None:
    """The proxy ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` name for ``base_url``, unless
    ``NO_PROXY`` exempts its host."""
    parts = urlsplit(base_url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or (parts.hostname and urllib.request.proxy_bypass(parts.hostname)):
        return None
    return proxy


def _as_timeout(value: float | aiohttp.ClientTimeout | None) -> aiohttp.ClientTimeout:
    if isinstance(value, aiohttp.ClientTimeout):
        return value
    if value is None:
        return aiohttp.ClientTimeout(total=None, connect=30.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise MeegleValidationError(f"timeout must be a positive number of seconds, not {value!r}")
    return aiohttp.ClientTimeout(total=float(value), connect=min(float(value), 10.0))


@attrs.frozen(kw_only=True)
class CallOptions:
    """The per-client options a call carries (``with_options`` makes copies with others)."""

    user_key: Secret | None
    timeout: aiohttp.ClientTimeout
    max_retries: int

    @classmethod
    def make(
        cls,
        *,
        user_key: str | Secret | None,
        timeout: float | aiohttp.ClientTimeout | None,
        max_retries: int,
    ) -> CallOptions:
        """Check and normalise the options."""
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise MeegleValidationError(f"max_retries must be an integer >= 0, not {max_retries!r}")
        if isinstance(user_key, str):
            user_key = Secret(user_key) if user_key else None
        return cls(user_key=user_key, timeout=_as_timeout(timeout), max_retries=max_retries)


class Transport:
    """Sends calls for a client and all its ``with_options`` copies (they share one)."""

    def __init__(
        self,
        *,
        base_url: str,
        auth: TokenProvider | None,
        limiter: LimiterBackend,
        rates: RateTable,
        retry: RetryPolicy,
        adaptive_limits: bool,
        session: aiohttp.ClientSession | None,
        max_concurrency: int,
        user_agent: str,
        proxy: str | None,
        trust_env: bool,
        throttle_codes: frozenset[int],
        token_invalid_codes: frozenset[int],
        on_request: RequestHook | None,
        default_timeout: aiohttp.ClientTimeout | None = None,
    ) -> None:
        self.base_url = base_url
        self.default_timeout = default_timeout or _as_timeout(60.0)
        self.auth = auth
        self.limiter = limiter
        self.rates = rates
        self.retry = retry
        self.adaptive_limits = adaptive_limits
        self.user_agent = user_agent
        # aiohttp's trust_env looks the environment up on every request, in a thread (3x the
        # cost of a small call on loopback): read the proxy settings once instead.
        self.proxy = (
            proxy if proxy is not None else (env_proxy_for(base_url) if trust_env else None)
        )
        self.trust_env = trust_env
        self.throttle_codes = throttle_codes
        self.token_invalid_codes = token_invalid_codes
        self.on_request = on_request
        self.stats = StatsRecorder()
        self.max_concurrency = max_concurrency
        self._session = session
        self._owns_session = session is None
        self._semaphore: asyncio.Semaphore | None = None
        self._adaptive: dict[str, AdaptiveRate] = {}
        self._closed = False

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Whether ``aclose`` has run."""
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise MeegleError("this MeegleClient has been closed; create a new one")

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or (self._owns_session and self._session.closed):
            connector = aiohttp.TCPConnector(
                limit=self.max_concurrency, ttl_dns_cache=300, enable_cleanup_closed=True
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self.default_timeout,
                trust_env=False,
                headers={"User-Agent": self.user_agent},
                json_serialize=jsonlib.dumps,
            )
            self._owns_session = True
        return self._session

    def _get_semaphore(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
        return self._semaphore

    async def open(self) -> None:
        """Create the session now (``__aenter__``) instead of on the first call."""
        self._check_open()
        self._get_session()

    async def aclose(self) -> None:
        """Close the session if this transport created it; a borrowed one is left open."""
        if self._closed:
            return
        self._closed = True
        if self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()
        await self.limiter.aclose()

    # -- limits ------------------------------------------------------------------------------

    def limiter_key(self, endpoint: str) -> str:
        """The key the endpoint's limiter is stored under: token identity plus endpoint name."""
        identity = self.auth.identity if self.auth is not None else "anonymous"
        return f"{identity}:{endpoint}"

    def _rate_state(self, key: str, endpoint: str) -> AdaptiveRate:
        state = self._adaptive.get(key)
        if state is None:
            state = self._adaptive[key] = AdaptiveRate(ceiling=self.rates.qps(endpoint))
        return state

    def current_rate(self, endpoint: str) -> float:
        """The rate the endpoint's limiter allows now (lower than configured after throttling)."""
        if not self.adaptive_limits:
            return self.rates.qps(endpoint)
        return self._rate_state(self.limiter_key(endpoint), endpoint).rate

    # -- sending -----------------------------------------------------------------------------

    async def send(
        self,
        *,
        endpoint: str,
        method: str,
        path: str,
        options: CallOptions,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        write: bool | None = None,
        idempotency_key: str | None = None,
    ) -> RawResponse:
        """Run one logical call (every attempt of it) and return its decoded answer.

        ``write`` says whether the call changes something; writes carry an ``X-Idem-UUID``, made
        once here (or the caller's ``idempotency_key``) and reused by every attempt. ``None``
        means "any method but GET".
        """
        self._check_open()
        method = method.upper()
        url = URL(self.base_url + build_path(path, path_params), encoded=True)
        query = _clean_query(params)
        body = None if json is None else jsonlib.dumps(json, ensure_ascii=False).encode()
        is_write = (method in _WRITE_METHODS) if write is None else write
        if idempotency_key is not None:
            if not isinstance(idempotency_key, str) or not idempotency_key.strip():
                raise MeegleValidationError("idempotency_key must be a non-empty string")
            idem: str | None = idempotency_key
        else:
            idem = str(uuid.uuid4()) if is_write else None
        if self.auth is None:
            raise MeegleValidationError(
                "no credentials: pass plugin_id and plugin_secret, plugin_token or user_token"
            )
        if self.auth.uses_user_key and options.user_key is None:
            raise MeegleValidationError(
                "user_key is required with a plugin token (it becomes X-User-Key): pass "
                "user_key= to MeegleClient or with_options(), or set MEEGLE_USER_KEY"
            )
        return await self._attempts(
            endpoint=endpoint,
            method=method,
            url=url,
            query=query,
            body=body,
            idem=idem,
            options=options,
        )

    async def _attempts(
        self,
        *,
        endpoint: str,
        method: str,
        url: URL,
        query: Mapping[str, str] | None,
        body: Body,
        idem: str | None,
        options: CallOptions,
        reader: AnswerReader | None = None,
    ) -> RawResponse:
        """Every attempt of one call. A callable ``body`` is called per attempt (a multipart
        body is consumed by sending it); ``reader`` reads the answer itself (downloads)."""
        assert self.auth is not None
        stats = self.stats.of(endpoint)
        key = self.limiter_key(endpoint)
        rate = self._rate_state(key, endpoint) if self.adaptive_limits else None
        attempt = 0
        retries = 0
        token_renewed = False
        while True:
            attempt += 1
            started = time.monotonic()
            status: int | None = None
            log_id: str | None = None
            token: str | None = None
            granted_at = math.inf
            pause = 0.0
            try:
                token = await self.auth.token()
                headers = self._headers(token, options.user_key, idem, isinstance(body, bytes))
                permit = await self.limiter.acquire(
                    key, rate.current if rate is not None else self.rates.qps(endpoint)
                )
                granted_at = permit.granted_at
                stats.limiter_wait_seconds += permit.waited
                started = time.monotonic()
                try:
                    stats.requests += 1
                    status, resp_headers, raw = await self._http(
                        method,
                        url,
                        query,
                        body() if callable(body) else body,
                        headers,
                        options.timeout,
                        endpoint,
                        reader,
                    )
                finally:
                    await self.limiter.release(permit)
                decoded = (
                    Decoded(None, {})  # a binary answer, consumed by the reader
                    if raw is None
                    else decode_answer(
                        status=status,
                        headers=resp_headers,
                        raw=raw,
                        endpoint=endpoint,
                        throttle_codes=self.throttle_codes,
                    )
                )
            except MeegleError as error:
                duration = time.monotonic() - started
                code = error.code if isinstance(error, MeegleAPIError) else None
                log_id = error.log_id if isinstance(error, MeegleAPIError) else None
                throttled = isinstance(error, MeegleRateLimitError)
                self._emit(
                    endpoint, method, status, code, duration, attempt, throttled, log_id, error
                )

                if (
                    code is not None
                    and code in self.token_invalid_codes
                    and token is not None
                    and not token_renewed
                ):
                    token_renewed = True
                    if await self.auth.invalidate(token):
                        logger.info(
                            "%s: token refused (err_code %s), renewing it, replaying [log_id %s]",
                            endpoint,
                            code,
                            log_id,
                        )
                        stats.retries += 1
                        continue
                if throttled:
                    stats.throttled += 1
                    if rate is not None:
                        rate.on_throttled(time.monotonic(), granted_at)
                    # Everyone waiting on this endpoint waits out the server's request.
                    pause = self.retry.wait_before(retries + 1, error)
                    await self.limiter.pause(key, pause)
                if retries >= options.max_retries or not self.retry.is_retryable(error):
                    stats.errors += 1
                    if isinstance(error, MeegleConnectionError):
                        error.attempts = attempt
                    raise error from error.__cause__
                retries += 1
                stats.retries += 1
                delay = 0.0 if throttled else self.retry.wait_before(retries, error)
                logger.warning(
                    "%s: retry %d/%d after %s in %.2fs%s [log_id %s]",
                    endpoint,
                    retries,
                    options.max_retries,
                    _describe(error),
                    pause if throttled else delay,
                    " (the endpoint is paused for every caller)" if throttled else "",
                    log_id,
                )
                if delay > 0:
                    await asyncio.sleep(delay)
                continue

            duration = time.monotonic() - started
            log_id = _log_id(resp_headers, decoded.envelope)
            if rate is not None:
                rate.on_success()
            self._emit(endpoint, method, status, 0, duration, attempt, False, log_id, None)
            return RawResponse(
                status=status,
                headers=resp_headers,
                log_id=log_id,
                attempts=attempt,
                data=decoded.data,
                envelope=decoded.envelope,
                endpoint=endpoint,
            )

    def _headers(
        self, token: str, user_key: Secret | None, idem: str | None, has_body: bool
    ) -> dict[str, str]:
        assert self.auth is not None
        headers = {"X-Plugin-Token": token, "User-Agent": self.user_agent}
        if self.auth.uses_user_key and user_key is not None:
            headers["X-User-Key"] = user_key.get()
        if has_body:
            headers["Content-Type"] = "application/json"
        if idem is not None:
            headers["X-Idem-UUID"] = idem
        return headers

    async def _http(
        self,
        method: str,
        url: URL,
        query: Mapping[str, str] | None,
        body: Any,
        headers: Mapping[str, str],
        timeout: aiohttp.ClientTimeout,
        endpoint: str,
        reader: AnswerReader | None = None,
    ) -> tuple[int, Mapping[str, str], bytes | None]:
        """One HTTP exchange; aiohttp's exceptions become ours here, the most specific first."""
        session = self._get_session()
        # A timeout given per request costs a fifth of a small call: our own session carries
        # the client's, and only a copy with another one (or a borrowed session) passes it.
        per_request: Any = (
            None if self._owns_session and timeout == self.default_timeout else timeout
        )
        try:
            async with (
                self._get_semaphore(),
                session.request(
                    method,
                    url,
                    params=query,
                    data=body,
                    headers=headers,
                    timeout=per_request,
                    proxy=self.proxy,
                    allow_redirects=False,
                ) as resp,
            ):
                raw = await resp.read() if reader is None else await reader(resp)
                # aiohttp's headers are a read-only, case-insensitive view: kept as they are.
                return resp.status, resp.headers, raw
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise MeegleTimeoutError(
                f"{endpoint}: no answer within the timeout", endpoint=endpoint
            ) from exc
        except aiohttp.InvalidURL as exc:
            raise MeegleValidationError(f"{endpoint}: invalid URL") from exc
        except aiohttp.ClientError as exc:
            raise MeegleConnectionError(
                f"{endpoint}: connection failed ({type(exc).__name__})", endpoint=endpoint
            ) from exc
        except OSError as exc:
            raise MeegleConnectionError(
                f"{endpoint}: connection failed ({type(exc).__name__})", endpoint=endpoint
            ) from exc

    # -- tokens ------------------------------------------------------------------------------

    async def fetch_token(
        self, path: str, body: Mapping[str, Any], headers: Mapping[str, str]
    ) -> Mapping[str, Any]:
        """POST to a token endpoint and return its ``data`` (the providers' ``TokenFetcher``).

        A refusal raises ``MeegleAuthenticationError`` at once: retrying bad credentials cannot
        help. Transient failures (connection, 5xx) propagate to the calling request's retry loop.
        """
        self._check_open()
        endpoint = path.rsplit("/", 1)[-1]
        stats = self.stats.of(endpoint)
        stats.requests += 1
        started = time.monotonic()
        url = URL(self.base_url + path, encoded=True)
        send_headers = {
            "Content-Type": "application/json",
            "User-Agent": self.user_agent,
            **headers,
        }
        status: int | None = None
        try:
            status, resp_headers, raw = await self._http(
                "POST",
                url,
                None,
                jsonlib.dumps(body).encode(),
                send_headers,
                aiohttp.ClientTimeout(total=30.0, connect=10.0),
                endpoint,
            )
            decoded = decode_answer(
                status=status,
                headers=resp_headers,
                raw=raw or b"",
                endpoint=endpoint,
                token_endpoint=True,
            )
        except MeegleAPIError as error:
            stats.errors += 1
            self._emit(
                endpoint,
                "POST",
                status,
                error.code,
                time.monotonic() - started,
                1,
                isinstance(error, MeegleRateLimitError),
                error.log_id,
                error,
            )
            if isinstance(error, MeegleAuthenticationError) or (
                error.http_status is not None
                and 400 <= error.http_status < 500
                and error.http_status != 429
            ):
                raise MeegleAuthenticationError(
                    error.message,
                    code=error.code,
                    detail=error.detail,
                    log_id=error.log_id,
                    http_status=error.http_status,
                    endpoint=endpoint,
                ) from None
            raise
        except MeegleError as error:
            stats.errors += 1
            self._emit(
                endpoint, "POST", status, None, time.monotonic() - started, 1, False, None, error
            )
            raise
        data = decoded.data
        if not isinstance(data, Mapping):
            raise MeegleAuthenticationError(
                "the token endpoint answered without data", endpoint=endpoint, http_status=status
            )
        self._emit(
            endpoint,
            "POST",
            status,
            0,
            time.monotonic() - started,
            1,
            False,
            _log_id(resp_headers, decoded.envelope),
            None,
        )
        return data

    # -- observability -----------------------------------------------------------------------

    def _emit(
        self,
        endpoint: str,
        method: str,
        status: int | None,
        code: int | None,
        duration: float,
        attempt: int,
        throttled: bool,
        log_id: str | None,
        error: BaseException | None,
    ) -> None:
        logger.debug(
            "%s %s -> %s%s attempt %d in %.3fs [log_id %s]",
            method,
            endpoint,
            status if status is not None else type(error).__name__,
            f" err_code {code}" if code else "",
            attempt,
            duration,
            log_id,
        )
        if self.on_request is None:
            return
        event = RequestEvent(
            endpoint=endpoint,
            method=method,
            status=status,
            err_code=code,
            duration=duration,
            attempt=attempt,
            throttled=throttled,
            log_id=log_id,
            error=type(error).__name__ if error is not None else None,
        )
        try:
            self.on_request(event)
        except Exception:
            logger.exception("the on_request hook raised; the call goes on")


def _describe(error: MeegleError) -> str:
    if isinstance(error, MeegleAPIError):
        if error.code is not None:
            return f"err_code {error.code}"
        return f"HTTP {error.http_status}"
    return type(error).__name__


def _log_id(headers: Mapping[str, str], envelope: Mapping[str, Any]) -> str | None:
    return log_id_from(headers, envelope)


def _clean_query(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not params:
        return None
    out: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = str(value)
    return out or None
