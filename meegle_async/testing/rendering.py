"""How the fake renders its state as the API's JSON: work items, nodes, subtasks, resources,
fields (a mixin of ``Store``).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from .entities import (
    WORKFLOW,
    FieldConf,
    NodeState,
    Space,
    SubTask,
    TypeConf,
    WorkItem,
)
from .rules import JSON


class StoreViews:
    """The rendering half of ``Store``: what each answer shows of an entity."""

    users: dict[str, JSON]
    spaces: dict[str, Space]
    subtasks: dict[int, SubTask]

    def user_detail(self, user_key: str) -> JSON:
        """The UserDetail of a user key (unknown users get a placeholder)."""
        user = self.users.get(user_key)
        if user is not None:
            return user
        return {
            "user_key": user_key,
            "username": user_key,
            "email": "",
            "name_cn": "",
            "name_en": "",
        }

    def field_pair(self, conf: FieldConf, value: Any, *, group_uuid: bool = False) -> JSON:
        """One entry of a work item's ``fields`` list."""
        if conf.type_key == "compound_field":
            groups = []
            for group in value:
                pairs = []
                for sub in conf.compound:
                    if sub.key in group["values"]:
                        pair = self.field_pair(sub, group["values"][sub.key])
                        if group_uuid:
                            pair["group_uuid"] = group["group_uuid"]
                        pairs.append(pair)
                groups.append(pairs)
            value = groups
        return {
            "field_key": conf.key,
            "field_value": value,
            "field_type_key": conf.type_key,
            "field_alias": conf.alias,
        }

    def work_item_view(
        self,
        item: WorkItem,
        selection: tuple[bool, set[str]] | None = None,
        expand: Mapping[str, Any] | None = None,
    ) -> JSON:
        """A work item as ``get_work_item_details`` answers it."""
        space = self.spaces[item.project_key]
        conf = space.types[item.type_key]
        expand = expand or {}
        group_uuid = bool(expand.get("need_group_uuid_for_compound"))
        fields = []
        for key, value in item.values.items():
            if value is None or key == "name":
                continue
            if selection is not None:
                exclude, keys = selection
                if (key in keys) == exclude:
                    continue
            fconf = conf.fields.get(key)
            if fconf is not None:
                fields.append(self.field_pair(fconf, value, group_uuid=group_uuid))
        current = [n for n in item.nodes if n.status == 2]
        view: JSON = {
            "id": item.id,
            "name": item.name,
            "work_item_type_key": item.type_key,
            "project_key": item.project_key,
            "simple_name": space.simple_name,
            "template_type": item.type_key,
            "template_id": item.template_id,
            "pattern": "Node" if conf.flow_mode == WORKFLOW else "State",
            "sub_stage": "aborted" if item.aborted else item.state_key,
            "current_nodes": [
                {"id": n.state_key, "name": n.name, "owners": n.owners, "milestone": False}
                for n in current
            ],
            "created_by": item.created_by,
            "updated_by": item.updated_by,
            "created_at": item.created_at,
            "updated_at": item.updated_at,
            "deleted_by": "",
            "deleted_at": 0,
            "fields": fields,
            "work_item_status": {
                "state_key": item.state_key,
                "is_archived_state": item.state_key in ("done", "closed", "published"),
                "is_init_state": bool(conf.nodes) and item.state_key == conf.nodes[0]["state_key"],
                "updated_at": item.updated_at,
                "updated_by": item.updated_by,
                "history": item.status_history,
            },
            "state_times": item.state_times,
        }
        if expand.get("need_workflow") and conf.flow_mode == WORKFLOW:
            view["workflow_infos"] = {
                "workflow_nodes": [self._node_view(item, n) for n in item.nodes],
                "connections": [
                    {"source_state_key": a.state_key, "target_state_key": b.state_key}
                    for a, b in itertools.pairwise(item.nodes)
                ],
                "state_flow_nodes": [],
                "user_details": [],
            }
        if expand.get("need_multi_text"):
            view["multi_texts"] = [
                {
                    "field_key": key,
                    "field_value": {"doc": "", "doc_text": value, "is_empty": not value},
                }
                for key, value in item.values.items()
                if key in conf.fields and conf.fields[key].type_key == "multi_text"
            ]
        if expand.get("need_user_detail"):
            keys = {item.created_by, item.updated_by}
            for key, value in item.values.items():
                fconf = conf.fields.get(key)
                if fconf is not None and fconf.type_key in ("user", "multi_user"):
                    keys.update([value] if isinstance(value, str) else value)
            view["user_details"] = [self.user_detail(k) for k in sorted(keys)]
        return view

    def _node_view(self, item: WorkItem, node: NodeState) -> JSON:
        return {
            "id": node.state_key,
            "state_key": node.state_key,
            "name": node.name,
            "status": node.status,
            "owners": node.owners,
            "fields": [],
            "actual_begin_time": str(node.begin) if node.begin else "",
            "actual_finish_time": str(node.finish) if node.finish else "",
            "sub_tasks": [self.subtask_view(self.subtasks[t]) for t in node.task_ids],
        }

    def subtask_view(self, task: SubTask) -> JSON:
        """A subtask as task details and subtask search answer it (id as a string)."""
        owners = task.assignee or [o for r in task.role_assignee for o in r.get("owners", [])]
        return {
            "id": str(task.id),
            "name": task.name,
            "schedules": task.schedules,
            "order": task.order,
            "details": "",
            "passed": task.passed,
            "owners": owners,
            "note": task.note,
            "actual_begin_time": str(task.begin) if task.begin else "",
            "actual_finish_time": str(task.finish) if task.finish else "",
            "assignee": task.assignee,
            "role_assignee": task.role_assignee,
            "deliverable": task.deliverable,
            "owner_roles": task.owner_roles,
            "owner_usage_mode": task.owner_usage_mode,
            "fields": task.fields,
        }

    def node_tasks_view(self, item: WorkItem, conf: TypeConf, node: NodeState) -> JSON:
        """One entry of ``get_task_details``: a node with its subtasks."""
        return {
            "id": node.state_key,
            "state_key": node.state_key,
            "node_name": node.name,
            "template_id": item.template_id,
            "version": 1,
            "sub_tasks": [self.subtask_view(self.subtasks[t]) for t in node.task_ids],
        }

    def resource_view(self, item: WorkItem, selection: tuple[bool, set[str]] | None) -> JSON:
        """A resource instance as ``get_work_item_resource_instance_detail`` answers it."""
        view = self.work_item_view(item, selection)
        keep = [
            "id",
            "name",
            "work_item_type_key",
            "project_key",
            "template_type",
            "created_by",
            "updated_by",
            "created_at",
            "updated_at",
            "fields",
            "simple_name",
            "template_id",
        ]
        return {k: view[k] for k in keep}

    def field_conf_view(self, conf: FieldConf, type_conf: TypeConf) -> JSON:
        """A FieldConf entry of the creation metadata."""
        view: JSON = {
            "field_key": conf.key,
            "field_alias": conf.alias,
            "field_name": conf.name,
            "field_type_key": conf.type_key,
            "is_required": 1 if conf.required else 2,
            "is_visibility": 1,
            "is_validity": 1,
            "label": conf.name,
            "field_uuid": conf.uuid or conf.key,
            "free_add": conf.free_add == 1,
            "field_tips": conf.help,
        }
        if conf.default is not None:
            view["default_value"] = {"default_appear": 1, "value": conf.default}
        if conf.options:
            view["options"] = [_option_conf(o) for o in conf.options]
        if conf.compound:
            view["compound_fields"] = [self.field_conf_view(c, type_conf) for c in conf.compound]
        if conf.type_key == "role_owners":
            view["role_assign"] = [
                {
                    "role": r["id"],
                    "name": r["name"],
                    "default_appear": 1,
                    "deletable": 2,
                    "member_assign": 1,
                    "members": r.get("members", []),
                }
                for r in type_conf.roles
            ]
        return view

    def simple_field_view(self, conf: FieldConf, scopes: list[str]) -> JSON:
        """A SimpleField entry of ``get_field_information``."""
        view: JSON = {
            "field_key": conf.key,
            "field_type_key": conf.type_key,
            "field_alias": conf.alias,
            "field_name": conf.name,
            "is_custom_field": conf.custom,
            "is_obsoleted": False,
            "work_item_scopes": scopes,
            "value_generate_mode": "Calculate" if conf.readonly else "Default",
            "relation_id": "",
        }
        if conf.options:
            view["options"] = [
                _simple_option(o, i, scopes[0] if scopes else "")
                for i, o in enumerate(conf.options)
            ]
        if conf.compound:
            view["compound_fields"] = [self.simple_field_view(c, scopes) for c in conf.compound]
        return view

    # ------------------------------------------------------------- op records


def _option_conf(option: JSON) -> JSON:
    out: JSON = {
        "label": option["label"],
        "value": option["value"],
        "is_disabled": 2,
        "is_visibility": 1,
    }
    if option.get("children"):
        out["children"] = [_option_conf(c) for c in option["children"]]
    return out


def _simple_option(option: JSON, order: int, type_key: str) -> JSON:
    out: JSON = {
        "label": option["label"],
        "value": option["value"],
        "order": order,
        "color": option.get("color", ""),
        "is_visibility": 1,
        "is_disabled": 2,
        "work_item_type_key": type_key,
    }
    if option.get("children"):
        out["children"] = [_simple_option(c, i, type_key) for i, c in enumerate(option["children"])]
    return out
