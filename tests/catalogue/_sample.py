"""The shape of a catalogue sample: how to call an entry's method against the seeded fake."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from meegle_async import MeegleClient
from meegle_async.testing import RecordedRequest
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

Args = tuple[tuple[Any, ...], dict[str, Any]]


@dataclass(frozen=True)
class Sample:
    """``args`` prepares state if needed (through the client or the fake's store) and returns
    the positional and keyword arguments for the entry's ``client_method``; ``check`` asserts
    what the fake received (body, query) for that endpoint."""

    args: Callable[[MeegleClient, MeegleFakeFixture], Awaitable[Args]]
    check: Callable[[RecordedRequest], None] | None = None
    fake_options: dict[str, Any] = field(default_factory=dict)


def call(*args: Any, **kwargs: Any) -> Callable[[MeegleClient, MeegleFakeFixture], Awaitable[Args]]:
    """A sample whose arguments need no preparation."""

    async def make(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
        return args, kwargs

    return make
