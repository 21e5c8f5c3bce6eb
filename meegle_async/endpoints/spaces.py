"""``client.spaces``: the spaces a plugin can see, their details and their work item types."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import MeegleValidationError
from ..helpers.chunking import gather_chunks, unique_ids
from ..helpers.lookups import LookupCache
from ..models.base import structure, structure_list
from ..models.enums import SpaceOrder
from ..models.space_config import WorkItemTypeInfo
from ..models.spaces import Space, WorkItemType
from ._base import EndpointGroup, Requester
from ._checks import bad_answer, require_flag, require_text, require_text_list, shown

__all__ = ["MAX_SPACES_PER_DETAIL_REQUEST", "SPACE_ORDERS", "Spaces"]

#: ``projects/detail`` takes at most this many keys per request; more are sent in several.
MAX_SPACES_PER_DETAIL_REQUEST = 100
#: The orders ``spaces.list`` accepts (by last visit, ascending or descending).
SPACE_ORDERS = ("last_visited", "+last_visited", "-last_visited")

_LIST = "list_project"
_DETAIL = "get_project_detail"
_TYPES = "query_work_item_types"


class Spaces(EndpointGroup):
    """Spaces (the API's projects): ``client.spaces.list()``, ``get_details``,
    ``get_work_item_types``.

    ``list`` and ``get_details`` send the client's ``user_key`` when the call gives none: the
    platform documents the field as required.
    """

    def __init__(
        self,
        request: Requester,
        *,
        user_key: str | None = None,
        lookups: LookupCache | None = None,
    ) -> None:
        super().__init__(request)
        self._user_key = user_key
        #: The look-up cache ``get_work_item_type(..., cached=True)`` reads.
        self.lookups = lookups if lookups is not None else LookupCache()

    def _acting_user(self, user_key: str | None) -> str | None:
        return self._user_key if user_key is None else require_text(user_key, "user_key")

    async def list(
        self, *, user_key: str | None = None, order: SpaceOrder | Iterable[SpaceOrder] | None = None
    ) -> list[str]:
        """The project keys of the spaces the user can see where the plugin is installed.

        POST /open_api/projects

        Args:
            user_key: whose spaces (default: the client's ``user_key``; left out when the client
                has none, as with a user token).
            order: ``["-last_visited"]`` (most recent first) or ``["last_visited"]``.

        Returns:
            Project keys (strings), nothing else: ``get_details`` gives names.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: the user was not found or sees no space (30006).

        Example::

            keys = await client.spaces.list(order=["-last_visited"])
        """
        body: dict[str, Any] = {}
        acting = self._acting_user(user_key)
        if acting is not None:
            body["user_key"] = acting
        if order is not None:
            body["order"] = require_text_list(order, "order", one_string_ok=True)
            for i, value in enumerate(body["order"]):
                if value not in SPACE_ORDERS:
                    raise MeegleValidationError(
                        f"order[{i}]: {shown(value)} is not one of {', '.join(SPACE_ORDERS)}"
                    )
        resp = await self._call(_LIST, json=body)
        data = resp.data if resp.data is not None else []
        if not isinstance(data, list) or not all(isinstance(k, str) for k in data):
            raise bad_answer(resp, "expected a list of project keys")
        return list(data)

    async def get_details(
        self,
        *,
        project_keys: Iterable[str] | None = None,
        simple_names: Iterable[str] | None = None,
        user_key: str | None = None,
    ) -> dict[str, Space]:
        """Name, simple name and administrators of spaces, by project key or simple name.

        POST /open_api/projects/detail

        Any number of spaces: they are sent 100 a request (the API's limit), the answers merged.

        Args:
            project_keys: spaces by project key.
            simple_names: spaces by simple name (the space's URL name).
            user_key: the user the query acts for (default: the client's ``user_key``);
                ``administrators`` is filled only for spaces this user administers.

        Returns:
            Project key -> ``Space`` (unknown keys are left out by the server).

        Raises:
            MeegleValidationError: no space named, or bad input; nothing was sent.

        Example::

            spaces = await client.spaces.get_details(project_keys=await client.spaces.list())
            names = {key: space.name for key, space in spaces.items()}
        """
        wanted: list[tuple[str, str]] = []
        if project_keys is not None:
            wanted += [
                ("project_keys", k)
                for k in require_text_list(project_keys, "project_keys", one_string_ok=True)
            ]
        if simple_names is not None:
            wanted += [
                ("simple_names", n)
                for n in require_text_list(simple_names, "simple_names", one_string_ok=True)
            ]
        if not wanted:
            raise MeegleValidationError(
                "name at least one space: pass project_keys (from spaces.list) or simple_names"
            )
        acting = self._acting_user(user_key)

        async def fetch(chunk: list[tuple[str, str]]) -> dict[str, Space]:
            body: dict[str, Any] = {}
            for kind, value in chunk:
                body.setdefault(kind, []).append(value)
            if acting is not None:
                body["user_key"] = acting
            resp = await self._call(_DETAIL, json=body)
            data = resp.data if resp.data is not None else {}
            if not isinstance(data, Mapping):
                raise bad_answer(resp, "expected an object of project key -> project")
            return {str(k): structure(v, Space) for k, v in data.items()}

        merged: dict[str, Space] = {}
        for part in await gather_chunks(
            unique_ids(wanted), fetch, size=MAX_SPACES_PER_DETAIL_REQUEST
        ):
            merged.update(part)
        return merged

    async def get_work_item_types(self, project_key: str) -> builtins.list[WorkItemType]:
        """The work item types of a space.

        GET /open_api/{project_key}/work_item/all-types

        Args:
            project_key: the space's project_key or simple_name.

        Returns:
            ``WorkItemType`` objects; ``type_key`` is what other calls take as
            ``work_item_type_key``.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleAuthenticationError: the ``X-User-Key`` user does not exist.

        Example::

            for t in await client.spaces.get_work_item_types("space"):
                print(t.type_key, t.name, "disabled" if t.is_disabled else "")
        """
        resp = await self._call(
            _TYPES, path_params={"project_key": require_text(project_key, "project_key")}
        )
        return structure_list(resp.data or [], WorkItemType)

    async def get_work_item_type(
        self, project_key: str, work_item_type_key: str, *, cached: bool = False
    ) -> WorkItemTypeInfo:
        """The settings of one work item type: flow mode, schedule fields, roles.

        GET /open_api/{project_key}/work_item/type/{work_item_type_key}

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the type.
            cached: reuse an answer younger than ``lookups.ttl`` (one fetch for concurrent
                callers; ``workflows.move_to`` reads the flow mode this way).

        Returns:
            A ``WorkItemTypeInfo`` (``flow_mode`` ``"workflow"`` or ``"stateflow"``).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such type (30014).

        Example::

            info = await client.spaces.get_work_item_type("space", "story")
            print(info.name, info.flow_mode)
        """
        return await work_item_type_info(
            self,
            self.lookups,
            project_key,
            work_item_type_key,
            cached=require_flag(cached, "cached"),
        )

    async def update_work_item_type(
        self,
        project_key: str,
        work_item_type_key: str,
        *,
        description: str | None = None,
        is_disabled: bool | None = None,
        is_pinned: bool | None = None,
        enable_schedule: bool | None = None,
        schedule_field_key: str | None = None,
        estimate_point_field_key: str | None = None,
        actual_work_time_field_key: str | None = None,
        belong_role_keys: Iterable[str] | None = None,
        actual_work_time_switch: bool | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Change the settings of a work item type (space administrators only).

        PUT /open_api/{project_key}/work_item/type/{work_item_type_key}

        Only the settings given are sent; at least one is needed. The type's cached settings
        (``lookups``) are forgotten.

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the type.
            description: the type's description.
            is_disabled, is_pinned: switch the type off, pin it.
            enable_schedule: overall scheduling on or off.
            schedule_field_key, estimate_point_field_key, actual_work_time_field_key: the fields
                that hold the schedule, the estimate and the actual work time.
            belong_role_keys: the roles the schedule and estimates belong to.
            actual_work_time_switch: actual work time managed through the OpenAPI.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: nothing to change, or bad input; nothing was sent.
            MeeglePermissionError: not a space administrator (10005).
            MeegleNotFoundError: no such type (30014).

        Example::

            await client.spaces.update_work_item_type("space", "story", description="Stories")
        """
        path = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
        }
        body: dict[str, Any] = {}
        if description is not None:
            if not isinstance(description, str):
                raise MeegleValidationError(
                    f"description must be a string, not {shown(description)}"
                )
            body["description"] = description
        for name, flag in (
            ("is_disabled", is_disabled),
            ("is_pinned", is_pinned),
            ("enable_schedule", enable_schedule),
            ("actual_work_time_switch", actual_work_time_switch),
        ):
            if flag is not None:
                if not isinstance(flag, bool):
                    raise MeegleValidationError(f"{name} must be True or False, not {shown(flag)}")
                body[name] = flag
        for name, text in (
            ("schedule_field_key", schedule_field_key),
            ("estimate_point_field_key", estimate_point_field_key),
            ("actual_work_time_field_key", actual_work_time_field_key),
        ):
            if text is not None:
                body[name] = require_text(text, name)
        if belong_role_keys is not None:
            body["belong_role_keys"] = require_text_list(belong_role_keys, "belong_role_keys")
        if not body:
            raise MeegleValidationError("update_work_item_type needs a setting to change")
        await self._call(
            "update_work_item_type_info",
            path_params=path,
            json=body,
            idempotency_key=idempotency_key,
        )
        self.lookups.invalidate(path["project_key"])


async def work_item_type_info(
    group: EndpointGroup,
    lookups: LookupCache,
    project_key: str,
    work_item_type_key: str,
    *,
    cached: bool = True,
) -> WorkItemTypeInfo:
    """``GET /open_api/{project_key}/work_item/type/{work_item_type_key}`` through ``group``,
    from ``lookups`` when ``cached`` (key ``("work_item_type", project_key, type)``)."""
    path = {
        "project_key": require_text(project_key, "project_key"),
        "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
    }

    async def load() -> WorkItemTypeInfo:
        resp = await group._call("get_work_item_type_info_by_key", path_params=path)
        if not isinstance(resp.data, Mapping):
            raise bad_answer(resp, "expected the work item type object")
        return structure(resp.data, WorkItemTypeInfo)

    if not cached:
        return await load()
    return await lookups.get(
        ("work_item_type", path["project_key"], path["work_item_type_key"]), load
    )
