"""Samples for the WBS view and draft endpoints and the process-configuration writes."""

from __future__ import annotations

from meegle_async import MeegleClient
from meegle_async.testing import RecordedRequest
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample, call

P = "space_demo"


def _story(fake: MeegleFakeFixture) -> int:
    return fake.ids("story", limit=1)[0]


async def _draft(client: MeegleClient, fake: MeegleFakeFixture) -> tuple[int, str]:
    wid = _story(fake)
    draft = await client.wbs.query_draft(
        project_key=P, work_item_type_key="story", work_item_id=wid, need_init=True
    )
    assert draft is not None
    assert draft.draft_id is not None
    return wid, draft.draft_id


async def _view(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", _story(fake)), {"need_union_deliverable": True}


def _check_view(hit: RecordedRequest) -> None:
    assert hit.query == {"need_union_deliverable": "true"}


async def _sub_conf(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    wid, draft_id = await _draft(client, fake)
    return (), {"project_key": P, "work_item_id": wid, "draft_id": draft_id}


async def _query(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (), {
        "project_key": P,
        "work_item_type_key": "story",
        "work_item_id": _story(fake),
        "need_init": True,
    }


async def _patch(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    wid, draft_id = await _draft(client, fake)
    uuid = f"wbs-{wid}-design"
    return (), {
        "project_key": P,
        "draft_id": draft_id,
        "operations": [{"uuid": uuid, "operation_type": "update", "value": {"name": "Plan"}}],
    }


def _check_patch(hit: RecordedRequest) -> None:
    assert hit.body["operations"][0]["value"] == {"name": "Plan"}


async def _reset(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (), {"project_key": P, "work_item_type_key": "story", "work_item_id": _story(fake)}


async def _publish(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    _, draft_id = await _draft(client, fake)
    return (), {"project_key": P, "draft_id": draft_id}


async def _commit(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    wid, draft_id = await _draft(client, fake)
    return (), {"project_key": P, "work_item_id": wid, "draft_id": draft_id, "commit_id": "c1"}


async def _commit_in_path(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    wid, draft_id = await _draft(client, fake)
    return (P,), {"work_item_id": wid, "draft_id": draft_id}


async def _frozen(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    wid, draft_id = await _draft(client, fake)
    return (P,), {"work_item_id": wid, "draft_id": draft_id, "update_type": 1}


def _check_frozen(hit: RecordedRequest) -> None:
    assert hit.body["update_type"] == 1


async def _new_template(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    template_id = await client.templates.create(
        project_key=P, work_item_type_key="story", template_name="Catalogue copy"
    )
    return (P, template_id), {}


async def _update_template(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (), {
        "project_key": P,
        "template_id": 400001,
        "workflow_confs": [{"state_key": "review", "name": "Review", "action": 1}],
    }


async def _new_element(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (), {
        "project_key": P,
        "work_item_type_key": "story",
        "element_type": "task",
        "name": "Checklist",
    }


def _check_element(hit: RecordedRequest) -> None:
    assert hit.body["task_element"] == {"name": "Checklist"}


async def _role(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    await client.roles.create(P, "story", {"id": "catalogue_role", "name": "Catalogue"})
    return (P, "story"), {"role_id": "catalogue_role"}


async def _update_role(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", {"name": "Product manager"}), {"role_id": "pm"}


SAMPLES: dict[str, Sample] = {
    "get_wbs_info": Sample(_view, _check_view),
    "get_wbs_view_sub_work_item_conf": Sample(_sub_conf),
    "query_wbs_view_draft": Sample(_query),
    "patch_wbs_view_draft": Sample(_patch, _check_patch),
    "reset_wbs_view_draft": Sample(_reset),
    "publish_wbs_view_draft": Sample(_publish),
    "complete_create_audit_draft": Sample(_commit),
    "query_wbs_template_conf": Sample(call(P, template_key="400001")),
    "wbs_collaboration_publish": Sample(_commit_in_path),
    "switch_back_to_wbs_view_draft": Sample(_commit_in_path),
    "wbs_update_draft_frozen_rows": Sample(_frozen, _check_frozen),
    "create_template_detail": Sample(
        call(project_key=P, work_item_type_key="story", template_name="Catalogue")
    ),
    "update_template_detail": Sample(_update_template),
    "delete_template_detail": Sample(_new_template),
    "element_template_create": Sample(_new_element, _check_element),
    "element_template_query": Sample(
        call(project_key=P, work_item_type_key="story", element_type="node")
    ),
    "create_flow_role": Sample(call(P, "story", {"name": "Reviewer"})),
    "update_flow_role": Sample(_update_role),
    "delete_flow_role": Sample(_role),
}
