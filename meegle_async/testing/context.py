"""What the fake's handlers get and give: the request context and a paged result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .rules import JSON
from .store import Actor

__all__ = ["Ctx", "Handler", "Paged"]


@dataclass
class Paged:
    """Handler result for paged endpoints: ``data`` plus a top-level ``pagination``."""

    data: Any
    pagination: JSON


@dataclass
class Ctx:
    """What a handler gets: path parameters, query, parsed body and the acting user."""

    match: Mapping[str, str]
    query: Mapping[str, str]
    body: Any
    actor: Actor
    token: str


Handler = Callable[[Ctx], Any]
