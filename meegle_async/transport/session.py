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
import contextlib
import json as jsonlib
import math
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from yarl import URL

from ..errors import (
    MeegleAPIError,
    MeegleAuthenticationError,
    MeegleConnectionError,
    MeegleError,
    MeegleRateLimitError,
    MeegleServerError,
    MeegleTimeoutError,
    MeegleValidationError,
)
from .auth import Secret, TokenProvider
from .calls import CallState
from .checks import check_header_value, dumps_json
from .envelope import Decoded, decode_answer, log_id_from
from .limits import AdaptiveRate, LimiterBackend, RateTable
from .log import logger
from .options import (
    DEFAULT_MAX_RESPONSE_BYTES,
    CallOptions,
    as_timeout,
    check_deadline,
    clean_query,
    default_user_agent,
    env_proxy_for,
)
from .response import RawResponse
from .retry import RetryPolicy
from .scrub import safe_cause, scrub_error
from .stats import RequestEvent, RequestHook, StatsRecorder
from .urls import build_path

# CallOptions and the option checks live in .options; named here too for existing imports.
__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "AnswerReader",
    "Body",
    "CallOptions",
    "Transport",
    "check_deadline",
    "default_user_agent",
    "env_proxy_for",
]

#: A request body: JSON bytes, or a factory called once per attempt for a fresh (multipart) body.
Body = bytes | Callable[[], Any] | None
#: Reads an answer itself (a download): returns ``None`` when it consumed a binary answer, or
#: the raw bytes of a JSON answer for the usual decoding.
AnswerReader = Callable[[aiohttp.ClientResponse], Awaitable[bytes | None]]

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The query cleaner under its former name (``transport.files`` imports it so).
_clean_query = clean_query
#: The token endpoints answer in well under this, whatever the client's timeout.
_TOKEN_TIMEOUT = 30.0


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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        limiter_factory: Callable[[], LimiterBackend] | None = None,
    ) -> None:
        self.base_url = base_url
        self.default_timeout = default_timeout or as_timeout(60.0)
        self.max_response_bytes = max_response_bytes
        #: Makes a fresh limiter when the client moves to another event loop; ``None`` when the
        #: limiter is shared with others (then the client stays on its first loop).
        self.limiter_factory = limiter_factory
        #: The token store, when it is this client's own (dropped locks on a loop change).
        self.own_token_store: Any = None
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
        self._calls: dict[asyncio.Task[Any], CallState] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Monotonic time of the last answer per limiter key: a limiter made for a new event
        #: loop starts paused until a second after it, so the two loops never add up.
        self._last_answer: dict[str, float] = {}
        self._watcher: AsyncIterator[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Whether ``aclose`` has run."""
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise MeegleError("this MeegleClient has been closed; create a new one")

    async def _bind_loop(self) -> None:
        """Tie the transport to the running loop; move it to a new one if the old one is gone.

        A client used from two ``asyncio.run()`` calls (notebooks, a loop per test) gets a fresh
        session, concurrency cap, limiter state and token locks on the new loop; tokens, stats
        and adaptive rates carry over, and the new limiter holds every key until a second after
        its last answer on the old loop. Two loops running at once cannot share one client.
        """
        loop = asyncio.get_running_loop()
        old = self._loop
        if old is loop:
            return
        if old is None:
            self._loop = loop
            await self._watch_loop_end()
            return
        if not old.is_closed() and old.is_running():
            raise MeegleError(
                "this MeegleClient is in use on another running event loop: "
                "use one client per event loop"
            )
        if not self._owns_session:
            raise MeegleError(
                "the aiohttp session passed to this MeegleClient belongs to an event loop that "
                "has ended; create the session and the client on the loop that uses them "
                "(one client per event loop)"
            )
        if self.limiter_factory is None:
            raise MeegleError(
                "this MeegleClient shares its limiter (shared_state) and was made on an event "
                "loop that has ended: create one client per event loop"
            )
        self._discard_session()
        self._semaphore = None
        self._calls.clear()
        self.limiter = self.limiter_factory()
        now = time.monotonic()
        for key, answered in self._last_answer.items():
            hold = answered + 1.0 + 0.005 - now
            if hold > 0:
                await self.limiter.pause(key, hold)
        if self.own_token_store is not None and hasattr(self.own_token_store, "rebind"):
            self.own_token_store.rebind()
        self._loop = loop
        await self._watch_loop_end()
        logger.info("MeegleClient moved to a new event loop; the old one has ended")

    async def _watch_loop_end(self) -> None:
        """Close the session when the loop shuts down (``asyncio.run``'s end), not later.

        An async generator started on the loop is finalised by ``loop.shutdown_asyncgens()``,
        while the loop can still run the session's close: its connections end cleanly and the
        client can move to the next loop without leaving sockets behind.
        """
        watcher = self._loop_watcher()
        self._watcher = watcher
        await watcher.__anext__()

    async def _loop_watcher(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        try:
            yield  # suspended here until the loop finalises its async generators
        finally:
            session = self._session
            if (
                self._owns_session
                and self._loop is loop
                and session is not None
                and not session.closed
                and not loop.is_closed()
            ):
                with contextlib.suppress(Exception):
                    await session.close()

    def _discard_session(self) -> None:
        """Drop a session whose loop has ended, without the warnings of an unclosed one."""
        session, self._session = self._session, None
        if session is None or session.closed:
            return
        connector = session.connector
        session.detach()
        if connector is not None:
            try:
                connector._close()  # the transports of a closed loop: nothing left to await
            except Exception:  # pragma: no cover - best effort on a dead loop
                logger.debug("could not close the connector of an ended loop", exc_info=True)

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise MeegleError("this MeegleClient has been closed; create a new one")
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
        await self._bind_loop()
        self._get_session()

    async def aclose(self) -> None:
        """Close the session if this transport created it; a borrowed one is left open.

        Calls still in progress end at once with ``MeegleError`` (those still queued for the
        limiter or the concurrency cap send nothing), and no session is made again.
        """
        if self._closed:
            return
        self._closed = True
        current = asyncio.current_task()
        loop = asyncio.get_running_loop()
        waiting: list[asyncio.Future[None]] = []
        for task, call in list(self._calls.items()):
            if task is current or task.done():
                continue
            call.left = loop.create_future()
            waiting.append(call.left)
            call.end("closed")
        if waiting:
            # Let them leave (and release their permits) before the session and limiter go.
            await asyncio.wait(waiting, timeout=5.0)
        if self._owns_session and self._session is not None and not self._session.closed:
            if self._loop is not None and self._loop is not loop:
                self._discard_session()  # made on a loop that has ended: nothing to await
            else:
                await self._session.close()
        await self.limiter.aclose()

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        session = getattr(self, "_session", None)
        if (
            session is None
            or not getattr(self, "_owns_session", False)
            or session.closed
            or getattr(self, "_closed", True)
        ):
            return
        _warn(
            "unclosed MeegleClient: use `async with MeegleClient(...) as client:` "
            "or `await client.aclose()` when done",
            ResourceWarning,
            source=self,
        )
        # aiohttp would warn again about its session and connector: one warning is enough.
        connector = session.connector
        session.detach()
        if connector is not None:
            with contextlib.suppress(Exception):  # the loop may be gone already
                connector._close()

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
        deadline: float | None = None,
    ) -> RawResponse:
        """Run one logical call (every attempt of it) and return its decoded answer.

        ``write`` says whether the call changes something; writes carry an ``X-Idem-UUID``, made
        once here (or the caller's ``idempotency_key``) and reused by every attempt. ``None``
        means "any method but GET". ``deadline`` (seconds, else the options' one) bounds the
        whole call: the queue, every attempt and the backoff between them.
        """
        self._check_open()
        method = method.upper()
        if path_params is not None and not isinstance(path_params, Mapping):
            raise MeegleValidationError(
                f"path_params must be a mapping, not {type(path_params).__name__}"
            )
        url = URL(self.base_url + build_path(path, path_params), encoded=True)
        query = clean_query(params)
        body = None if json is None else dumps_json(json)
        is_write = (method in _WRITE_METHODS) if write is None else write
        if idempotency_key is not None:
            idem: str | None = check_header_value(idempotency_key, "idempotency_key")
        else:
            idem = str(uuid.uuid4()) if is_write else None
        limit = options.deadline if deadline is None else check_deadline(deadline)
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
            deadline=limit,
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
        deadline: float | None = None,
    ) -> RawResponse:
        """Every attempt of one call, tracked from start to end: ``deadline`` (else the options')
        bounds the whole, and ``aclose`` ends it. A callable ``body`` is called per attempt (a
        multipart body is consumed by sending it); ``reader`` reads the answer (downloads)."""
        if self._loop is not asyncio.get_running_loop():
            await self._bind_loop()
        task = asyncio.current_task()
        call = CallState(task, options.deadline if deadline is None else deadline)
        outer = self._calls.get(task) if task is not None else None
        if task is not None:
            self._calls[task] = call
        call.arm(asyncio.get_running_loop())
        try:
            return await self._attempt_loop(
                endpoint=endpoint,
                method=method,
                url=url,
                query=query,
                body=body,
                idem=idem,
                options=options,
                reader=reader,
                call=call,
            )
        except asyncio.CancelledError:
            if call.reason is None or task is None:
                raise
            uncancel = getattr(task, "uncancel", None)
            if uncancel is not None:
                uncancel()
                if getattr(task, "cancelling", lambda: 0)():
                    raise  # cancelled by someone else as well: that wins
            error = call.error(endpoint)
        finally:
            call.finish()
            if task is not None:
                if outer is not None:
                    self._calls[task] = outer
                else:
                    self._calls.pop(task, None)
        raise error

    async def _attempt_loop(
        self,
        *,
        endpoint: str,
        method: str,
        url: URL,
        query: Mapping[str, str] | None,
        body: Body,
        idem: str | None,
        options: CallOptions,
        reader: AnswerReader | None,
        call: CallState,
    ) -> RawResponse:
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
                self._check_open()
                call.enter("token")
                token = await self.auth.token()
                headers = self._headers(token, options.user_key, idem, isinstance(body, bytes))
                call.enter("queued")
                qps = rate.current if rate is not None else self.rates.qps(endpoint)
                per_minute = self.rates.per_minute(endpoint)
                permit = await (
                    self.limiter.acquire(key, qps)
                    if per_minute is None
                    else self.limiter.acquire(key, qps, per_minute=per_minute)
                )
                try:
                    granted_at = permit.granted_at
                    stats.limiter_wait_seconds += permit.waited
                    started = time.monotonic()
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
                        call,
                    )
                finally:
                    self._last_answer[key] = time.monotonic()
                    call.holding = True
                    try:
                        await self.limiter.release(permit)
                    finally:
                        call.holding = False
                if call.reason is not None:
                    # The deadline passed (or the client closed) while the permit was released.
                    raise asyncio.CancelledError
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
                scrub_error(error, self._secrets(token, options.user_key))
                duration = time.monotonic() - started
                code = error.code if isinstance(error, MeegleAPIError) else None
                log_id = error.log_id if isinstance(error, MeegleAPIError) else None
                throttled = isinstance(error, MeegleRateLimitError)
                self._emit(
                    endpoint, method, status, code, duration, attempt, throttled, log_id, error
                )
                if self._closed:
                    raise error from error.__cause__

                if (
                    code is not None
                    and code in self.token_invalid_codes
                    and token is not None
                    and not token_renewed
                ):
                    token_renewed = True
                    call.enter("token")
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
                    call.enter("backoff")
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

    def _secrets(self, token: str | None, user_key: Secret | None) -> list[str | None]:
        """What must never show in an error of this call: its token, user key and credentials."""
        known = getattr(self.auth, "secret_values", None)
        values: list[str | None] = list(known()) if callable(known) else []
        values.append(token)
        if user_key is not None:
            values.append(user_key.get())
        return values

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
        call: CallState | None = None,
    ) -> tuple[int, Mapping[str, str], bytes | None]:
        """One HTTP exchange; aiohttp's exceptions become ours here, the most specific first.

        The answer is read up to ``max_response_bytes`` (after decompression) unless ``reader``
        reads it (a download), and the cause kept on a mapped error never carries the request's
        headers.
        """
        session = self._get_session()
        # A timeout given per request costs a fifth of a small call: our own session carries
        # the client's, and only a copy with another one (or a borrowed session) passes it.
        # (``timeout=None`` per request would mean "no timeout at all" to aiohttp.)
        extra: dict[str, Any] = {}
        if not (self._owns_session and timeout == self.default_timeout):
            extra["timeout"] = timeout
        failure: MeegleError
        cause: BaseException | None
        try:
            if call is not None:
                call.enter("queued")
            async with self._get_semaphore():
                self._check_open()
                if call is not None:
                    call.enter("sending")
                async with session.request(
                    method,
                    url,
                    params=query,
                    data=body,
                    headers=headers,
                    proxy=self.proxy,
                    allow_redirects=False,
                    **extra,
                ) as resp:
                    if reader is not None:
                        raw: bytes | None = await reader(resp)
                    else:
                        raw = await self._read_capped(resp, endpoint)
                    # aiohttp's headers are a read-only, case-insensitive view: kept as they are.
                    return resp.status, resp.headers, raw
        except MeegleError:
            raise  # ours already (a refused size, a download that could not be written)
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
            failure = MeegleTimeoutError(
                f"{endpoint}: no answer within the timeout", endpoint=endpoint
            )
            cause = safe_cause(exc)
        except aiohttp.InvalidURL as exc:
            failure = MeegleValidationError(f"{endpoint}: invalid URL")
            cause = safe_cause(exc)
        except aiohttp.ClientError as exc:
            failure = MeegleConnectionError(
                f"{endpoint}: connection failed ({type(exc).__name__})", endpoint=endpoint
            )
            cause = safe_cause(exc)
        except OSError as exc:
            failure = MeegleConnectionError(
                f"{endpoint}: connection failed ({type(exc).__name__})", endpoint=endpoint
            )
            cause = safe_cause(exc)
        except ValueError:
            # aiohttp refuses a header value it cannot send (checked before, as a last guard).
            failure = MeegleValidationError(f"{endpoint}: a header value cannot be sent")
            cause = None
        # Raised outside the handlers, so the original is not kept as ``__context__`` either.
        raise failure from cause

    async def _read_capped(self, resp: aiohttp.ClientResponse, endpoint: str) -> bytes:
        """The whole (decompressed) body, refused past ``max_response_bytes``."""
        cap = self.max_response_bytes
        length = resp.content_length
        if length is not None and not resp.headers.get("Content-Encoding"):
            # A plain body of a known length: refused up front, or read in one go.
            if length > cap:
                raise self._too_large(resp, endpoint)
            return await resp.read()
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = await resp.content.readany()
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                raise self._too_large(resp, endpoint)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, resp: aiohttp.ClientResponse, endpoint: str) -> MeegleServerError:
        resp.close()
        return MeegleServerError(
            f"the answer is larger than max_response_bytes ({self.max_response_bytes} bytes); "
            "it was not read",
            log_id=log_id_from(resp.headers),
            http_status=resp.status,
            endpoint=endpoint,
        )

    # -- tokens ------------------------------------------------------------------------------

    async def fetch_token(
        self, path: str, body: Mapping[str, Any], headers: Mapping[str, str]
    ) -> Mapping[str, Any]:
        """POST to a token endpoint and return its ``data`` (the providers' ``TokenFetcher``).

        A refusal raises ``MeegleAuthenticationError`` at once: retrying bad credentials cannot
        help. Transient failures (connection, 5xx) propagate to the calling request's retry loop.
        Server text quoted in an error is scrubbed of the credentials sent.
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
        # What the call sent that must not come back in an error: secrets, tokens, codes.
        secrets: list[str | None] = [
            v
            for k, v in body.items()
            if isinstance(v, str) and any(w in k for w in ("secret", "token", "code"))
        ]
        secrets += list(headers.values())
        secrets += self._secrets(None, None)
        # The token call keeps to the client's timeout, and to 30 s at most.
        total = self.default_timeout.total
        timeout = aiohttp.ClientTimeout(
            total=min(total, _TOKEN_TIMEOUT) if total is not None else _TOKEN_TIMEOUT,
            connect=min(total or 10.0, 10.0),
        )
        status: int | None = None
        try:
            status, resp_headers, raw = await self._http(
                "POST", url, None, dumps_json(body), send_headers, timeout, endpoint
            )
            decoded = decode_answer(
                status=status,
                headers=resp_headers,
                raw=raw or b"",
                endpoint=endpoint,
                token_endpoint=True,
            )
        except MeegleAPIError as error:
            scrub_error(error, secrets)
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
            scrub_error(error, secrets)
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
