"""Fault injection for the fake Meegle server.

Random faults come from :class:`Faults` probabilities drawn from a seeded RNG; scripted
faults are queued with :meth:`FaultPlan.inject` and hit the next matching requests in
order, which is what a deterministic test wants::

    fake = FakeMeegle(faults=Faults(p_5xx=0.1, p_drop_after=0.05), seed=7)
    fake.faults.inject("update_work_item", "drop_after", "503")

Kinds:

``"429"``
    answered HTTP 429 with the throttled JSON body and ``Retry-After`` (nothing applied).
``"500"``, ``"502"``, ``"503"``
    answered with an HTML error page, as a proxy in front of the API would (nothing applied).
``"drop_before"``
    the connection is aborted before the request is processed (nothing applied).
``"drop_after"``
    the request is processed (the change is applied, and remembered for ``X-Idem-UUID``)
    and then the connection is aborted: the answer is lost, the effect stays.

Injected 429s slow the client down on purpose: a ``MeegleClient`` with adaptive limits (the
default) lowers an endpoint's rate each time the server throttles it although the client kept
to the limit, exactly as it would against Meegle. A test that injects 429s to check retries,
not pacing, runs far faster with them off::

    fake = FakeMeegle(faults=Faults(p_429=0.2), seed=7)
    client = MeegleClient(base_url=fake.base_url, ..., adaptive_limits=False)
    # or, with the pytest plugin:
    # @pytest.mark.meegle_fake(faults=Faults(p_429=0.2), client={"adaptive_limits": False})
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass

KINDS = frozenset({"429", "500", "502", "503", "drop_before", "drop_after"})
TOKEN_ENDPOINTS = frozenset({"plugin_token", "user_plugin_token", "refresh_token"})


@dataclass(frozen=True)
class Faults:
    """Random fault probabilities (each in [0, 1], checked in this order per request).

    ``latency`` delays every answer by that many seconds after the request was processed
    (a slow server, for client timeouts); ``endpoints`` limits faults to those endpoint
    names; token endpoints get faults only when ``token_endpoints`` is true.
    """

    latency: float = 0.0
    p_429: float = 0.0
    p_5xx: float = 0.0
    p_drop_before: float = 0.0
    p_drop_after: float = 0.0
    endpoints: Collection[str] | None = None
    token_endpoints: bool = False

    def __post_init__(self) -> None:
        for name in ("p_429", "p_5xx", "p_drop_before", "p_drop_after"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")
        if self.latency < 0:
            raise ValueError("latency must be >= 0")


class FaultPlan:
    """Decides, request by request, which fault (if any) hits it."""

    def __init__(self, faults: Faults | None, seed: int = 0) -> None:
        self.faults = faults or Faults()
        self._rng = random.Random(seed)
        self._queue: deque[tuple[str | None, str]] = deque()
        self.injected: dict[str, int] = {}

    def inject(self, endpoint: str | None, *kinds: str) -> None:
        """Queue faults for the next requests to ``endpoint`` (``None``: any endpoint)."""
        for kind in kinds:
            if kind not in KINDS:
                raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(KINDS)}")
            self._queue.append((endpoint, kind))

    def clear(self) -> None:
        """Forget queued faults."""
        self._queue.clear()

    def _applies(self, endpoint: str) -> bool:
        f = self.faults
        if endpoint in TOKEN_ENDPOINTS and not f.token_endpoints:
            return False
        return f.endpoints is None or endpoint in f.endpoints

    def decide(self, endpoint: str) -> str | None:
        """The fault kind for this request, or ``None``."""
        for i, (target, kind) in enumerate(self._queue):
            if target is None and endpoint in TOKEN_ENDPOINTS:
                continue
            if target is None or target == endpoint:
                del self._queue[i]
                return self._count(kind)
        if not self._applies(endpoint):
            return None
        f = self.faults
        if f.p_429 and self._rng.random() < f.p_429:
            return self._count("429")
        if f.p_5xx and self._rng.random() < f.p_5xx:
            return self._count(self._rng.choice(("500", "502", "503")))
        if f.p_drop_before and self._rng.random() < f.p_drop_before:
            return self._count("drop_before")
        if f.p_drop_after and self._rng.random() < f.p_drop_after:
            return self._count("drop_after")
        return None

    def latency_for(self, endpoint: str) -> float:
        """Extra answer delay for this endpoint."""
        return self.faults.latency if self._applies(endpoint) else 0.0

    def _count(self, kind: str) -> str:
        self.injected[kind] = self.injected.get(kind, 0) + 1
        return kind
