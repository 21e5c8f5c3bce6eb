"""A work item's workflow end to end against the fake, through the public API only: create an
item, complete its first node, change state, read the workflow back (real rate limits)."""

from __future__ import annotations

import pytest

from meegle_async.testing.pytest_plugin import MeegleFakeFixture


@pytest.mark.meegle_fake(seed_items=40, seed=5)
async def test_create_complete_change_state_read_back(meegle_fake: MeegleFakeFixture) -> None:
    client = meegle_fake.client
    p = meegle_fake.project_key

    # node flow: a new story starts at its first node; completing it moves the item on
    story = await client.work_items.create(p, "story", name="Lifecycle story")
    flow = await client.workflows.get(p, "story", story)
    first = (flow.workflow_nodes or [])[0]
    assert first.is_current
    await client.workflows.complete_node(p, "story", story, str(first.state_key))
    flow = await client.workflows.get(p, "story", story)
    assert (flow.workflow_nodes or [])[0].is_done
    assert [n.name for n in flow.current_nodes] == ["Design"]
    (item,) = await client.work_items.get_details(p, "story", [story])
    assert item.get("sub_stage") == "design"

    # state flow: a new component starts in its initial state; change it along a transition
    component = await client.work_items.create(p, "component", name="Lifecycle component")
    states = await client.workflows.get(p, "component", component, flow_type=1)
    (current,) = [s for s in states.state_flow_nodes or [] if s.status == 2]
    (step,) = states.transitions_from(str(current.id))
    assert step.transition_id is not None
    await client.workflows.change_state(p, "component", component, step.transition_id)
    states = await client.workflows.get(p, "component", component, flow_type=1)
    now = [s.id for s in states.state_flow_nodes or [] if s.status == 2]
    assert now == [step.target_state_key]

    # both moves are in the change log
    log = await client.work_items.get_change_log(p, [story, component])
    kinds = {(r.work_item_id, r.operation_type) for r in log.op_records or []}
    assert (story, "confirm") in kinds
    assert (component, "modify") in kinds
