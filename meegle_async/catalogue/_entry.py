"""The catalogue's entry type: one wrapped Meegle endpoint, described as data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Literal, overload

import attrs

__all__ = ["Catalogue", "Endpoint", "HttpMethod", "endpoint"]

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]

#: The error kinds an entry's ``errors`` may name (``meegle_async.errors.ERROR_KINDS``).
ERROR_KIND_NAMES = frozenset(
    {
        "authentication",
        "permission",
        "not_found",
        "invalid_params",
        "too_many_results",
        "space_not_found",
        "state_conflict",
        "rate_limited",
        "server_error",
    }
)


@attrs.frozen(kw_only=True)
class Endpoint:
    """One Meegle OpenAPI endpoint the client wraps.

    Attributes:
        name: the endpoint's name (the seed spec's ``name:``, else the official SDK's name in
            snake_case). Limiter keys, stats, logs and error mapping use it.
        method: the HTTP method.
        path: the path template, ``{param}`` for each path parameter.
        group: the client attribute of the group (``"work_items"``).
        client_method: the method that calls it, dotted from the client
            (``"work_items.get_details"``).
        qps: the platform's requests per second per token for this endpoint.
        per_minute: the platform's cap per minute, where it has one (450 for the searches).
        write: whether the call changes something (carries an ``X-Idem-UUID``; a POST that only
            reads is ``False``).
        sdk_name: the official SDK's name (``GetWorkItemsByIds``), or ``None`` where no SDK has it.
        summary: one line on what it does.
        errors: the err_codes whose meaning is particular to this endpoint:
            code -> (kind, description), kind as in ``meegle_async.errors.ERROR_KINDS``.
        timeout: a longer per-attempt timeout this endpoint needs by default (seconds), or
            ``None`` for the client's.
    """

    name: str
    method: HttpMethod
    path: str
    group: str
    client_method: str
    qps: float = 15.0
    per_minute: int | None = None
    write: bool
    sdk_name: str | None = None
    summary: str = ""
    errors: Mapping[int, tuple[str, str]] = attrs.field(factory=dict)
    timeout: float | None = None

    def __attrs_post_init__(self) -> None:
        if not self.path.startswith("/open_api/"):
            raise ValueError(f"{self.name}: path must start with /open_api/")
        if not self.client_method.startswith(self.group + "."):
            raise ValueError(f"{self.name}: client_method must be in group {self.group}")
        for code, (kind, _) in self.errors.items():
            if kind not in ERROR_KIND_NAMES:
                raise ValueError(f"{self.name}: error {code} has unknown kind {kind!r}")

    @property
    def path_params(self) -> tuple[str, ...]:
        """The names of the path's ``{param}`` placeholders, in order."""
        out: list[str] = []
        for part in self.path.split("{")[1:]:
            out.append(part.split("}", 1)[0])
        return tuple(out)


def endpoint(
    name: str,
    method: HttpMethod,
    path: str,
    client_method: str,
    *,
    write: bool | None = None,
    qps: float = 15.0,
    per_minute: int | None = None,
    sdk_name: str | None = None,
    summary: str = "",
    errors: Mapping[int, tuple[str, str]] | None = None,
    timeout: float | None = None,
) -> Endpoint:
    """An ``Endpoint``; ``group`` is ``client_method``'s first part, ``write`` defaults to
    "any method but GET"."""
    return Endpoint(
        name=name,
        method=method,
        path=path,
        group=client_method.split(".", 1)[0],
        client_method=client_method,
        qps=qps,
        per_minute=per_minute,
        write=(method != "GET") if write is None else write,
        sdk_name=sdk_name,
        summary=summary,
        errors=dict(errors or {}),
        timeout=timeout,
    )


class Catalogue(Sequence[Endpoint]):
    """Every wrapped endpoint once: a sequence of ``Endpoint`` that is also indexed by name.

    ``ENDPOINTS[0]``, ``ENDPOINTS["get_work_item_details"]``, ``"create_work_item" in
    ENDPOINTS``, ``for entry in ENDPOINTS``; ``by_group("workflows")``; ``get(name)``.
    """

    def __init__(self, entries: Iterable[Endpoint]) -> None:
        self._entries = tuple(entries)
        self._by_name: dict[str, Endpoint] = {}
        routes: set[tuple[str, str]] = set()
        for entry in self._entries:
            if entry.name in self._by_name:
                raise ValueError(f"endpoint {entry.name!r} is in the catalogue twice")
            if (entry.method, entry.path) in routes:
                raise ValueError(f"{entry.method} {entry.path} is in the catalogue twice")
            routes.add((entry.method, entry.path))
            self._by_name[entry.name] = entry

    @overload
    def __getitem__(self, key: int) -> Endpoint: ...
    @overload
    def __getitem__(self, key: str) -> Endpoint: ...
    @overload
    def __getitem__(self, key: slice) -> Sequence[Endpoint]: ...
    def __getitem__(self, key: int | str | slice) -> Endpoint | Sequence[Endpoint]:
        if isinstance(key, str):
            try:
                return self._by_name[key]
            except KeyError:
                raise KeyError(f"no endpoint named {key!r} in the catalogue") from None
        return self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Endpoint]:
        return iter(self._entries)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, str):
            return item in self._by_name
        return item in self._entries

    def __repr__(self) -> str:
        return f"<Catalogue of {len(self._entries)} endpoints>"

    def get(self, name: str) -> Endpoint | None:
        """The entry named ``name``, or ``None``."""
        return self._by_name.get(name)

    def names(self) -> list[str]:
        """Every endpoint name, in catalogue order."""
        return list(self._by_name)

    def by_group(self, group: str) -> list[Endpoint]:
        """The entries of one client group (``"work_items"``)."""
        return [e for e in self._entries if e.group == group]

    def groups(self) -> list[str]:
        """The client groups, in catalogue order."""
        return list(dict.fromkeys(e.group for e in self._entries))
