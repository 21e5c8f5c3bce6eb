"""``client.workflows``: a work item's workflow, its nodes and its state transitions.

Node flow (stories, ...): nodes are completed (``complete_node``) or rolled back
(``rollback_node``) one at a time; ``update_node`` changes a node's owners, schedules and form
fields. State flow (bugs, versions, ...): the item moves along a connection of its workflow
(``change_state`` with the connection's ``transition_id``). ``move_to`` does either by name,
after asking the server what the move requires.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ..errors import MeegleRequirementsMissingError, MeegleValidationError
from ..helpers.lookups import LookupCache
from ..helpers.windows import check_ms
from ..models.base import structure
from ..models.common import FieldValuePair, RoleOwner, Schedule, input_json, input_json_list
from ..models.work_items import Expand
from ..models.workflows import RequiredInfo, Workflow
from ._base import EndpointGroup, Requester
from ._checks import (
    bad_answer,
    check_fields,
    item_path,
    require_id,
    require_literal,
    require_text,
    require_text_list,
    shown,
)
from .spaces import work_item_type_info

__all__ = ["FLOW_NODE", "FLOW_STATE", "Workflows"]

#: ``flow_type`` of a node-flow work item (stories, ...).
FLOW_NODE: Literal[0] = 0
#: ``flow_type`` of a state-flow work item (bugs, versions, ...).
FLOW_STATE: Literal[1] = 1

_GET = "get_work_flow"
_OPERATE = "update_node_state"
_STATE = "update_state_flow"
_NODE = "update_workflow_node"
_REQUIRED = "get_work_item_trans_required_item"
_ACTUAL = "actual_time_update"

FieldsInput = Sequence[FieldValuePair | Mapping[str, Any]]
RolesInput = Sequence[RoleOwner | Mapping[str, Any]]
ScheduleInput = Schedule | Mapping[str, Any]


def _schedule_json(value: Any, name: str) -> dict[str, Any]:
    body = input_json(value, Schedule, name=name)
    for key in ("estimate_start_date", "estimate_end_date"):
        if body.get(key) is not None:
            check_ms(body[key], f"{name}.{key}")
    return body


def _node_body(
    *,
    node_owners: Sequence[str] | None,
    node_schedule: ScheduleInput | None,
    schedules: Sequence[ScheduleInput] | None,
    fields: FieldsInput | None,
    role_assignee: RolesInput | None,
) -> dict[str, Any]:
    """The node changes ``complete_node`` and ``update_node`` share; omitted means unchanged
    (``node_owners=[]`` removes every owner)."""
    body: dict[str, Any] = {}
    if node_owners is not None:
        body["node_owners"] = require_text_list(node_owners, "node_owners")
    if node_schedule is not None:
        body["node_schedule"] = _schedule_json(node_schedule, "node_schedule")
    if schedules is not None:
        if isinstance(schedules, (str, bytes, Mapping)) or not isinstance(schedules, Sequence):
            raise MeegleValidationError("schedules must be a list of Schedule or dicts")
        body["schedules"] = [_schedule_json(s, f"schedules[{i}]") for i, s in enumerate(schedules)]
    if fields is not None:
        body["fields"] = input_json_list(fields, FieldValuePair, name="fields")
    if role_assignee is not None:
        body["role_assignee"] = input_json_list(role_assignee, RoleOwner, name="role_assignee")
    return body


def _given_keys(fields: FieldsInput | None) -> set[str]:
    keys: set[str] = set()
    for pair in input_json_list(fields, FieldValuePair, name="fields"):
        for name in ("field_key", "field_alias"):
            if isinstance(pair.get(name), str):
                keys.add(pair[name])
    return keys


class Workflows(EndpointGroup):
    """Workflows and nodes: ``client.workflows.get(...)``, ``complete_node``, ``rollback_node``,
    ``change_state``, ``update_node``, ``get_required_info``, ``update_actual_time``, ``move_to``.
    """

    def __init__(self, request: Requester, *, lookups: LookupCache | None = None) -> None:
        super().__init__(request)
        self.lookups = lookups if lookups is not None else LookupCache()

    async def get(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        flow_type: Literal[0, 1] | None = None,
        fields: Sequence[str] | None = None,
        expand: Expand | Mapping[str, Any] | None = None,
    ) -> Workflow:
        """A work item's workflow: nodes (or states), connections, schedules, subtasks.

        POST /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/workflow/query

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item's type.
            work_item_id: the work item.
            flow_type: 0 node flow (the server's default), 1 state flow (needed for
                state-flow types such as bugs and versions).
            fields: node form fields to return (``["f1"]``) or to leave out (``["-f1"]``).
            expand: ``{"need_user_detail": True}`` (the only switch this endpoint reads) adds
                ``user_details``.

        Returns:
            A ``Workflow``: ``workflow_nodes`` (node flow) or ``state_flow_nodes`` (state flow),
            ``connections`` (with ``transition_id`` in state flow), ``user_details``.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such work item (30005).
            MeegleInvalidParamsError: ``flow_type`` does not fit the item (20026, 20027).

        Example::

            flow = await client.workflows.get("space", "bug", 1001, flow_type=1)
            for c in flow.connections or []:
                print(c.source_state_key, "->", c.target_state_key, c.transition_id)
        """
        path = item_path(project_key, work_item_type_key, work_item_id)
        body: dict[str, Any] = {}
        if flow_type is not None:
            body["flow_type"] = require_literal(flow_type, "flow_type", (FLOW_NODE, FLOW_STATE))
        checked = check_fields(fields)
        if checked is not None:
            body["fields"] = checked
        if expand is not None:
            body["expand"] = input_json(expand, Expand, name="expand")
        resp = await self._call(_GET, path_params=path, json=body)
        if not isinstance(resp.data, Mapping):
            raise bad_answer(resp, "expected the workflow object")
        return structure(resp.data, Workflow)

    async def complete_node(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        node_id: str,
        *,
        node_owners: Sequence[str] | None = None,
        node_schedule: ScheduleInput | None = None,
        schedules: Sequence[ScheduleInput] | None = None,
        fields: FieldsInput | None = None,
        role_assignee: RolesInput | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Complete a node (``action: "confirm"``), optionally updating it in the same call.

        POST /open_api/{project_key}/workflow/{work_item_type_key}/{work_item_id}/node/{node_id}/operate

        Args:
            project_key, work_item_type_key, work_item_id: the work item (node flow).
            node_id: the node's state key (``FlowNode.state_key``).
            node_owners: the node's owners (user keys); ``[]`` removes them all.
            node_schedule: a ``Schedule`` (or dict) for the node (dates in 13-digit ms).
            schedules: per-owner schedules (differential scheduling; two owners or more).
            fields: node form field values (``FieldValuePair`` or dicts).
            role_assignee: ``RoleOwner``s for a node whose owners come from roles.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such work item (30005) or node (20018).
            MeegleInvalidParamsError: required node fields are empty (20038).
            MeegleStateConflictError: the node is not in progress, or the item is terminated
                (50006, 20007).

        Example::

            await client.workflows.complete_node("space", "story", 1001, "design")
        """  # noqa: E501 (the endpoint path is longer than a line)
        path = item_path(project_key, work_item_type_key, work_item_id)
        path["node_id"] = require_text(node_id, "node_id")
        body = {
            "action": "confirm",
            **_node_body(
                node_owners=node_owners,
                node_schedule=node_schedule,
                schedules=schedules,
                fields=fields,
                role_assignee=role_assignee,
            ),
        }
        await self._call(_OPERATE, path_params=path, json=body, idempotency_key=idempotency_key)

    async def rollback_node(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        node_id: str,
        *,
        rollback_reason: str,
        idempotency_key: str | None = None,
    ) -> None:
        """Roll a completed node back (``action: "rollback"``); it becomes the current node.

        POST /open_api/{project_key}/workflow/{work_item_type_key}/{work_item_id}/node/{node_id}/operate

        Args:
            project_key, work_item_type_key, work_item_id: the work item (node flow).
            node_id: the completed node to return to (its state key).
            rollback_reason: why (required by the server; shown in the item's history).
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: no ``rollback_reason``, or other bad input; nothing was sent.
            MeegleNotFoundError: no such work item (30005) or node (20018).
            MeegleStateConflictError: the node is not completed (50006).

        Example::

            await client.workflows.rollback_node(
                "space", "story", 1001, "design", rollback_reason="spec changed"
            )
        """  # noqa: E501 (the endpoint path is longer than a line)
        path = item_path(project_key, work_item_type_key, work_item_id)
        path["node_id"] = require_text(node_id, "node_id")
        body = {
            "action": "rollback",
            "rollback_reason": require_text(rollback_reason, "rollback_reason"),
        }
        await self._call(_OPERATE, path_params=path, json=body, idempotency_key=idempotency_key)

    async def change_state(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        transition_id: int,
        *,
        fields: FieldsInput | None = None,
        role_owners: RolesInput | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Move a state-flow work item along a transition.

        POST /open_api/{project_key}/workflow/{work_item_type_key}/{work_item_id}/node/state_change

        Args:
            project_key, work_item_type_key, work_item_id: the work item (state flow).
            transition_id: the ``transition_id`` of a connection leaving the current state
                (``workflows.get(..., flow_type=1).connections``); never 0.
            fields: status form field values to set with the move.
            role_owners: ``RoleOwner``s to set with the move.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleStateConflictError: the transition does not leave the current state (10002).
            MeegleInvalidParamsError: a required status form field is empty (20038).
            MeegleNotFoundError: no such work item (30005), field (30009) or state (30012).

        Example::

            flow = await client.workflows.get("space", "bug", 1001, flow_type=1)
            (step,) = [c for c in flow.transitions_from("open") if c.target_state_key == "fixing"]
            await client.workflows.change_state("space", "bug", 1001, step.transition_id)
        """
        path = item_path(project_key, work_item_type_key, work_item_id)
        body: dict[str, Any] = {"transition_id": require_id(transition_id, name="transition_id")}
        if fields is not None:
            body["fields"] = input_json_list(fields, FieldValuePair, name="fields")
        if role_owners is not None:
            body["role_owners"] = input_json_list(role_owners, RoleOwner, name="role_owners")
        await self._call(_STATE, path_params=path, json=body, idempotency_key=idempotency_key)

    async def update_node(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        node_id: str,
        *,
        node_owners: Sequence[str] | None = None,
        node_schedule: ScheduleInput | None = None,
        schedules: Sequence[ScheduleInput] | None = None,
        fields: FieldsInput | None = None,
        role_assignee: RolesInput | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Update a node's owners, schedule(s), form fields or role assignees.

        PUT /open_api/{project_key}/workflow/{work_item_type_key}/{work_item_id}/node/{node_id}

        Arguments as ``complete_node`` (at least one change). Omitted means unchanged;
        ``node_owners=[]`` removes every owner.

        Raises:
            MeegleValidationError: nothing to change, or bad input; nothing was sent.
            MeegleNotFoundError: no such work item (30005) or node (20018).
            MeegleStateConflictError: the item is terminated (20007).

        Example::

            await client.workflows.update_node(
                "space", "story", 1001, "develop",
                node_owners=["user_key"],
                node_schedule={"estimate_start_date": 1767225600000, "points": 3},
            )
        """
        path = item_path(project_key, work_item_type_key, work_item_id)
        path["node_id"] = require_text(node_id, "node_id")
        body = _node_body(
            node_owners=node_owners,
            node_schedule=node_schedule,
            schedules=schedules,
            fields=fields,
            role_assignee=role_assignee,
        )
        if not body:
            raise MeegleValidationError(
                "update_node needs something to change: node_owners, node_schedule, schedules, "
                "fields or role_assignee"
            )
        await self._call(_NODE, path_params=path, json=body, idempotency_key=idempotency_key)

    async def get_required_info(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        state_key: str,
        *,
        mode: Literal["unfinished"] | None = None,
    ) -> RequiredInfo:
        """What completing a node, or moving to a state, requires (and what is still missing).

        POST /open_api/work_item/transition_required_info/get (the identifiers go in the body)

        Args:
            project_key, work_item_type_key, work_item_id: the work item.
            state_key: node flow: the node to complete; state flow: the target state.
            mode: ``"unfinished"`` returns only what is not done yet; by default, everything.

        Returns:
            A ``RequiredInfo``: ``form_items``, ``node_fields``, ``tasks``, ``deliverables``,
            each with ``finished``; ``missing()`` lists what is not finished.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such work item (30005) or node/state (50006).

        Example::

            info = await client.workflows.get_required_info("space", "story", 1001, "develop")
            print(info.missing())  # ['field field_5a1c20']
        """
        ids = item_path(project_key, work_item_type_key, work_item_id)
        body: dict[str, Any] = {**ids, "state_key": require_text(state_key, "state_key")}
        if mode is not None:
            body["mode"] = require_literal(mode, "mode", ("unfinished",))
        resp = await self._call(_REQUIRED, json=body)
        data = resp.data if resp.data is not None else {}
        if not isinstance(data, Mapping):
            raise bad_answer(resp, "expected the required-information object")
        return structure(data, RequiredInfo)

    async def update_actual_time(
        self,
        project_key: str,
        work_item_id: int | str,
        node_id: str,
        *,
        actual_start_time: int | None = None,
        actual_finish_time: int | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Set a node's actual start and/or finish time (limited to 10 calls a second).

        POST /open_api/work_item/actual_time/update (the identifiers go in the body; the API
        takes no work item type)

        Args:
            project_key: space project key or simple name.
            work_item_id: the work item.
            node_id: the node's state key.
            actual_start_time: 13-digit milliseconds.
            actual_finish_time: 13-digit milliseconds, not before the start.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: neither time, a time not in milliseconds, or a finish before
                the start; nothing was sent.
            MeegleNotFoundError: no such work item (30005) or node (20018).

        Example::

            await client.workflows.update_actual_time(
                "space", 1001, "develop", actual_start_time=1767225600000
            )
        """
        info: dict[str, int] = {}
        if actual_start_time is not None:
            info["actual_start_time"] = check_ms(actual_start_time, "actual_start_time")
        if actual_finish_time is not None:
            info["actual_finish_time"] = check_ms(actual_finish_time, "actual_finish_time")
        if not info:
            raise MeegleValidationError("give actual_start_time, actual_finish_time or both")
        if info.get("actual_finish_time", 1 << 62) < info.get("actual_start_time", 0):
            raise MeegleValidationError("actual_finish_time is before actual_start_time")
        body = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_id": require_id(work_item_id),
            "node_id": require_text(node_id, "node_id"),
            "actual_time_info": info,
        }
        await self._call(_ACTUAL, json=body, idempotency_key=idempotency_key)

    # -- move_to: by name, after asking what the move requires ---------------------------------

    async def _is_state_flow(self, project_key: str, work_item_type_key: str) -> bool:
        info = await work_item_type_info(self, self.lookups, project_key, work_item_type_key)
        return info.flow_mode == "stateflow"

    async def _check_requirements(
        self, path: Mapping[str, Any], state_key: str, given: set[str]
    ) -> None:
        info = await self.get_required_info(
            path["project_key"],
            path["work_item_type_key"],
            path["work_item_id"],
            state_key,
            mode="unfinished",
        )
        missing = info.missing(given)
        if missing:
            raise MeegleRequirementsMissingError(
                f"moving work item {path['work_item_id']} through {shown(state_key)} needs "
                f"{', '.join(missing)}: fill them (fields=...) or finish them first",
                missing=missing,
                state_key=state_key,
            )

    async def move_to(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        target: str,
        *,
        fields: FieldsInput | None = None,
        role_owners: RolesInput | None = None,
        rollback_reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> Workflow:
        """Move a work item to a node or state named by key or name; return its workflow after.

        Reads the type's flow mode (``spaces.get_work_item_type``, cached in ``lookups``) and the
        item's workflow, then:

        * **state flow**: finds the connection from the current state to ``target``, asks
          ``get_required_info`` what the target needs, and calls ``change_state``;
        * **node flow**: finds the nodes between the current node and ``target``, asks what
          completing each needs, then completes them in order (``complete_node``) until
          ``target`` is the current node. A ``target`` already completed is rolled back to
          when ``rollback_reason`` is given.

        Nothing is written when a requirement is missing: ``MeegleRequirementsMissingError``
        lists it (``missing``). Required fields given in ``fields`` count as filled.

        Args:
            project_key, work_item_type_key, work_item_id: the work item.
            target: a node or state, by state key or display name.
            fields: field values sent with the move (with each node completion in node flow).
            role_owners: ``RoleOwner``s sent with the move (``role_assignee`` in node flow).
            rollback_reason: allows moving back to a completed node (node flow).
            idempotency_key: base of the ``X-Idem-UUID`` of each write (``key-0``, ``key-1``...).

        Returns:
            The item's ``Workflow`` after the move (unchanged if it was already there).

        Raises:
            MeegleValidationError: no such node or state, no connection to it from the current
                state, or a completed node without ``rollback_reason``; nothing was written.
            MeegleRequirementsMissingError: the move needs something not done yet.

        Example::

            flow = await client.workflows.move_to("space", "story", 1001, "Development")
            print([n.name for n in flow.current_nodes])
        """
        path = item_path(project_key, work_item_type_key, work_item_id)
        target = require_text(target, "target")
        given = _given_keys(fields)
        if rollback_reason is not None:
            require_text(rollback_reason, "rollback_reason")
        if await self._is_state_flow(path["project_key"], path["work_item_type_key"]):
            return await self._move_state(path, target, fields, role_owners, given, idempotency_key)
        return await self._move_node(
            path, target, fields, role_owners, given, rollback_reason, idempotency_key
        )

    async def _move_state(
        self,
        path: dict[str, Any],
        target: str,
        fields: FieldsInput | None,
        role_owners: RolesInput | None,
        given: set[str],
        idempotency_key: str | None,
    ) -> Workflow:
        ids = (path["project_key"], path["work_item_type_key"], path["work_item_id"])
        flow = await self.get(*ids, flow_type=FLOW_STATE)
        state = flow.state(target)
        if state is None or state.id is None:
            names = [f"{s.id} ({s.name})" for s in flow.state_flow_nodes or []]
            raise MeegleValidationError(
                f"no state {shown(target)} in this workflow; states: {names}"
            )
        current = {s.id for s in flow.state_flow_nodes or [] if s.status == 2}
        if state.id in current:
            return flow
        steps = [
            c
            for c in flow.connections or []
            if c.source_state_key in current and c.target_state_key == state.id
        ]
        if not steps or steps[0].transition_id is None:
            reachable = sorted(
                str(c.target_state_key)
                for c in flow.connections or []
                if c.source_state_key in current
            )
            raise MeegleValidationError(
                f"no transition from {sorted(str(c) for c in current)} to {shown(state.id)}; "
                f"reachable from here: {reachable}"
            )
        await self._check_requirements(path, state.id, given)
        await self.change_state(
            *ids,
            steps[0].transition_id,
            fields=fields,
            role_owners=role_owners,
            idempotency_key=None if idempotency_key is None else f"{idempotency_key}-0",
        )
        return await self.get(*ids, flow_type=FLOW_STATE)

    async def _move_node(
        self,
        path: dict[str, Any],
        target: str,
        fields: FieldsInput | None,
        role_owners: RolesInput | None,
        given: set[str],
        rollback_reason: str | None,
        idempotency_key: str | None,
    ) -> Workflow:
        ids = (path["project_key"], path["work_item_type_key"], path["work_item_id"])
        flow = await self.get(*ids, flow_type=FLOW_NODE)
        node = flow.node(target)
        if node is None or node.state_key is None:
            names = [f"{n.state_key} ({n.name})" for n in flow.workflow_nodes or []]
            raise MeegleValidationError(f"no node {shown(target)} in this workflow; nodes: {names}")
        if node.is_current:
            return flow
        if node.is_done:
            if rollback_reason is None:
                raise MeegleValidationError(
                    f"node {shown(node.state_key)} is completed: pass rollback_reason= to roll back"
                )
            await self.rollback_node(
                *ids,
                node.state_key,
                rollback_reason=rollback_reason,
                idempotency_key=None if idempotency_key is None else f"{idempotency_key}-0",
            )
            return await self.get(*ids, flow_type=FLOW_NODE)
        route = _route(flow, node.state_key)
        if route is None:
            current = [n.state_key for n in flow.current_nodes]
            raise MeegleValidationError(
                f"node {shown(node.state_key)} cannot be reached from the current nodes {current}"
            )
        for step in route:
            await self._check_requirements(path, step, given)
        for i, step in enumerate(route):
            await self.complete_node(
                *ids,
                step,
                fields=fields,
                role_assignee=role_owners,
                idempotency_key=None if idempotency_key is None else f"{idempotency_key}-{i}",
            )
        return await self.get(*ids, flow_type=FLOW_NODE)


def _route(flow: Workflow, target: str) -> list[str] | None:
    """The nodes to complete, in order, from a current node until ``target`` is reached
    (breadth first over the connections); ``None`` when ``target`` is not reachable."""
    nexts: dict[str, list[str]] = {}
    for c in flow.connections or []:
        if c.source_state_key and c.target_state_key:
            nexts.setdefault(c.source_state_key, []).append(c.target_state_key)
    done = {n.state_key for n in flow.workflow_nodes or [] if n.is_done}
    queue: list[tuple[str, list[str]]] = [
        (n.state_key, []) for n in flow.current_nodes if n.state_key
    ]
    seen = {key for key, _ in queue}
    while queue:
        key, before = queue.pop(0)
        if key == target:
            return before
        for nxt in nexts.get(key, []):
            if nxt not in seen and nxt not in done:
                seen.add(nxt)
                queue.append((nxt, [*before, key]))
    return None
