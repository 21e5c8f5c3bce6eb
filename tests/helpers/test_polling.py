"""The task poller: first poll after the task could be done, oldest due first, backoff while
running, tasks added while it runs, one poll at a time, and failures that end it."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest

from meegle_async import MeegleValidationError, PollSchedule
from meegle_async.helpers.polling import TaskPoller, poll_until_final


class FakeTasks:
    """Tasks that finish ``duration`` seconds after submission; polls paced ``spacing`` apart
    (as a 1-QPS limiter paces them, time-scaled)."""

    def __init__(self, duration: float, spacing: float = 0.0) -> None:
        self.duration = duration
        self.spacing = spacing
        self.submitted: dict[str, float] = {}
        self.polls: list[tuple[str, float, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._last = -1e9

    def submit(self, key: str) -> None:
        self.submitted[key] = time.monotonic()

    async def fetch(self, key: str) -> str:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            wait = self._last + self.spacing - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            now = time.monotonic()
            self._last = now
            status = "SUCCESS" if now - self.submitted[key] >= self.duration else "RUNNING"
            self.polls.append((key, now, status))
            return status
        finally:
            self.in_flight -= 1


def final(status: str) -> bool:
    return status == "SUCCESS"


async def test_tasks_submitted_one_by_one_are_each_polled_once_when_due() -> None:
    # The benchmark's shape, 50x faster: 20 tasks submitted 20 ms apart, each done 40 ms after
    # submission, polls paced 20 ms apart. Ideal: done 40 ms after the last submission.
    tasks = FakeTasks(duration=0.04, spacing=0.02)
    poller: TaskPoller[str, str] = TaskPoller(
        tasks.fetch, final, schedule=PollSchedule(first_delay=0.04, interval=0.02)
    )
    start = time.monotonic()
    runner = asyncio.ensure_future(poller.run())
    for i in range(20):
        if i:
            await asyncio.sleep(0.02)
        key = f"t{i}"
        tasks.submit(key)
        poller.add(key)
    poller.close()
    states = await runner
    elapsed = time.monotonic() - start
    assert states == {f"t{i}": "SUCCESS" for i in range(20)}
    assert list(states) == [f"t{i}" for i in range(20)]  # in the order added
    assert [k for k, _, _ in tasks.polls] == [f"t{i}" for i in range(20)]  # one poll each
    assert poller.polls == 20
    assert tasks.max_in_flight == 1
    ideal = 19 * 0.02 + 0.04
    assert elapsed < ideal * 1.15 + 0.1


async def test_no_poll_before_first_delay_and_backoff_while_running() -> None:
    tasks = FakeTasks(duration=0.35)
    schedule = PollSchedule(first_delay=0.05, interval=0.02, backoff=2.0, max_interval=0.08)
    tasks.submit("t")
    start = time.monotonic()
    states = await poll_until_final(["t"], tasks.fetch, final, schedule=schedule)
    assert states == {"t": "SUCCESS"}
    times = [t - start for _, t, _ in tasks.polls]
    assert times[0] >= 0.05  # nothing while the task could not be done
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # 0.02, 0.04, 0.08, then capped at 0.08 (lower bounds exact, upper bounds loose for busy CI)
    assert 0.018 <= gaps[0] < 0.04
    assert 0.038 <= gaps[1] < 0.07
    assert len(gaps) >= 4
    assert all(0.078 <= g < 0.14 for g in gaps[2:])
    assert [s for _, _, s in tasks.polls][-1] == "SUCCESS"


async def test_the_oldest_due_task_goes_first() -> None:
    order: list[str] = []

    async def fetch(key: str) -> str:
        order.append(key)
        return "SUCCESS"

    poller: TaskPoller[str, str] = TaskPoller(fetch, final, schedule=PollSchedule(first_delay=0))
    now = time.monotonic()
    poller.add("young", submitted_at=now)
    poller.add("old", submitted_at=now - 5)  # added later, but all are due: order of adding wins
    poller.add("older", submitted_at=now - 9)
    poller.close()
    await poller.run()
    assert order == ["young", "old", "older"]


async def test_a_task_backing_off_does_not_hold_up_others() -> None:
    polls: list[str] = []
    answers = {"slow": iter(["RUNNING"] * 3 + ["SUCCESS"]), "fast": iter(["SUCCESS"])}

    async def fetch(key: str) -> str:
        polls.append(key)
        return next(answers[key])

    schedule = PollSchedule(first_delay=0, interval=0.05, backoff=2, max_interval=0.2)
    poller: TaskPoller[str, str] = TaskPoller(fetch, final, schedule=schedule)
    poller.add("slow")
    runner = asyncio.ensure_future(poller.run())
    await asyncio.sleep(0.01)
    poller.add("fast")  # due at once, while "slow" waits its interval
    poller.close()
    await runner
    assert polls[:3] == ["slow", "fast", "slow"]
    assert polls.count("slow") == 4


async def test_latest_shows_progress_and_a_fetch_error_ends_the_run() -> None:
    async def fetch(key: str) -> str:
        if key == "bad":
            raise RuntimeError("boom")
        return "RUNNING"

    poller: TaskPoller[str, str] = TaskPoller(
        fetch, final, schedule=PollSchedule(first_delay=0, interval=0.01)
    )
    poller.add("good")
    poller.add("bad")
    assert poller.latest == {"good": None, "bad": None}
    with pytest.raises(RuntimeError, match="boom"):
        await poller.run()
    assert poller.latest == {"good": "RUNNING", "bad": None}


async def test_run_waits_for_close_and_add_after_close_is_refused() -> None:
    async def fetch(key: str) -> str:
        return "SUCCESS"

    poller: TaskPoller[str, str] = TaskPoller(fetch, final, schedule=PollSchedule(first_delay=0))
    runner = asyncio.ensure_future(poller.run())
    await asyncio.sleep(0.02)
    assert not runner.done()  # nothing added, not closed: more may come
    poller.add("a")
    poller.add("a")  # a key added twice is polled once
    await asyncio.sleep(0.02)
    assert not runner.done()
    poller.close()
    assert await runner == {"a": "SUCCESS"}
    with pytest.raises(RuntimeError):
        poller.add("b")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"first_delay": -1},
        {"interval": 0},
        {"interval": float("nan")},
        {"backoff": 0.5},
        {"max_interval": 0.5, "interval": 1},
        {"first_delay": True},
    ],
)
def test_bad_schedules_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(MeegleValidationError):
        PollSchedule(**kwargs)
