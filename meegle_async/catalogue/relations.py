"""Relations between work items: relation definitions, space association rules and their
instances, story relations, and the search by a relation field."""

from __future__ import annotations

from ._entry import endpoint

_BOUND = "/open_api/{project_key}/relation/{work_item_type_key}/{work_item_id}"

ENDPOINTS = (
    endpoint(
        "query_work_item_relation",
        "GET",
        "/open_api/{project_key}/work_item/relation",
        "relations.list",
        sdk_name="QueryWorkItemRelation",
        summary="The work item relations (relation definitions) of a space.",
    ),
    endpoint(
        "create_work_item_relation",
        "POST",
        "/open_api/work_item/relation/create",
        "relations.create",
        sdk_name="CreateWorkItemRelation",
        summary="Define a work item relation (space administrators only).",
        errors={
            50006: ("invalid_params", "Relationship name cannot be repeated (duplicate name)"),
            10001: ("permission", "Invalid request (the user is not a space administrator)"),
        },
    ),
    endpoint(
        "update_work_item_relation",
        "POST",
        "/open_api/work_item/relation/update",
        "relations.update",
        sdk_name="UpdateWorkItemRelation",
        summary="Overwrite a work item relation's name and details.",
        errors={
            50006: ("invalid_params", "Relationship name cannot be repeated (duplicate name)"),
            10001: ("permission", "Invalid request (the user is not a space administrator)"),
        },
    ),
    endpoint(
        "delete_work_item_relation",
        "DELETE",
        "/open_api/work_item/relation/delete",
        "relations.delete",
        sdk_name="DeleteWorkItemRelation",
        summary="Delete a work item relation.",
        errors={
            50006: ("not_found", "RPC call error (relation already deleted or does not exist)"),
        },
    ),
    endpoint(
        "query_project_relation",
        "POST",
        "/open_api/{project_key}/relation/rules",
        "relations.get_rules",
        write=False,
        sdk_name="QueryProjectRelation",
        summary="The space association rules of a space, grouped by remote space.",
        errors={1000052063: ("not_found", "Not found simple name (project_key incorrect)")},
    ),
    endpoint(
        "query_project_relation_instance",
        "POST",
        _BOUND + "/work_item_list",
        "relations.list_instances",
        write=False,
        sdk_name="QueryProjectRelationInstance",
        summary="The work items bound to a work item by space association.",
        errors={50006: ("too_many_results", "Too many records (exceeds the system limit)")},
    ),
    endpoint(
        "create_project_relation_instances",
        "POST",
        _BOUND + "/batch_bind",
        "relations.bind",
        sdk_name="CreateProjectRelationInstances",
        summary="Bind work items to a work item under a space association rule.",
        errors={
            1000051617: ("state_conflict", "Project relation instance bind duplicate"),
            30015: ("not_found", "Record not found (an associated work item does not exist)"),
        },
    ),
    endpoint(
        "delete_project_relation_instance",
        "DELETE",
        _BOUND,
        "relations.unbind",
        sdk_name="DeleteProjectRelationInstance",
        summary="Unbind a work item from a work item's space association.",
        errors={
            20006: (
                "invalid_params",
                "Invalid param (relation_rule_id or relation_work_item_id not found)",
            ),
        },
    ),
    endpoint(
        "create_story_relations",
        "POST",
        "/open_api/{project_key}/story_relations/create",
        "relations.create_story_relations",
        sdk_name="CreateStoryRelations",
        summary="Link work items pairwise through a work item relation.",
    ),
    endpoint(
        "query_story_relations",
        "POST",
        "/open_api/{project_key}/story_relations/query",
        "relations.query_story_relations",
        write=False,
        sdk_name="QueryStoryRelations",
        summary="The work items linked to each of some work items.",
    ),
    endpoint(
        "search_work_items_relation",
        "POST",
        "/open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/search_by_relation",
        "relations.search",
        write=False,
        qps=10,
        sdk_name="SearchWorkItemsRelation",
        summary="The work items a work item links through a relation field: one page.",
        errors={
            20055: ("too_many_results", "Search result exceeds 5000"),
            30018: ("not_found", "RelationKey not found in configuration"),
            20060: ("invalid_params", "Work item type mismatch in relation field configuration"),
        },
    ),
)
