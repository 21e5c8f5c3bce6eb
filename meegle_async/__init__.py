"""meegle_async: the asyncio client for the Meegle (Feishu Project) OpenAPI.

Example::

    from meegle_async import MeegleClient

    async with MeegleClient(plugin_id="...", plugin_secret="...", user_key="...") as client:
        data = await client.request(
            "list_work_item_types", "GET", "/open_api/{project_key}/work_item/all-types",
            path_params={"project_key": "space"},
        )

Layers, bottom to top: ``transport`` (session, auth, limits, retries, envelope, errors),
``models`` (attrs classes and one cattrs converter), ``helpers`` (chunking, pagination, polling),
``endpoints`` (one group per API area), ``client``. ``testing`` holds the fake server.
"""

from ._version import __version__
from .client import MeegleClient, SharedState
from .errors import (
    MeegleAPIError,
    MeegleAuthenticationError,
    MeegleBackendError,
    MeegleBatchUpdateError,
    MeegleConnectionError,
    MeegleError,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeeglePaginationError,
    MeeglePermissionError,
    MeegleRateLimitError,
    MeegleServerError,
    MeegleStateConflictError,
    MeegleTimeoutError,
    MeegleTooManyResultsError,
    MeegleValidationError,
)
from .helpers.polling import PollSchedule
from .models import (
    BatchUpdateProgress,
    BatchUpdateResult,
    ChangeLogPage,
    CreateFromResourceResult,
    DataSource,
    Expand,
    FieldConfig,
    FieldOption,
    FieldValuePair,
    NodeTask,
    OpRecord,
    OptionAction,
    OptionUpdate,
    ResourceInstance,
    ResourceSearchItem,
    ResourceSearchPage,
    SearchGroup,
    SearchParam,
    SimpleField,
    SubTask,
    TaskSearchItem,
    TaskSearchPage,
    TeamOption,
    WorkItem,
    to_dict,
)
from .transport import (
    ClientStats,
    EndpointStats,
    LimiterBackend,
    RawResponse,
    RequestEvent,
    RetryPolicy,
    TokenStore,
)

__all__ = [
    "BatchUpdateProgress",
    "BatchUpdateResult",
    "ChangeLogPage",
    "ClientStats",
    "CreateFromResourceResult",
    "DataSource",
    "EndpointStats",
    "Expand",
    "FieldConfig",
    "FieldOption",
    "FieldValuePair",
    "LimiterBackend",
    "MeegleAPIError",
    "MeegleAuthenticationError",
    "MeegleBackendError",
    "MeegleBatchUpdateError",
    "MeegleClient",
    "MeegleConnectionError",
    "MeegleError",
    "MeegleInvalidParamsError",
    "MeegleNotFoundError",
    "MeeglePaginationError",
    "MeeglePermissionError",
    "MeegleRateLimitError",
    "MeegleServerError",
    "MeegleStateConflictError",
    "MeegleTimeoutError",
    "MeegleTooManyResultsError",
    "MeegleValidationError",
    "NodeTask",
    "OpRecord",
    "OptionAction",
    "OptionUpdate",
    "PollSchedule",
    "RawResponse",
    "RequestEvent",
    "ResourceInstance",
    "ResourceSearchItem",
    "ResourceSearchPage",
    "RetryPolicy",
    "SearchGroup",
    "SearchParam",
    "SharedState",
    "SimpleField",
    "SubTask",
    "TaskSearchItem",
    "TaskSearchPage",
    "TeamOption",
    "TokenStore",
    "WorkItem",
    "__version__",
    "to_dict",
]
