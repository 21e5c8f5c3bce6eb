"""Checked by mypy in test_literals.py, never run: each line marked ``# E`` must be an error.

The lines without the mark are the right spellings and must type-check.
"""

from __future__ import annotations

from meegle_async import MeegleClient, RawResponse, RawResult, SearchGroup, SearchParam, WorkItem
from meegle_async.models.enums import UpdateMode


async def typos(client: MeegleClient, mode: str) -> None:
    wi = client.work_items
    ids = [1]
    await wi.batch_update("s", "t", ids, field_key="f", update_mode="UPDATE")
    await wi.batch_update("s", "t", ids, field_key="f", update_mode="UPDATED")  # E
    await wi.batch_update("s", "t", ids, field_key="f", update_mode=mode)  # E
    await wi.abort("s", "t", 1, reason_option="cancel")
    await wi.abort("s", "t", 1, reason_option="canceled")  # E
    await wi.abort("s", "t", 1, reason_option="restart")  # E
    await wi.resume("s", "t", 1, reason_option="restart")
    await wi.update_compound_field("s", 1, action="add", field_key="c", fields=[])
    await wi.update_compound_field("s", 1, action="append", field_key="c", fields=[])  # E
    await wi.get_change_log("s", ids, operator_type="user", op_record_module=["node_mod"])
    await wi.get_change_log("s", ids, operator_type="users")  # E
    await wi.get_change_log("s", ids, op_record_module=["node_module"])  # E
    tasks = client.tasks
    await tasks.complete_or_rollback("s", "t", 1, node_id="n", task_id=1, action="confirm")
    await tasks.complete_or_rollback("s", "t", 1, node_id="n", task_id=1, action="done")  # E
    await client.spaces.list(order=["-last_visited"])
    await client.spaces.list(order=["-last_visit"])  # E
    SearchParam(param_key="priority", operator="HAS ANY OF", value=["P0"])
    SearchParam(param_key="priority", operator="HAS ANY", value=["P0"])  # E
    SearchGroup(conjunction="AND", search_params=[])
    SearchGroup(conjunction="and", search_params=[])  # E
    await client.fields.create("s", "t", field_name="P", field_type_key="select")
    await client.fields.create("s", "t", field_name="P", field_type_key="selection")  # E
    await wi.create("s", "t", name="x", required_mode=1)
    await wi.create("s", "t", name="x", required_mode=2)  # E


async def raw_types(client: MeegleClient) -> None:
    answer: RawResponse = await client.request("x", "GET", "/open_api/x", raw=True)
    data: int = await client.request("x", "GET", "/open_api/x")  # data is Any
    details: RawResult[list[WorkItem]] = await client.with_raw_response.call(
        client.work_items.get_details, "s", "t", [1]
    )
    wrong: RawResult[int] = await client.with_raw_response.call(
        client.work_items.get_details,  # E
        "s",
        "t",
        [1],
    )
    await client.with_raw_response.call(client.work_items.get_details, "s", 1, [1])  # E
    mode: UpdateMode = "APPEND"
    print(answer.log_id, data, details.parsed, wrong, mode)
