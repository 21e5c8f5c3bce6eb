"""Everything meegle_async raises.

The tree::

    MeegleError                            base of everything below
    ├── MeegleValidationError (ValueError) bad input, refused before anything is sent
    │   └── MeegleRequirementsMissingError a move refused: the transition needs more (``missing``)
    ├── MeegleTimeoutError (TimeoutError)  a request or a polling helper ran out of time
    ├── MeegleBatchUpdateError             batch-update tasks ended with failures (``result``)
    │   └── MeegleBatchSubmitError         a chunk failed after earlier ones were accepted
    ├── MeegleConnectionError              the network failed on every attempt
    ├── MeegleBackendError                 the shared-state backend (Redis) failed
    └── MeegleAPIError                     the server said no (err_code, HTTP 4xx/5xx, bad body)
        ├── MeegleAuthenticationError      token invalid/expired, bad credentials, unknown user
        ├── MeeglePermissionError          the token or user may not do this
        ├── MeegleNotFoundError            space, type, item, node, task or field is missing
        │   ├── MeegleSpaceNotFoundError   no such space (1000052062); also an invalid-params error
        │   └── MeegleMissingIdsError      some ids of a by-id read do not exist (``found``)
        ├── MeegleInvalidParamsError       the server refused the parameters
        │   ├── MeegleSpaceNotFoundError   (the same class: it inherits both)
        │   └── MeegleTooManyResultsError  a search matched more than the API pages (20094)
        ├── MeegleStateConflictError       the item's state forbids it (terminated, done, ...)
        ├── MeegleRateLimitError           throttled (HTTP 429 or a throttling err_code)
        └── MeegleServerError              HTTP 5xx or the server failed internally
            └── MeeglePaginationError      a cursor or page number that does not advance

Which class an ``err_code`` maps to, and its default message, come from the endpoint specs.
The same code can mean different things on different endpoints (50006 is a permission error on
update, a bad payload on create and an internal failure on subtask search), so the table is
keyed by (endpoint, code) first and by code alone second.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .catalogue import ENDPOINTS

__all__ = [
    "ERROR_KINDS",
    "MeegleAPIError",
    "MeegleAuthenticationError",
    "MeegleBackendError",
    "MeegleBatchSubmitError",
    "MeegleBatchUpdateError",
    "MeegleConnectionError",
    "MeegleError",
    "MeegleInvalidParamsError",
    "MeegleMissingIdsError",
    "MeegleNotFoundError",
    "MeeglePaginationError",
    "MeeglePermissionError",
    "MeegleRateLimitError",
    "MeegleRequirementsMissingError",
    "MeegleServerError",
    "MeegleSpaceNotFoundError",
    "MeegleStateConflictError",
    "MeegleTimeoutError",
    "MeegleTooManyResultsError",
    "MeegleValidationError",
    "describe_error_code",
    "error_class_for",
]


class MeegleError(Exception):
    """Base class of every exception meegle_async raises."""


class MeegleValidationError(MeegleError, ValueError):
    """Input refused before any request was sent; the message says what to change.

    Example::

        try:
            await client.work_items.get_details("space", "story", [0])
        except MeegleValidationError as err:
            print(err)  # work_item_ids[0]: 0 is not a positive work item id
    """


class MeegleRequirementsMissingError(MeegleValidationError):
    """``workflows.move_to`` refused a move before writing: the server says the node completion
    or state transition still needs something (a required field, subtask or deliverable).

    Attributes:
        missing: what is missing, as readable strings (``"field priority"``, ``"subtask 42"``).
        state_key: the node or target state that requires them.
    """

    def __init__(self, message: str, *, missing: list[str], state_key: str | None = None):
        super().__init__(message)
        self.missing = list(missing)
        self.state_key = state_key


class MeegleTimeoutError(MeegleError, TimeoutError):
    """A request, or a helper that polls (``batch_update_and_wait``), ran out of time.

    ``progress`` holds what the helper had gathered so far (``None`` for a single request).
    ``spent``, when a call's ``deadline`` passed, maps where its time went (``queued``,
    ``token``, ``attempts``, ``backoff``) to seconds.
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        progress: Any = None,
        spent: Mapping[str, float] | None = None,
    ) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.progress = progress
        self.spent: Mapping[str, float] = dict(spent or {})


class MeegleBatchUpdateError(MeegleError):
    """Batch-update tasks ended in something other than full success.

    Raised by ``BatchUpdateResult.raise_for_failures()``. The calls themselves succeeded (the
    server accepted every task), so this is not a ``MeegleAPIError``: the tasks reported failed
    work items, or ended ``FAILED``, ``CANCELED`` or ``NOT_EXIST``. ``result`` is the whole
    ``BatchUpdateResult`` (``failed_ids``, ``error_scenes``, ``not_updated_ids``, ...).
    Its subclass ``MeegleBatchSubmitError`` is the other way a batch update ends part-done: a
    chunk's submission failed after earlier chunks were accepted.
    """

    def __init__(self, message: str, *, result: Any = None) -> None:
        super().__init__(message)
        self.result = result

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_batch_error, (str(self), self.result))


def _rebuild_batch_error(message: str, result: Any) -> MeegleBatchUpdateError:
    return MeegleBatchUpdateError(message, result=result)


class MeegleBatchSubmitError(MeegleBatchUpdateError):
    """A batch update stopped part-way: a chunk failed after earlier chunks were accepted.

    Raised by ``batch_update`` and ``batch_update_and_wait`` (chunks are submitted one after
    another, in order). The accepted chunks are server tasks that run (or ran) whatever happens
    next; this error says which, so a re-run does not apply them twice.

    Attributes:
        submitted: chunk index -> task id of every accepted chunk (chunk ``i`` holds ids
            ``50 * i`` to ``50 * i + 49`` of the deduplicated id list).
        submitted_ids: the work item ids of the accepted chunks, in order.
        failed_chunk: the index of the chunk that failed.
        not_submitted_ids: the ids of the failed chunk and of every later one, in order.
        idempotency_key: the base key the chunks were sent with (chunk ``i``: ``f"{key}-{i}"``),
            the one made for the call when none was given.
        error: the failed chunk's error (also ``__cause__``); when it is a connection error or
            a timeout, the server may have accepted that chunk all the same.
        code, log_id, endpoint: ``error``'s, when it is a ``MeegleAPIError`` (else ``None``).
        result: a ``BatchUpdateResult`` of the accepted tasks (their progress when polled by
            ``batch_update_and_wait``, else ``None``).

    Resuming safely: call again with the same ids and ``idempotency_key=err.idempotency_key``;
    the chunks already accepted carry the same keys, so the server takes them as the same calls
    and does not apply them again. Or, when ``error`` is a refusal (a ``MeegleAPIError``, so the
    failed chunk was not applied), send only ``err.not_submitted_ids`` with a new key.
    """

    def __init__(
        self,
        message: str,
        *,
        submitted: Mapping[int, str],
        submitted_ids: list[int],
        failed_chunk: int,
        not_submitted_ids: list[int],
        idempotency_key: str,
        error: BaseException,
        result: Any = None,
    ) -> None:
        super().__init__(message, result=result)
        self.submitted = dict(submitted)
        self.submitted_ids = list(submitted_ids)
        self.failed_chunk = failed_chunk
        self.not_submitted_ids = list(not_submitted_ids)
        self.idempotency_key = idempotency_key
        self.error = error
        api = error if isinstance(error, MeegleAPIError) else None
        self.code = api.code if api is not None else None
        self.log_id = api.log_id if api is not None else None
        self.endpoint = api.endpoint if api is not None else None

    @property
    def task_ids(self) -> list[str]:
        """The task ids of the accepted chunks, in chunk order."""
        return [self.submitted[i] for i in sorted(self.submitted)]

    def __reduce__(self) -> tuple[Any, ...]:
        kwargs = {
            "submitted": self.submitted,
            "submitted_ids": self.submitted_ids,
            "failed_chunk": self.failed_chunk,
            "not_submitted_ids": self.not_submitted_ids,
            "idempotency_key": self.idempotency_key,
            "error": self.error,
            "result": self.result,
        }
        return (_rebuild_submit_error, (str(self), kwargs))


def _rebuild_submit_error(message: str, kwargs: dict[str, Any]) -> MeegleBatchSubmitError:
    return MeegleBatchSubmitError(message, **kwargs)


class MeegleConnectionError(MeegleError):
    """The connection failed (refused, reset, DNS, TLS) on every attempt allowed."""

    def __init__(self, message: str, *, endpoint: str | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.attempts = attempts


class MeegleBackendError(MeegleError):
    """The shared-state backend (e.g. Redis) failed, with ``on_backend_error="raise"``."""


class MeegleAPIError(MeegleError):
    """The server refused a call.

    Attributes:
        code: the ``err_code`` (or ``error.code`` of the token endpoints); ``None`` when the body
            carried none (an HTML error page, a bare HTTP 429).
        message: the server's ``err_msg``, or the spec's description of ``code`` when it sent none.
        description: the spec's description of ``code`` for this endpoint, if known.
        detail: the ``err`` object of the envelope (``{}`` when absent).
        log_id: the request's log id (``X-Tt-Logid``, ``X-Request-Id`` or ``err.log_id``): quote it
            to Meegle support.
        http_status: the HTTP status of the answer.
        endpoint: the spec name of the endpoint called (``get_work_item_details``, ...).
        retry_after: seconds the server asked us to wait (``Retry-After``), if it said.

    ``str(err)`` names the endpoint, the code and the log id, ready to paste into a ticket.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        code: int | None = None,
        detail: Mapping[str, Any] | None = None,
        log_id: str | None = None,
        http_status: int | None = None,
        endpoint: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.code = code
        self.description = describe_error_code(code, endpoint)
        self.message = message or self.description or "request failed"
        self.detail: Mapping[str, Any] = dict(detail or {})
        self.log_id = log_id
        self.http_status = http_status
        self.endpoint = endpoint
        self.retry_after = retry_after
        super().__init__(self._render())

    def _render(self) -> str:
        head = self.endpoint or "meegle"
        parts = [f"{head}: "]
        if self.code is not None:
            parts.append(f"err_code {self.code}")
        elif self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        else:
            parts.append("error")
        parts.append(f": {self.message}")
        if self.description and self.description != self.message:
            parts.append(f" ({self.description})")
        if self.http_status is not None and self.code is not None and self.http_status != 200:
            parts.append(f" [HTTP {self.http_status}]")
        parts.append(f" [log_id {self.log_id or 'none'}]")
        return "".join(parts)

    def __reduce__(self) -> tuple[Any, ...]:
        kwargs = {
            "code": self.code,
            "detail": self.detail,
            "log_id": self.log_id,
            "http_status": self.http_status,
            "endpoint": self.endpoint,
            "retry_after": self.retry_after,
        }
        return (_rebuild_api_error, (type(self), self.message, kwargs))


def _rebuild_api_error(
    cls: type[MeegleAPIError], message: str, kwargs: dict[str, Any]
) -> MeegleAPIError:
    return cls(message, **kwargs)


class MeegleAuthenticationError(MeegleAPIError):
    """The token is invalid or expired and could not be renewed, the plugin id/secret were
    refused, or ``X-User-Key`` names no user. Not retried."""


class MeeglePermissionError(MeegleAPIError):
    """The token or the acting user lacks the permission (Permission Management in the plugin)."""


class MeegleNotFoundError(MeegleAPIError):
    """A space, work item type, work item, node, subtask or field does not exist (or is hidden)."""


class MeegleMissingIdsError(MeegleNotFoundError):
    """Some ids of a by-id read (``get_details``) do not exist; nothing that was found is lost.

    Attributes:
        found: the items that do exist, in the order their ids were asked for.
        missing_ids: the ids that do not exist (or are not of the type asked for), in input
            order, each once.

    Example::

        try:
            items = await client.work_items.get_details("space", "story", ids, missing="raise")
        except MeegleMissingIdsError as err:
            items = err.found
            log.warning("gone: %s", err.missing_ids)
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        found: Any = (),
        missing_ids: Any = (),
        **kwargs: Any,
    ) -> None:
        self.found: list[Any] = list(found)
        self.missing_ids: list[Any] = list(missing_ids)
        super().__init__(message, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        kwargs = {
            "code": self.code,
            "detail": self.detail,
            "log_id": self.log_id,
            "http_status": self.http_status,
            "endpoint": self.endpoint,
            "retry_after": self.retry_after,
            "found": self.found,
            "missing_ids": self.missing_ids,
        }
        return (_rebuild_api_error, (type(self), self.message, kwargs))


class MeegleInvalidParamsError(MeegleAPIError):
    """The server refused the request's parameters; ``message`` says which."""


class MeegleSpaceNotFoundError(MeegleNotFoundError, MeegleInvalidParamsError):
    """No space has this ``project_key`` or ``simple_name`` (1000052062, "project key is
    wrong"; 1000052063 on user search).

    A not-found error first, as users expect of an unknown space; it is also a
    ``MeegleInvalidParamsError`` (what 1000052062 raised before), so code that catches either
    keeps working.

    Example::

        try:
            await client.work_items.get_details("no_such_space", "story", [1])
        except MeegleNotFoundError as err:  # MeegleSpaceNotFoundError
            print(err.code)  # 1000052062
    """


class MeegleTooManyResultsError(MeegleInvalidParamsError):
    """A search matched more results than the API pages through (subtask search: 5000, 20094).

    The ``iter_*`` helpers split the query by creation time instead of raising this.
    """


class MeegleStateConflictError(MeegleAPIError):
    """The work item's or subtask's state forbids the change (terminated, already restored,
    already confirmed, edited concurrently, type disabled)."""


class MeegleRateLimitError(MeegleAPIError):
    """Throttled by the server (HTTP 429 or a throttling err_code) on every attempt allowed."""


class MeegleServerError(MeegleAPIError):
    """HTTP 5xx, an unreadable answer, or an internal failure the server reported."""


class MeeglePaginationError(MeegleServerError):
    """The server answered a page whose cursor (or page number) does not move forward.

    Iterators raise this instead of asking for the same page forever.
    """


_AUTH = MeegleAuthenticationError
_PERM = MeeglePermissionError
_NOT_FOUND = MeegleNotFoundError
_INVALID = MeegleInvalidParamsError
_CONFLICT = MeegleStateConflictError
_LIMIT = MeegleRateLimitError
_SERVER = MeegleServerError

#: Kind name -> class, for documentation and for callers who map kinds to their own handling.
ERROR_KINDS: Mapping[str, type[MeegleAPIError]] = {
    "authentication": _AUTH,
    "permission": _PERM,
    "not_found": _NOT_FOUND,
    "invalid_params": _INVALID,
    "state_conflict": _CONFLICT,
    "rate_limited": _LIMIT,
    "server_error": _SERVER,
}

# Meaning of a code wherever the specs agree on it (or only one endpoint uses it).
_CODES: dict[int, tuple[type[MeegleAPIError], str]] = {
    10001: (_PERM, "Operation not permitted (no permission)"),
    10022: (_AUTH, "Plugin token expired"),
    10211: (_AUTH, "Token info invalid (token expired or invalid)"),
    1000051743: (_AUTH, "Can not find user info (invalid X-User-Key)"),
    1000051195: (_PERM, "ErrWorkItemNoPermission (cannot delete work items across tenants)"),
    20003: (_INVALID, "Wrong work_item_type param (work_item_type_key incorrect)"),
    20005: (_INVALID, "Missing param (required parameters missing)"),
    20006: (_INVALID, "Invalid param (one or more parameters invalid)"),
    20007: (_CONFLICT, "Work item is already aborted (terminated items cannot be modified)"),
    20008: (_CONFLICT, "Work item is already restored (already resumed)"),
    20013: (_INVALID, "Invalid time interval"),
    20014: (_INVALID, "Project and work item do not match"),
    20018: (_NOT_FOUND, "Node ID not exist in workflow (node_id incorrect)"),
    20028: (_INVALID, "work_item_ids exceeds 50"),
    20038: (_INVALID, "Required fields not set"),
    20044: (_CONFLICT, "Work item type has been disabled"),
    20046: (_NOT_FOUND, "Task ID not exist in workflow"),
    20047: (_INVALID, "role_assignee and assignee cannot be set together"),
    20050: (_INVALID, "Failed to check field (field option invalid due to configuration change)"),
    20057: (_INVALID, "project_keys and simple_names union exceeds 10"),
    20059: (_INVALID, "search_user.user_keys missing"),
    20063: (_INVALID, "Search operator error"),
    20068: (_INVALID, "Search param not supported"),
    20069: (_INVALID, "Search param value error"),
    20072: (_INVALID, "Conjunction value only supports AND / OR"),
    20082: (_INVALID, "Action not supported (use confirm or rollback)"),
    20083: (_INVALID, "Duplicate fields in request"),
    20090: (_LIMIT, "Request intercepted (retry later)"),
    20094: (MeegleTooManyResultsError, "Search result exceeds 5000 (refine search params)"),
    30001: (_NOT_FOUND, "Data not found"),
    30005: (_NOT_FOUND, "Work item not found"),
    30009: (_NOT_FOUND, "Field not found (invalid field_key)"),
    30014: (_NOT_FOUND, "Work item type not found"),
    30015: (_NOT_FOUND, "Record not found (workflow err)"),
    50005: (_SERVER, "Internal service error"),
    50006: (_SERVER, "Operate fail"),
    1000050156: (_INVALID, "ProjectKey does not match, or field is not a compound field"),
    1000050178: (_INVALID, "work_item_ids exceeds 50"),
    1000050183: (_INVALID, "Update field invalid (update_fields format is invalid)"),
    1000050244: (_NOT_FOUND, "Work item not found (does not exist or was deleted)"),
    1000050248: (_NOT_FOUND, "Field not found (compound field does not exist)"),
    1000050438: (_INVALID, "Duplication field exist (duplicate field_key in update_fields)"),
    1000050746: (_INVALID, "Field type not supported"),
    1000051468: (_INVALID, "Field alias repeated"),
    1000051469: (_CONFLICT, "Invalid update version (field being concurrently updated)"),
    1000051750: (_INVALID, "Field name has been used"),
    1000052062: (MeegleSpaceNotFoundError, "Project key is wrong (no such space)"),
    1000053507: (_INVALID, "Work item has not enabled resource library"),
    1000053593: (_INVALID, "NonresourceFieldsRolesUnsupported (not resource fields)"),
    1000053603: (_INVALID, "Field name length exceeded (max 255 characters)"),
    1000053604: (_INVALID, "Field description length exceeded (max 255 characters)"),
    1000053605: (_INVALID, "Option count exceeded"),
}

# Where an endpoint's spec gives a code its own meaning: the catalogue's ``errors``.
_KIND_CLASSES: Mapping[str, type[MeegleAPIError]] = {
    **ERROR_KINDS,
    "too_many_results": MeegleTooManyResultsError,
    "space_not_found": MeegleSpaceNotFoundError,
}
_ENDPOINT_CODES: dict[tuple[str, int], tuple[type[MeegleAPIError], str]] = {
    (entry.name, code): (_KIND_CLASSES[kind], description)
    for entry in ENDPOINTS
    for code, (kind, description) in entry.errors.items()
}


def error_class_for(code: int | None, endpoint: str | None = None) -> type[MeegleAPIError]:
    """The class an ``err_code`` maps to on ``endpoint`` (``MeegleAPIError`` if unknown)."""
    if code is None:
        return MeegleAPIError
    if endpoint is not None and (endpoint, code) in _ENDPOINT_CODES:
        return _ENDPOINT_CODES[(endpoint, code)][0]
    entry = _CODES.get(code)
    return entry[0] if entry else MeegleAPIError


def describe_error_code(code: int | None, endpoint: str | None = None) -> str | None:
    """The spec's description of ``code`` on ``endpoint``, or ``None`` when the specs are silent."""
    if code is None:
        return None
    if endpoint is not None and (endpoint, code) in _ENDPOINT_CODES:
        return _ENDPOINT_CODES[(endpoint, code)][1]
    entry = _CODES.get(code)
    return entry[1] if entry else None
