"""Work hours: the actual hours people register against a work item, its nodes and subtasks."""

from __future__ import annotations

from ._entry import endpoint

_RECORD = "/open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/work_hour_record"

ENDPOINTS = (
    endpoint(
        "get_work_item_man_hour_records",
        "POST",
        "/open_api/work_item/man_hour/records",
        "work_hours.list",
        write=False,
        sdk_name="GetWorkItemManHourRecords",
        summary="One page of the work hour records of a work item.",
    ),
    endpoint(
        "create_working_hour_record",
        "POST",
        _RECORD,
        "work_hours.create",
        sdk_name="CreateWorkingHourRecord",
        summary="Register work hours over a range of days.",
    ),
    endpoint(
        "update_working_hour_record",
        "PUT",
        _RECORD,
        "work_hours.update",
        sdk_name="UpdateWorkingHourRecord",
        summary="Change the hours or description of work hour records.",
    ),
    endpoint(
        "delete_working_hour_record",
        "DELETE",
        _RECORD,
        "work_hours.delete",
        sdk_name="DeleteWorkingHourRecord",
        summary="Delete work hour records.",
    ),
)
