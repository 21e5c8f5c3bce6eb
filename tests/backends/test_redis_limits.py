"""The Redis limiter's windows: bursts go at once, the minute cap holds across processes, bad
URLs are refused when the client is built. Two backends stand for two processes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from meegle_async import MeegleClient, MeegleValidationError
from meegle_async.backends import redis as redis_backend
from meegle_async.backends.redis import RedisLimiterBackend, shared_state_from_url
from meegle_async.transport.limits import MINUTE_WINDOW


def limiters(url: str, count: int = 2) -> list[RedisLimiterBackend]:
    out = []
    for _ in range(count):
        limiter = shared_state_from_url(url).limiter
        assert isinstance(limiter, RedisLimiterBackend)
        out.append(limiter)
    return out


class _Stop(Exception):
    pass


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every sleep the Redis backend asks for; ``stop_after`` makes a long one end the call."""
    seen: list[float] = []
    real = asyncio.sleep

    async def recorded(seconds: float, *args: Any) -> Any:
        seen.append(seconds)
        if seconds > 5:
            raise _Stop(seconds)
        return await real(seconds, *args)

    monkeypatch.setattr(redis_backend.asyncio, "sleep", recorded)
    return seen


async def test_a_burst_up_to_the_limit_is_granted_at_once_across_processes(
    redis_url: str, sleeps: list[float]
) -> None:
    a, b = limiters(redis_url)
    permits = await asyncio.gather(
        *(a.acquire("t:e", 15.0) for _ in range(8)), *(b.acquire("t:e", 15.0) for _ in range(7))
    )
    assert len(permits) == 15
    assert sleeps == []  # nobody waited: the script granted every slot now
    for permit in permits[:8]:
        await a.release(permit)
    for permit in permits[8:]:
        await b.release(permit)
    # The sixteenth waits for the window to pass the answers.
    extra = await b.acquire("t:e", 15.0)
    assert sleeps
    assert max(sleeps) >= 0.9
    await b.release(extra)
    await a.aclose()
    await b.aclose()


async def test_the_minute_cap_is_shared_by_every_process(
    redis_url: str, sleeps: list[float]
) -> None:
    a, b = limiters(redis_url)
    held = [await a.acquire("t:f", 100.0, per_minute=4) for _ in range(2)]
    held += [await b.acquire("t:f", 100.0, per_minute=4) for _ in range(2)]
    assert sleeps == []
    for permit in held[:2]:
        await a.release(permit)
    for permit in held[2:]:
        await b.release(permit)
    # The fifth of the minute is given a slot a minute after the first answers.
    with pytest.raises(_Stop) as stopped:
        await a.acquire("t:f", 100.0, per_minute=4)
    assert stopped.value.args[0] >= MINUTE_WINDOW - 1.0
    # Another endpoint of the same token is not held by it.
    other = await b.acquire("t:g", 100.0, per_minute=4)
    await b.release(other)
    await a.aclose()
    await b.aclose()


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("rediss://127.0.0.1:6379/0?ssl_cert_reqs=maybe", "ssl_cert_reqs"),
        ("redis://127.0.0.1:6379/zero", "database 'zero'"),
        ("redis://127.0.0.1:6379/-1", "database '-1'"),
        ("redis://127.0.0.1:6379/0?db=one", "db='one'"),
        ("redis://127.0.0.1:6379/0?retry_on_timeout=maybe", "retry_on_timeout"),
        ("http://127.0.0.1:6379/0", "redis://"),
    ],
)
def test_bad_redis_urls_are_refused_when_the_client_is_built(url: str, match: str) -> None:
    with pytest.raises(MeegleValidationError, match=match):
        MeegleClient(plugin_id="p", plugin_secret="s", user_key="u", shared_state=url)


def test_a_refused_url_does_not_echo_its_password() -> None:
    with pytest.raises(MeegleValidationError) as refused:
        shared_state_from_url("redis://user:hunter2-secret@127.0.0.1:6379/abc")
    assert "hunter2" not in str(refused.value)
    assert refused.value.__cause__ is None


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379",
        "redis://127.0.0.1:6379/",
        "redis://127.0.0.1:6379/3?ssl_cert_reqs=none",
        "rediss://127.0.0.1:6379/0?ssl_cert_reqs=required&retry_on_timeout=true",
        "unix:///tmp/redis.sock?db=2",
    ],
)
def test_good_redis_urls_are_accepted(url: str) -> None:
    assert isinstance(shared_state_from_url(url).limiter, RedisLimiterBackend)
