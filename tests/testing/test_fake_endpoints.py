"""Each of the 25 spec endpoints of the fake answers a valid call with the right shape,
and a sample of each endpoint's documented error codes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from meegle_async.catalogue import ENDPOINTS
from meegle_async.testing import FakeMeegle
from meegle_async.testing.store import WorkItem

from .conftest import Api

SPEC_ENDPOINTS = {
    "get_work_item_creation_metadata",
    "get_work_item_details",
    "create_work_item",
    "update_work_item",
    "delete_work_item",
    "abort_or_resume_work_item",
    "batch_update_work_item_field",
    "get_batch_update_progress",
    "freeze_or_unfreeze_work_item",
    "update_compound_field",
    "get_work_item_change_log",
    "get_work_item_resource_instance_detail",
    "update_work_item_resource_instance",
    "search_work_item_resource_instances",
    "create_work_item_resource_repository",
    "create_work_item_through_resources",
    "get_task_list_across_space",
    "get_task_details",
    "create_tasks",
    "update_tasks",
    "complete_or_rollback_tasks",
    "delete_tasks",
    "get_field_information",
    "create_custom_field",
    "update_custom_field",
}


def stories(fake: FakeMeegle) -> list[WorkItem]:
    return [
        i
        for i in fake.store.items.values()
        if i.type_key == "story" and i.project_key == fake.project_key and not i.is_resource
    ]


EXTRA_ENDPOINTS = {
    "filter_work_item",
    "search_work_item_by_params",
    "filter_work_item_across_project",
    "search_user",
    "list_project",
    "get_project_detail",
    "query_work_item_types",
    "query_user_detail",
    # attachments (catalogue/files.py)
    "upload_attachment",
    "special_upload_attachment",
    "download_attachment",
    "delete_file",
    "list_file_comments",
    "create_file_comment",
    "file_stream_upload_form",
    "file_stream_download",
}


async def test_route_table_covers_the_specs(fake: FakeMeegle) -> None:
    served = {r.name for r in fake.routes} | set(fake.token_routes)
    assert served == set(ENDPOINTS.names())
    assert served >= SPEC_ENDPOINTS | EXTRA_ENDPOINTS


async def test_space_and_user_lookups(api: Api, fake: FakeMeegle) -> None:
    assert await api.data("POST", "/open_api/projects", json={}) == [
        fake.project_key,
        fake.second_project_key,
    ]
    detail = await api.data("POST", "/open_api/projects/detail", json={"simple_names": ["demo"]})
    assert detail[fake.project_key]["simple_name"] == fake.simple_name
    types = await api.data("GET", f"/open_api/{fake.simple_name}/work_item/all-types")
    assert {t["type_key"]: t["enable_model_resource_lib"] for t in types}["component"] is True
    (user,) = await api.data("POST", "/open_api/user/query", json={"user_keys": [fake.user_key]})
    assert user["user_key"] == fake.user_key
    assert user["name_en"] == "Demo User"


async def test_work_item_endpoints(api: Api, fake: FakeMeegle) -> None:
    pk = fake.project_key
    meta = await api.data("GET", f"/open_api/{pk}/work_item/story/meta")
    by_key = {f["field_key"]: f for f in meta}
    assert by_key["priority"]["options"][0] == {
        "label": "P0",
        "value": "0",
        "is_disabled": 2,
        "is_visibility": 1,
    }
    assert by_key["field_7c3e42"]["options"][0]["children"]
    assert (
        next(c["field_key"] for c in by_key["field_af6175"]["compound_fields"]) == "field_tc_name"
    )
    assert {r["role"] for r in by_key["role_owners"]["role_assign"]} == {"pm", "rd", "qa"}
    assert by_key["name"]["is_required"] == 1

    new_id = await api.data(
        "POST",
        f"/open_api/{fake.simple_name}/work_item/create",
        json={
            "work_item_type_key": "story",
            "name": "New story",
            "field_value_pairs": [
                {"field_key": "priority", "field_value": {"value": "1"}},
                {"field_key": "tags", "field_value": [{"value": "k3x9a1"}]},
                {
                    "field_key": "field_7c3e42",
                    "field_value": {"value": "pl_ios", "children": {"value": "pl_ios_pad"}},
                },
                {"field_key": "role_owners", "field_value": [{"role": "rd", "owners": ["u1"]}]},
                {"field_key": "field_9e5064", "field_value": 1767225600000},
            ],
            "required_mode": 1,
        },
    )
    assert isinstance(new_id, int)
    await api.data(
        "PUT",
        f"/open_api/{pk}/work_item/story/{new_id}",
        json={"update_fields": [{"field_key": "description", "field_value": "Updated"}]},
    )
    body = await api.ok(
        "POST",
        f"/open_api/{pk}/work_item/story/query",
        json={"work_item_ids": [new_id], "expand": {"need_workflow": True}},
    )
    assert body == {"err_code": 0, "err_msg": "", "err": {}, "data": body["data"]}
    (item,) = body["data"]
    assert item["id"] == new_id
    assert item["name"] == "New story"
    fields = {f["field_key"]: f for f in item["fields"]}
    assert fields["priority"]["field_value"] == {"label": "P1", "value": "1"}
    assert fields["priority"]["field_type_key"] == "select"
    assert fields["field_7c3e42"]["field_value"]["children"]["label"] == "iPad"
    assert fields["description"]["field_value"] == "Updated"
    assert fields["owner"]["field_value"] == fake.user_key
    assert item["work_item_status"]["state_key"] == "started"
    assert item["current_nodes"][0]["id"] == "started"
    assert item["state_times"][0]["state_key"] == "started"
    assert [n["state_key"] for n in item["workflow_infos"]["workflow_nodes"]][:2] == [
        "started",
        "design",
    ]

    only = await api.data(
        "POST",
        f"/open_api/{pk}/work_item/story/query",
        json={"work_item_ids": [new_id], "fields": ["priority"]},
    )
    assert [f["field_key"] for f in only[0]["fields"]] == ["priority"]

    abort_path = f"/open_api/{pk}/work_item/story/{new_id}/abort"
    await api.data("PUT", abort_path, json={"is_aborted": True, "reason_option": "cancel"})
    assert fake.store.items[new_id].aborted
    await api.data("PUT", abort_path, json={"is_aborted": False, "reason_option": "restart"})
    await api.data(
        "PUT",
        "/open_api/work_item/freeze",
        json={"project_key": pk, "work_item_id": new_id, "is_frozen": True},
    )
    assert fake.store.items[new_id].frozen

    compound = "/open_api/work_item/field_value/update_compound_field"
    await api.data(
        "POST",
        compound,
        json={
            "project_key": pk,
            "work_item_id": new_id,
            "field_alias": "test_cases",
            "action": "add",
            "fields": [[{"field_key": "field_tc_name", "field_value": "login works"}]],
        },
    )
    (group,) = fake.store.items[new_id].values["field_af6175"]
    await api.data(
        "POST",
        compound,
        json={
            "project_key": pk,
            "work_item_id": new_id,
            "field_key": "field_af6175",
            "group_uuid": group["group_uuid"],
            "action": "update",
            "fields": [[{"field_key": "field_tc_result", "field_value": {"value": "res_pass"}}]],
        },
    )
    detail = await api.data(
        "POST",
        f"/open_api/{pk}/work_item/story/query",
        json={"work_item_ids": [new_id], "expand": {"need_group_uuid_for_compound": True}},
    )
    (tc,) = [f for f in detail[0]["fields"] if f["field_key"] == "field_af6175"]
    assert tc["field_value"][0][0]["group_uuid"] == group["group_uuid"]
    assert {p["field_key"] for p in tc["field_value"][0]} == {"field_tc_name", "field_tc_result"}

    log = await api.data(
        "POST",
        "/open_api/op_record/work_item/list",
        json={"project_key": pk, "work_item_ids": [new_id]},
    )
    assert [r["operation_type"] for r in log["op_records"]] == [
        "create",
        "modify",
        "terminate",
        "restore",
        "modify",
        "modify",
        "modify",
    ]
    assert log["has_more"] is False
    assert log["start_from"] == ""
    assert log["total"] == 7
    rec = log["op_records"][0]
    assert "id" not in rec
    assert rec["operator"] == fake.user_key
    assert set(rec) >= {
        "project_key",
        "work_item_type_key",
        "work_item_id",
        "operation_type",
        "operation_time",
        "operator",
        "operator_type",
        "op_record_module",
        "source_type",
        "source",
        "record_contents",
    }
    assert set(rec["record_contents"][0]) >= {"object", "object_property", "old", "new", "add"}

    await api.data("DELETE", f"/open_api/{pk}/work_item/story/{new_id}")
    assert new_id not in fake.store.items
    assert (
        await api.err(
            "POST", f"/open_api/{pk}/work_item/story/query", json={"work_item_ids": [new_id]}
        )
        == 30005
    )


async def test_batch_update_progresses_over_time(api: Api, fake: FakeMeegle) -> None:
    ids = [i.id for i in stories(fake)[:3]]
    fake.store.items[ids[2]].aborted = True
    data = await api.data(
        "POST",
        "/open_api/work_item/batch_update",
        json={
            "project_key": fake.project_key,
            "work_item_type_key": "story",
            "work_item_ids": ids,
            "update_mode": "UPDATE",
            "field_key": "priority",
            "after_field_value": {"value": "0"},
        },
    )
    task_id = data["task_id"]
    assert isinstance(task_id, str)
    progress = await api.data("GET", "/open_api/task_result", params={"task_id": task_id})
    assert progress["task_status"] in ("IDLE", "RUNNING")
    assert progress["total"] == 3
    await asyncio.sleep(0.25)
    progress = await api.data("GET", "/open_api/task_result", params={"task_id": task_id})
    assert progress == {
        "task_id": task_id,
        "task_status": "SUCCESS",
        "total": 3,
        "success_total": 2,
        "error_total": 1,
        "success_sub_task_list": [str(ids[0]), str(ids[1])],
        "fail_sub_task_list": [str(ids[2])],
        "error_scenes": ["WorkItemTerminated"],
    }
    assert fake.store.items[ids[0]].values["priority"] == {"label": "P0", "value": "0"}

    failing = await api.data(
        "POST",
        "/open_api/work_item/batch_update",
        json={
            "project_key": fake.project_key,
            "work_item_type_key": "story",
            "work_item_ids": [ids[2]],
            "update_mode": "APPEND",
            "field_key": "watchers",
            "after_field_value": ["u9"],
        },
    )
    fake.store.finish_batch_tasks()
    progress = await api.data(
        "GET", "/open_api/task_result", params={"task_id": failing["task_id"]}
    )
    assert progress["task_status"] == "FAILED"
    missing = await api.data("GET", "/open_api/task_result", params={"task_id": "42"})
    assert missing["task_status"] == "NOT_EXIST"


async def test_resource_endpoints(api: Api, fake: FakeMeegle) -> None:
    pk = fake.project_key
    created = await api.data(
        "POST",
        "/open_api/work_item/resource/create_work_item",
        json={
            "project_key": pk,
            "work_item_type_key": "component",
            "field_value_pairs": [
                {"field_key": "name", "field_value": "Payments SDK"},
                {"field_key": "component_version", "field_value": "1.2.0"},
            ],
        },
    )
    rid = created["work_item_id"]
    await api.data(
        "POST",
        "/open_api/work_item/resource/update",
        json={
            "project_key": pk,
            "work_item_type_key": "component",
            "work_item_id": rid,
            "update_fields": [{"field_key": "field_0a1b2c", "field_value": "1.3.0"}],
        },
    )
    (res,) = await api.data(
        "POST",
        "/open_api/work_item/resource/query",
        json={"project_key": pk, "work_item_type_key": "component", "work_item_ids": [rid]},
    )
    assert res["id"] == rid
    assert res["name"] == "Payments SDK"
    assert {"field_key": "field_0a1b2c", "field_value": "1.3.0"}.items() <= next(
        f for f in res["fields"] if f["field_key"] == "field_0a1b2c"
    ).items()

    instance = await api.data(
        "POST",
        f"/open_api/work_item/resource/{pk}/{rid}/create_instance",
        json={
            "work_item_type_key": "component",
            "field_value_pairs": [
                {"field_key": "component_version", "field_value": "9.9"},
                {"field_key": "owner", "field_value": "u2"},
            ],
        },
    )
    assert instance["ignore_create_info"] == {"field_keys": ["field_0a1b2c"], "role_ids": []}
    made = fake.store.items[instance["work_item_id"]]
    assert not made.is_resource
    assert made.values["field_0a1b2c"] == "1.3.0"
    assert made.values["owner"] == "u2"

    collected: list[int] = []
    search_after = ""
    for _ in range(20):
        status, body, _ = await api.raw(
            "POST",
            "/open_api/work_item/resource/search/params",
            json={
                "data_sources": [{"project_key": pk, "work_item_type_keys": "component"}],
                "search_group": {
                    "conjunction": "AND",
                    "search_params": [
                        {"param_key": "created_at", "operator": ">=", "value": 1_700_000_000_000}
                    ],
                },
                "field_selected": ["name", "created_by"],
                "pagination": {"page_size": 2, "search_after": search_after},
            },
        )
        assert status == 200
        assert body["err_code"] == 0
        collected += [d["work_item_id"] for d in body["data"]]
        assert all("name" in d and "user_key" in d["created_by"] for d in body["data"])
        search_after = body["pagination"]["search_after"]
        if not search_after:
            break
    expected = sorted(i.id for i in fake.store.items.values() if i.is_resource)
    assert collected == expected
    assert body["pagination"]["total"] == len(expected)


async def test_task_endpoints(api: Api, fake: FakeMeegle) -> None:
    pk = fake.project_key
    item = stories(fake)[0]
    base = f"/open_api/{pk}/work_item/story/{item.id}"
    task_id = await api.data(
        "POST",
        base + "/workflow/task",
        json={"node_id": "design", "name": "Write the spec", "assignee": [fake.user_key]},
    )
    assert isinstance(task_id, int)
    nodes = await api.data("GET", base + "/workflow/task", params={"node_id": "design"})
    (node,) = nodes
    assert node["state_key"] == "design"
    assert node["node_name"] == "Design"
    (sub,) = [t for t in node["sub_tasks"] if t["name"] == "Write the spec"]
    assert sub["id"] == str(task_id)
    assert sub["passed"] is False
    all_nodes = await api.data("GET", base + "/workflow/task")
    assert [n["state_key"] for n in all_nodes] == [n.state_key for n in item.nodes]

    await api.data(
        "POST",
        f"{base}/workflow/design/task/{task_id}",
        json={"name": "Write the spec v2", "note": "draft"},
    )
    modify = base + "/subtask/modify"
    await api.data(
        "POST", modify, json={"node_id": "design", "task_id": task_id, "action": "confirm"}
    )
    assert fake.store.subtasks[task_id].passed
    await api.data(
        "POST", modify, json={"node_id": "design", "task_id": task_id, "action": "rollback"}
    )
    assert not fake.store.subtasks[task_id].passed

    page = await api.ok(
        "POST",
        "/open_api/work_item/subtask/search",
        json={"project_keys": [pk], "name": "SPEC V2", "page_size": 10},
    )
    assert page["pagination"] == {"page_num": 1, "page_size": 10, "total": 1}
    (hit,) = page["data"]
    assert hit["work_item_id"] == item.id
    assert hit["node_id"] == "design"
    assert hit["sub_task"]["id"] == str(task_id)
    assert hit["work_item_name"] == item.name

    await api.data("DELETE", f"{base}/task/{task_id}")
    assert task_id not in fake.store.subtasks
    log = await api.data(
        "POST",
        "/open_api/op_record/work_item/list",
        json={"project_key": pk, "work_item_ids": [item.id], "op_record_module": ["sub_task_mod"]},
    )
    assert [r["operation_type"] for r in log["op_records"]] == [
        "add",
        "modify",
        "complete",
        "rollback",
        "remove",
    ]


async def test_field_endpoints(api: Api, fake: FakeMeegle) -> None:
    pk = fake.project_key
    story_fields = await api.data(
        "POST", f"/open_api/{pk}/field/all", json={"work_item_type_key": "story"}
    )
    assert {f["field_key"] for f in story_fields} >= {"name", "priority", "field_af6175"}
    everything = await api.data("POST", f"/open_api/{pk}/field/all", json={})
    tags = next(f for f in everything if f["field_key"] == "field_6b2d31")
    assert set(tags["work_item_scopes"]) == {"story", "bug", "component"}
    assert tags["options"][0]["label"] == "Frontend"

    key = await api.data(
        "POST",
        f"/open_api/{pk}/field/story/create",
        json={
            "field_name": "Risk",
            "field_alias": "risk",
            "field_type_key": "select",
            "field_value": [{"label": "High"}, {"label": "Low"}],
        },
    )
    assert isinstance(key, str)
    assert key.startswith("field_")
    conf = fake.store.spaces[pk].types["story"].fields[key]
    high = conf.options[0]["value"]
    await api.data(
        "PUT",
        f"/open_api/{pk}/field/story",
        json={
            "field_key": key,
            "field_name": "Risk level",
            "field_value": [{"label": "Medium", "action": 0}, {"value": high, "action": 2}],
        },
    )
    assert conf.name == "Risk level"
    assert [o["label"] for o in conf.options] == ["Low", "Medium"]
    item = stories(fake)[0]
    await api.data(
        "PUT",
        f"/open_api/{pk}/work_item/story/{item.id}",
        json={
            "update_fields": [
                {"field_alias": "risk", "field_value": {"value": conf.options[1]["value"]}}
            ]
        },
    )
    assert item.values[key]["label"] == "Medium"


async def test_every_spec_endpoint_was_exercised(api: Api, fake: FakeMeegle) -> None:
    await test_work_item_endpoints(api, fake)
    await test_batch_update_progresses_over_time(api, fake)
    await test_resource_endpoints(api, fake)
    await test_task_endpoints(api, fake)
    await test_field_endpoints(api, fake)
    assert {r.endpoint for r in fake.requests} - {"plugin_token"} == SPEC_ENDPOINTS
    assert all(r.status == 200 for r in fake.requests)
    assert len({r.log_id for r in fake.requests}) == len(fake.requests)


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("POST", "/open_api/{pk}/work_item/story/query", {"work_item_ids": list(range(51))}, 20028),
        ("POST", "/open_api/{pk}/work_item/nope/query", {"work_item_ids": [1]}, 30014),
        ("POST", "/open_api/{pk}/work_item/story/query", {"work_item_ids": [1]}, 30005),
        ("POST", "/open_api/nowhere/work_item/story/query", {"work_item_ids": [1]}, 1000052062),
        ("GET", "/open_api/{pk}/work_item/legacy/meta", None, 20044),
        (
            "POST",
            "/open_api/work_item/batch_update",
            {
                "project_key": "{pk}",
                "work_item_type_key": "story",
                "work_item_ids": list(range(51)),
                "update_mode": "UPDATE",
                "field_key": "priority",
                "after_field_value": {"value": "0"},
            },
            50006,
        ),
        (
            "POST",
            "/open_api/work_item/resource/query",
            {
                "project_key": "{pk}",
                "work_item_type_key": "component",
                "work_item_ids": list(range(51)),
            },
            1000050178,
        ),
        (
            "POST",
            "/open_api/work_item/resource/query",
            {"project_key": "{pk}", "work_item_type_key": "story", "work_item_ids": [1]},
            1000053507,
        ),
        (
            "POST",
            "/open_api/work_item/resource/create_work_item",
            {"project_key": "{pk}", "work_item_type_key": "bug"},
            1000053507,
        ),
        (
            "POST",
            "/open_api/op_record/work_item/list",
            {"project_key": "{pk}", "work_item_ids": list(range(51))},
            20006,
        ),
        (
            "POST",
            "/open_api/op_record/work_item/list",
            {"project_key": "{pk}", "work_item_ids": [1], "start": 1_760_000_000_000},
            20005,
        ),
        (
            "POST",
            "/open_api/op_record/work_item/list",
            {
                "project_key": "{pk}",
                "work_item_ids": [1],
                "start": 1_760_000_000_000,
                "end": 1_760_000_000_000 + 7 * 86_400_000 + 1,
            },
            20013,
        ),
        (
            "POST",
            "/open_api/op_record/work_item/list",
            {"project_key": "{pk}", "work_item_ids": [1], "page_size": 201},
            20006,
        ),
        (
            "POST",
            "/open_api/work_item/subtask/search",
            {
                "project_keys": [f"p{i}" for i in range(6)],
                "simple_names": [f"s{i}" for i in range(5)],
            },
            20057,
        ),
        (
            "POST",
            "/open_api/work_item/subtask/search",
            {"created_at": {"start": 1_760_000_000}},
            20013,
        ),
        (
            "POST",
            "/open_api/{pk}/work_item/create",
            {
                "work_item_type_key": "bug",
                "name": "crash",
                "required_mode": 1,
                "field_value_pairs": [{"field_key": "description", "field_value": "x"}],
            },
            20038,
        ),
        (
            "POST",
            "/open_api/{pk}/work_item/create",
            {
                "work_item_type_key": "story",
                "field_value_pairs": [
                    {"field_key": "priority", "field_value": {"value": "1"}},
                    {"field_key": "priority", "field_value": {"value": "2"}},
                ],
            },
            20083,
        ),
        (
            "POST",
            "/open_api/{pk}/work_item/create",
            {
                "work_item_type_key": "story",
                "field_value_pairs": [{"field_key": "field_nope", "field_value": 1}],
            },
            30009,
        ),
        (
            "POST",
            "/open_api/{pk}/work_item/create",
            {
                "work_item_type_key": "story",
                "field_value_pairs": [{"field_key": "priority", "field_value": {"value": "P1"}}],
            },
            20050,
        ),
        (
            "POST",
            "/open_api/{pk}/work_item/create",
            {
                "work_item_type_key": "story",
                "field_value_pairs": [
                    {
                        "field_key": "field_7c3e42",
                        "field_value": {"value": "pl_ios", "children": {"value": "pl_and_tab"}},
                    }
                ],
            },
            20050,
        ),
        (
            "POST",
            "/open_api/{pk}/work_item/create",
            {
                "work_item_type_key": "story",
                "field_value_pairs": [
                    {"field_key": "role_owners", "field_value": [{"role": "ceo", "owners": []}]}
                ],
            },
            50006,
        ),
        ("POST", "/open_api/{pk}/work_item/create", {"work_item_type_key": "epic"}, 30014),
        (
            "POST",
            "/open_api/{pk}/field/story/create",
            {"field_name": "Tags", "field_type_key": "text"},
            1000051750,
        ),
        (
            "POST",
            "/open_api/{pk}/field/story/create",
            {"field_name": "Brand new", "field_alias": "tags", "field_type_key": "text"},
            1000051468,
        ),
        (
            "POST",
            "/open_api/{pk}/field/story/create",
            {"field_name": "Vote", "field_type_key": "vote"},
            1000050746,
        ),
        (
            "PUT",
            "/open_api/{pk}/field/story",
            {"field_key": "field_5a1c20", "field_alias": "tags"},
            1000051468,
        ),
        ("POST", "/open_api/{pk}/field/all", {"work_item_type_key": "epic"}, 30001),
        (
            "POST",
            "/open_api/work_item/resource/search/params",
            {
                "data_sources": [{"project_key": "{pk}", "work_item_type_keys": "component"}],
                "search_group": {"conjunction": "AND", "search_params": []},
                "field_selected": [f"f{i}" for i in range(21)],
            },
            20006,
        ),
        (
            "POST",
            "/open_api/work_item/resource/search/params",
            {
                "data_sources": [{"project_key": "{pk}", "work_item_type_keys": "component"}],
                "search_group": {"conjunction": "XOR", "search_params": []},
            },
            20072,
        ),
        (
            "POST",
            "/open_api/work_item/resource/search/params",
            {
                "data_sources": [{"project_key": "{pk}", "work_item_type_keys": "component"}],
                "search_group": {
                    "conjunction": "AND",
                    "search_params": [{"param_key": "priority", "operator": "=", "value": "1"}],
                },
            },
            20068,
        ),
    ],
)
async def test_rule_codes(
    api: Api, fake: FakeMeegle, method: str, path: str, body: object, code: int
) -> None:
    pk = fake.project_key
    if isinstance(body, dict):
        fixed: dict[str, Any] = {k: (pk if v == "{pk}" else v) for k, v in body.items()}
        if "data_sources" in fixed:
            fixed["data_sources"] = [{**s, "project_key": pk} for s in fixed["data_sources"]]
        body = fixed
    assert await api.err(method, path.replace("{pk}", pk), json=body) == code


async def test_state_rules(api: Api, fake: FakeMeegle) -> None:
    pk = fake.project_key
    item = stories(fake)[1]
    base = f"/open_api/{pk}/work_item/story/{item.id}"
    assert await api.err("PUT", base + "/abort", json={"is_aborted": False}) == 20008
    await api.data("PUT", base + "/abort", json={"is_aborted": True, "reason_option": "test"})
    assert await api.err("PUT", base + "/abort", json={"is_aborted": True}) == 20007
    update = {"update_fields": [{"field_key": "description", "field_value": "x"}]}
    assert await api.err("PUT", base, json=update) == 20007
    assert (
        await api.err("POST", base + "/workflow/task", json={"node_id": "design", "name": "t"})
        == 20007
    )
    await api.data("PUT", base + "/abort", json={"is_aborted": False, "reason_option": "restart"})
    await api.data("PUT", base, json=update)

    assert await api.err("PUT", f"/open_api/{pk}/work_item/bug/{item.id}", json=update) == 30005
    assert (
        await api.err(
            "PUT",
            base,
            json={"update_fields": [{"field_key": "work_item_status", "field_value": "x"}]},
        )
        == 20090
    )
    assert await api.err("DELETE", f"/open_api/{pk}/work_item/epic/{item.id}") == 20003
    other = fake.second_project_key
    assert (
        await api.err("PUT", f"/open_api/{other}/work_item/story/{item.id}", json=update) == 20014
    )

    assert (
        await api.err(
            "POST",
            base + "/workflow/task",
            json={
                "node_id": "design",
                "name": "t",
                "assignee": ["a"],
                "role_assignee": [{"role": "qa", "owners": ["b"]}],
            },
        )
        == 20047
    )
    assert (
        await api.err("POST", base + "/workflow/task", json={"node_id": "nope", "name": "t"})
        == 20018
    )
    assert await api.err("POST", base + "/workflow/task", json={"node_id": "design"}) == 20005
    task_id = await api.data(
        "POST", base + "/workflow/task", json={"node_id": "design", "name": "t"}
    )
    modify = base + "/subtask/modify"
    assert (
        await api.err(
            "POST", modify, json={"node_id": "design", "task_id": task_id, "action": "finish"}
        )
        == 20082
    )
    assert (
        await api.err("POST", modify, json={"node_id": "design", "task_id": 1, "action": "confirm"})
        == 20046
    )
    assert (
        await api.err(
            "POST", modify, json={"node_id": "develop", "task_id": task_id, "action": "confirm"}
        )
        == 20046
    )
    assert (
        await api.err(
            "POST", modify, json={"node_id": "design", "task_id": str(task_id), "action": "confirm"}
        )
        == 20006
    )
    assert (
        await api.err("POST", f"{base}/workflow/nope/task/{task_id}", json={"name": "x"}) == 20018
    )
    assert await api.err("GET", base + "/workflow/task", params={"node_id": "nope"}) == 20018
    await api.data(
        "POST", modify, json={"node_id": "design", "task_id": task_id, "action": "confirm"}
    )
    assert (
        await api.err(
            "POST", modify, json={"node_id": "design", "task_id": task_id, "action": "confirm"}
        )
        == 50006
    )

    component = next(i for i in fake.store.items.values() if i.is_resource)
    assert (
        await api.err("GET", f"/open_api/{pk}/work_item/component/{component.id}/workflow/task")
        == 50006
    )
    compound = "/open_api/work_item/field_value/update_compound_field"
    base_body = {"project_key": pk, "work_item_id": item.id, "action": "add", "fields": [[]]}
    assert (
        await api.err("POST", compound, json={**base_body, "field_key": "field_nope"}) == 1000050248
    )
    assert (
        await api.err("POST", compound, json={**base_body, "field_key": "priority"}) == 1000050156
    )
    assert (
        await api.err("POST", compound, json={**base_body, "work_item_id": 1, "field_key": "x"})
        == 1000050244
    )
    assert (
        await api.err(
            "POST", compound, json={**base_body, "field_key": "field_af6175", "action": "update"}
        )
        == 20005
    )
    resource_update = {
        "project_key": pk,
        "work_item_type_key": "component",
        "work_item_id": component.id,
    }
    assert (
        await api.err(
            "POST",
            "/open_api/work_item/resource/update",
            json={**resource_update, "update_fields": [{"field_key": "owner", "field_value": "u"}]},
        )
        == 1000053593
    )
    assert (
        await api.err(
            "POST",
            "/open_api/work_item/resource/update",
            json={
                **resource_update,
                "update_fields": [
                    {"field_key": "name", "field_value": "a"},
                    {"field_key": "name", "field_value": "b"},
                ],
            },
        )
        == 1000050438
    )
    assert (
        await api.err(
            "POST",
            "/open_api/work_item/resource/update",
            json={**resource_update, "update_fields": "x"},
        )
        == 1000050183
    )


async def test_seed_is_deterministic_and_fast() -> None:
    a = FakeMeegle(seed_items=300, seed=99)
    b = FakeMeegle(seed_items=300, seed=99)
    view_a = [a.store.work_item_view(i) for i in a.store.items.values()]
    view_b = [b.store.work_item_view(i) for i in b.store.items.values()]
    assert view_a == view_b
    groups = "field_af6175"
    for view in view_a[:20]:
        for f in view["fields"]:
            if f["field_key"] == groups:
                assert isinstance(f["field_value"][0], list)
    assert len(a.store.subtasks) == 600
    assert sum(1 for i in a.store.items.values() if i.is_resource) == 30
    assert a.store.items.keys() == b.store.items.keys()
