"""Deterministic seed data for the fake Meegle server.

:func:`configure` creates the users, the two spaces and their work item types (``story``
and ``bug`` in workflow mode, the resource-library-enabled ``component`` in state mode,
and a disabled ``legacy``); :func:`seed_data` adds work items with realistic field values,
workflow nodes with subtasks spread over time, change-log records and resource instances.
Everything depends only on the seed: two stores seeded alike are equal.
"""

from __future__ import annotations

import random
from typing import Any

from .rules import JSON
from .store import (
    STATEFLOW,
    WORKFLOW,
    Actor,
    FieldConf,
    NodeState,
    Space,
    Store,
    SubTask,
    TypeConf,
    WorkItem,
    record_content,
)

DEFAULT_USER_KEY = "7000000000000000001"
DEFAULT_PROJECT_KEY = "space_demo"
DEFAULT_SIMPLE_NAME = "demo"
SECOND_PROJECT_KEY = "space_ops"
SECOND_SIMPLE_NAME = "ops"
#: Seeded times end here (2026-01-01T00:00:00Z) so that the data does not depend on "now".
SEED_END_MS = 1_767_225_600_000
DAY_MS = 24 * 3600 * 1000

_FIRST = ["Ada", "Bo", "Chen", "Dana", "Eli", "Fei", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lin"]
_LAST = ["Wang", "Smith", "Li", "Garcia", "Zhang", "Mori"]
_WORDS = [
    "login",
    "export",
    "search",
    "cache",
    "billing",
    "sync",
    "report",
    "upload",
    "invoice",
    "profile",
    "webhook",
    "dashboard",
    "filter",
    "import",
    "audit",
    "quota",
    "retry",
    "timeout",
    "session",
    "permission",
]
_VERBS = ["Fix", "Add", "Improve", "Refactor", "Support", "Speed up", "Document", "Remove"]


def _opt(label: str, value: str, children: list[JSON] | None = None) -> JSON:
    option: JSON = {"label": label, "value": value}
    if children:
        option["children"] = children
    return option


PRIORITY_OPTIONS = [_opt("P0", "0"), _opt("P1", "1"), _opt("P2", "2"), _opt("P3", "99")]
TAG_OPTIONS = [
    _opt("Frontend", "k3x9a1"),
    _opt("Backend", "k3x9a2"),
    _opt("Infra", "k3x9a3"),
    _opt("UX", "k3x9a4"),
    _opt("Security", "k3x9a5"),
]
PLATFORM_OPTIONS = [
    _opt("iOS", "pl_ios", [_opt("iPhone", "pl_ios_phone"), _opt("iPad", "pl_ios_pad")]),
    _opt("Android", "pl_and", [_opt("Phone", "pl_and_phone"), _opt("Tablet", "pl_and_tab")]),
    _opt("Web", "pl_web", [_opt("Desktop", "pl_web_desk"), _opt("Mobile web", "pl_web_mob")]),
]
SEVERITY_OPTIONS = [
    _opt("Blocker", "sev_1"),
    _opt("Critical", "sev_2"),
    _opt("Major", "sev_3"),
    _opt("Minor", "sev_4"),
]
RESULT_OPTIONS = [_opt("Pass", "res_pass"), _opt("Fail", "res_fail"), _opt("Blocked", "res_blk")]


def _system_fields(*, priority_required: bool, resource: bool = False) -> list[FieldConf]:
    return [
        FieldConf("name", "Name", "text", alias="name", required=True, resource=resource),
        FieldConf("description", "Description", "multi_text", alias="description", resource=True),
        FieldConf("owner", "Owner", "user", alias="owner"),
        FieldConf(
            "priority",
            "Priority",
            "select",
            alias="priority",
            required=priority_required,
            options=PRIORITY_OPTIONS,
            resource=True,
        ),
        FieldConf("role_owners", "Role owners", "role_owners", alias="role_owners"),
        FieldConf("watchers", "Watchers", "multi_user", alias="watchers"),
        FieldConf("template", "Template", "template", alias="template", readonly=True),
        FieldConf("work_item_status", "Status", "work_item_status", alias="status", readonly=True),
    ]


def _tags() -> FieldConf:
    return FieldConf(
        "field_6b2d31", "Tags", "multi_select", alias="tags", custom=True, options=TAG_OPTIONS
    )


def _attachments() -> FieldConf:
    return FieldConf("field_a77f01", "Attachments", "multi_file", alias="attachments", custom=True)


def _story_type() -> TypeConf:
    fields = [
        *_system_fields(priority_required=False),
        FieldConf("field_5a1c20", "Story points", "number", alias="story_points", custom=True),
        _tags(),
        FieldConf(
            "field_7c3e42",
            "Platform",
            "tree_select",
            alias="platform",
            custom=True,
            options=PLATFORM_OPTIONS,
        ),
        FieldConf("field_8d4f53", "Reviewers", "multi_user", alias="reviewers", custom=True),
        FieldConf("field_9e5064", "Due date", "date", alias="due_date", custom=True),
        FieldConf(
            "field_af6175",
            "Test cases",
            "compound_field",
            alias="test_cases",
            custom=True,
            compound=[
                FieldConf("field_tc_name", "Case name", "text", alias="case_name", custom=True),
                FieldConf(
                    "field_tc_result",
                    "Result",
                    "select",
                    alias="case_result",
                    custom=True,
                    options=RESULT_OPTIONS,
                ),
                FieldConf("field_tc_owner", "Case owner", "user", alias="case_owner", custom=True),
            ],
        ),
        FieldConf("field_b07286", "Design link", "link", alias="design_link", custom=True),
        FieldConf("field_c18397", "Blocked", "bool", alias="blocked", custom=True),
        _attachments(),
    ]
    return TypeConf(
        "story",
        "Story",
        flow_mode=WORKFLOW,
        fields={f.key: f for f in fields},
        roles=[
            {"id": "pm", "name": "PM", "members": []},
            {"id": "rd", "name": "RD", "members": []},
            {"id": "qa", "name": "QA", "members": []},
        ],
        nodes=[
            {"state_key": "started", "name": "Start", "owner_usage_mode": 1},
            {"state_key": "design", "name": "Design", "owner_usage_mode": 1},
            {"state_key": "develop", "name": "Development", "owner_usage_mode": 1},
            {"state_key": "testing", "name": "Testing", "owner_usage_mode": 2, "roles": ["qa"]},
            {"state_key": "done", "name": "Done", "owner_usage_mode": 1},
        ],
        templates=[{"id": 400001, "name": "Default story process"}],
    )


def _bug_type() -> TypeConf:
    fields = [
        *_system_fields(priority_required=True),
        FieldConf(
            "field_d294a8",
            "Severity",
            "select",
            alias="severity",
            custom=True,
            options=SEVERITY_OPTIONS,
        ),
        FieldConf("field_e3a5b9", "Found in version", "text", alias="found_in", custom=True),
        FieldConf(
            "field_f4b6ca",
            "Affected platforms",
            "tree_multi_select",
            alias="affected_platforms",
            custom=True,
            options=PLATFORM_OPTIONS,
        ),
        _tags(),
        _attachments(),
    ]
    return TypeConf(
        "bug",
        "Bug",
        flow_mode=WORKFLOW,
        fields={f.key: f for f in fields},
        roles=[
            {"id": "reporter", "name": "Reporter", "members": []},
            {"id": "rd", "name": "RD", "members": []},
            {"id": "qa", "name": "QA", "members": []},
        ],
        nodes=[
            {"state_key": "open", "name": "Open", "owner_usage_mode": 1},
            {"state_key": "fixing", "name": "Fixing", "owner_usage_mode": 1},
            {"state_key": "verifying", "name": "Verifying", "owner_usage_mode": 2, "roles": ["qa"]},
            {"state_key": "closed", "name": "Closed", "owner_usage_mode": 1},
        ],
        templates=[{"id": 400002, "name": "Default bug process"}],
    )


def _component_type() -> TypeConf:
    fields = [
        *_system_fields(priority_required=False, resource=True),
        FieldConf(
            "field_0a1b2c", "Version", "text", alias="component_version", custom=True, resource=True
        ),
        _tags(),
    ]
    fields[-1].resource = True
    return TypeConf(
        "component",
        "Component",
        flow_mode=STATEFLOW,
        resource_enabled=True,
        fields={f.key: f for f in fields},
        roles=[{"id": "maintainer", "name": "Maintainer", "members": []}],
        nodes=[],
        templates=[{"id": 400003, "name": "Component lifecycle"}],
    )


def _legacy_type() -> TypeConf:
    fields = _system_fields(priority_required=False)
    return TypeConf("legacy", "Legacy task", disabled=True, fields={f.key: f for f in fields})


def configure(store: Store) -> None:
    """Create users, spaces and work item type configurations (no work items)."""
    store.users[DEFAULT_USER_KEY] = {
        "user_key": DEFAULT_USER_KEY,
        "username": "demo.user",
        "email": "demo.user@example.com",
        "name_cn": "演示用户",
        "name_en": "Demo User",
    }
    for i in range(2, 25):
        first, last = _FIRST[i % len(_FIRST)], _LAST[i % len(_LAST)]
        key = f"70000000000000000{i:02d}"
        store.users[key] = {
            "user_key": key,
            "username": f"{first.lower()}.{last.lower()}{i}",
            "email": f"{first.lower()}.{last.lower()}{i}@example.com",
            "name_cn": f"{last}{first}",
            "name_en": f"{first} {last}",
        }
    for project_key, simple_name, name in (
        (DEFAULT_PROJECT_KEY, DEFAULT_SIMPLE_NAME, "Demo Space"),
        (SECOND_PROJECT_KEY, SECOND_SIMPLE_NAME, "Operations"),
    ):
        types = [_story_type(), _bug_type(), _component_type(), _legacy_type()]
        for t in types:
            template = t.fields["template"]
            template.options = [{"label": p["name"], "value": str(p["id"])} for p in t.templates]
            template.reindex()
        store.spaces[project_key] = Space(project_key, simple_name, name, {t.key: t for t in types})
        store.simple_names[simple_name] = project_key


def new_work_item(
    store: Store,
    space: Space,
    conf: TypeConf,
    *,
    name: str,
    actor: str,
    created_at: int,
    template_id: int | None = None,
    is_resource: bool = False,
    node_index: int = 0,
) -> WorkItem:
    """A work item with its workflow nodes laid out; the caller fills the values."""
    item = WorkItem(
        id=store.new_item_id(),
        project_key=space.project_key,
        type_key=conf.key,
        name=name,
        template_id=template_id or (conf.templates[0]["id"] if conf.templates else 0),
        created_by=actor,
        created_at=created_at,
        updated_by=actor,
        updated_at=created_at,
        is_resource=is_resource,
    )
    item.values["name"] = name
    if conf.flow_mode == WORKFLOW and conf.nodes:
        node_index = min(node_index, len(conf.nodes) - 1)
        last = len(conf.nodes) - 1
        step = DAY_MS * 3
        for i, n in enumerate(conf.nodes):
            node = NodeState(n["state_key"], n["name"], owners=[actor])
            if i < node_index or (i == node_index == last):
                node.status, node.begin, node.finish = (
                    3,
                    created_at + i * step,
                    created_at + (i + 1) * step,
                )
            elif i == node_index:
                node.status, node.begin = 2, created_at + i * step
            item.nodes.append(node)
            if node.begin is not None:
                item.state_times.append(
                    {
                        "state_key": node.state_key,
                        "start_time": node.begin,
                        "end_time": node.finish or 0,
                        "name": node.name,
                    }
                )
        item.state_key = conf.nodes[node_index]["state_key"]
    else:
        item.state_key = "published" if is_resource else "draft"
        item.state_times.append(
            {
                "state_key": item.state_key,
                "start_time": created_at,
                "end_time": 0,
                "name": item.state_key,
            }
        )
    item.status_history = [
        {"state_key": item.state_key, "updated_at": created_at, "updated_by": actor}
    ]
    store.items[item.id] = item
    return item


def _random_value(rng: random.Random, conf: FieldConf, users: list[str], created: int) -> Any:
    t = conf.type_key
    if t in ("select", "radio"):
        o = rng.choice(conf.options)
        return {"label": o["label"], "value": o["value"]}
    if t == "multi_select":
        return [{"label": o["label"], "value": o["value"]} for o in rng.sample(conf.options, 2)]
    if t in ("tree_select", "tree_multi_select"):
        top = rng.choice(conf.options)
        leaf = rng.choice(top["children"])
        value = {
            "label": top["label"],
            "value": top["value"],
            "children": {"label": leaf["label"], "value": leaf["value"]},
        }
        return [value] if t == "tree_multi_select" else value
    if t == "user":
        return rng.choice(users)
    if t == "multi_user":
        return rng.sample(users, rng.randint(1, 3))
    if t == "date":
        return created + rng.randint(7, 90) * DAY_MS
    if t == "number":
        return rng.choice([1, 2, 3, 5, 8, 13])
    if t == "bool":
        return rng.random() < 0.2
    if t == "link":
        return f"https://design.example.com/d/{rng.randint(1000, 9999)}"
    if t == "text":
        return f"v{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
    if t == "multi_text":
        return f"As a user I want to {rng.choice(_WORDS)} faster. Steps: {rng.randint(1, 9)}."
    return None


def _fill(
    store: Store, rng: random.Random, item: WorkItem, conf: TypeConf, users: list[str]
) -> None:
    for fconf in conf.fields.values():
        if fconf.readonly or fconf.key == "name" or fconf.type_key == "multi_file":
            continue  # attachments are uploaded, never seeded (and draw nothing from rng)
        if fconf.type_key == "role_owners":
            item.values[fconf.key] = [
                {"role": r["id"], "owners": rng.sample(users, rng.randint(1, 2))}
                for r in conf.roles
            ]
        elif fconf.type_key == "compound_field":
            groups = []
            for _ in range(rng.randint(1, 3)):
                values = {
                    c.key: _random_value(rng, c, users, item.created_at) for c in fconf.compound
                }
                values[fconf.compound[0].key] = f"Case {rng.choice(_WORDS)}"
                groups.append({"group_uuid": store.new_uuid("grp_"), "values": values})
            item.values[fconf.key] = groups
        elif fconf.key == "owner":
            item.values["owner"] = item.created_by
        elif fconf.required or fconf.key in ("description", "priority") or rng.random() < 0.7:
            item.values[fconf.key] = _random_value(rng, fconf, users, item.created_at)


def seed_data(
    store: Store,
    *,
    items: int,
    subtasks: int | None = None,
    resources: int | None = None,
    seed: int = 0,
    end_ms: int = SEED_END_MS,
    span_days: int = 365,
) -> None:
    """Add ``items`` work items, ``subtasks`` subtasks and ``resources`` resource instances.

    Defaults: two subtasks per work item and one resource instance per ten work items.
    Creation times are spread over ``span_days`` days ending at ``end_ms``.
    """
    rng = random.Random(seed)
    users = sorted(store.users)
    spaces = [store.spaces[DEFAULT_PROJECT_KEY], store.spaces[SECOND_PROJECT_KEY]]
    start_ms = end_ms - span_days * DAY_MS
    if subtasks is None:
        subtasks = items * 2
    if resources is None:
        resources = items // 10
    if subtasks and not items:
        items = max(1, subtasks // 20)
    workflow_items: list[WorkItem] = []
    for _ in range(items):
        space = spaces[0] if rng.random() < 0.85 else spaces[1]
        conf = space.types["story" if rng.random() < 0.6 else "bug"]
        created = rng.randint(start_ms, end_ms - DAY_MS)
        actor = rng.choice(users)
        name = f"{rng.choice(_VERBS)} {rng.choice(_WORDS)} {rng.choice(_WORDS)}"
        item = new_work_item(
            store,
            space,
            conf,
            name=name,
            actor=actor,
            created_at=created,
            node_index=rng.randint(0, len(conf.nodes) - 1),
        )
        _fill(store, rng, item, conf, users)
        updated = min(end_ms, created + rng.randint(0, 30) * DAY_MS + rng.randint(0, DAY_MS))
        item.updated_at = updated
        who = Actor(actor, "user", "", "")
        store.record(
            item,
            "create",
            "work_item_mod",
            [record_content("work_item", str(item.id), "name", new=name)],
            who,
            at=created,
        )
        if updated > created:
            item.updated_by = rng.choice(users)
            store.record(
                item,
                "modify",
                "field_mod",
                [record_content("field", "priority", "field_value", old="P2", new="P1")],
                Actor(item.updated_by, "user", "", ""),
                at=updated,
            )
        workflow_items.append(item)
    for n in range(subtasks):
        item = rng.choice(workflow_items)
        node = rng.choice(item.nodes)
        created = rng.randint(start_ms, end_ms)
        passed = rng.random() < 0.4
        assignee = rng.sample(users, rng.randint(1, 2))
        task = SubTask(
            id=store.new_task_id(),
            work_item_id=item.id,
            node_id=node.state_key,
            name=f"{rng.choice(_VERBS)} {rng.choice(_WORDS)} #{n}",
            created_at=created,
            assignee=assignee,
            schedules=[
                {
                    "estimate_start_date": created,
                    "estimate_end_date": created + rng.randint(1, 14) * DAY_MS,
                    "owners": assignee,
                    "points": float(rng.choice([0.5, 1, 2, 3])),
                }
            ],
            passed=passed,
            begin=created,
            finish=created + rng.randint(1, 10) * DAY_MS if passed else None,
            order=float(len(node.task_ids) + 1),
        )
        store.add_subtask(item, node, task)
    component = spaces[0].types["component"]
    for _ in range(resources):
        created = rng.randint(start_ms, end_ms - DAY_MS)
        actor = rng.choice(users)
        name = (
            f"{rng.choice(_WORDS).capitalize()} {rng.choice(['SDK', 'Service', 'Widget', 'Lib'])}"
        )
        item = new_work_item(
            store,
            spaces[0],
            component,
            name=name,
            actor=actor,
            created_at=created,
            is_resource=True,
        )
        _fill(store, rng, item, component, users)
        store.record(
            item,
            "create",
            "work_item_mod",
            [record_content("work_item", str(item.id), "name", new=name)],
            Actor(actor, "user", "", ""),
            at=created,
        )
