"""The closed sets of strings the API takes, as ``Literal`` types, so a typo fails type checking.

``update_mode="UPADTE"`` or ``reason_option="canceled"`` is caught by mypy, pyright and the
editor before the code runs; at run time each method still checks its argument and raises
``MeegleValidationError`` naming the allowed values (for callers without a type checker).

The search condition types (``SearchOperator``, ``Conjunction``) type the ``SearchParam`` and
``SearchGroup`` models. ``SearchOperator`` lists the operators the platform documents (both
spellings: ``"="`` and ``"EQ"``); at run time those models accept any string, because a model
is also built from what the server sends and the server may know operators this list does not.

Example::

    from meegle_async.models.enums import UpdateMode

    def plan(mode: UpdateMode) -> None: ...

    plan("UPDATE")  # ok
    plan("UPDATED")  # mypy: incompatible type "Literal['UPDATED']"
"""

from __future__ import annotations

from typing import Any, Literal, get_args

__all__ = [
    "AbortReason",
    "CompoundAction",
    "Conjunction",
    "CustomFieldType",
    "OpRecordModule",
    "OperationType",
    "OperatorType",
    "ResumeReason",
    "SearchOperator",
    "SearchUserFieldKey",
    "SourceType",
    "SpaceOrder",
    "SubtaskAction",
    "UpdateMode",
    "ZeroOrOne",
    "literal_values",
]

#: ``batch_update``'s ``update_mode``: add to a multi-value field, overwrite, or replace one value.
UpdateMode = Literal["APPEND", "UPDATE", "REPLACE"]
#: ``work_items.abort``'s ``reason_option``.
AbortReason = Literal["cancel", "repeat", "test", "other"]
#: ``work_items.resume``'s ``reason_option``.
ResumeReason = Literal["restart", "rollback", "test", "other"]
#: ``work_items.update_compound_field``'s ``action``.
CompoundAction = Literal["add", "update", "delete"]
#: ``tasks.complete_or_rollback``'s ``action``.
SubtaskAction = Literal["confirm", "rollback"]
#: An int flag the API takes as 0 or 1 (``required_mode``, ``value_type``).
ZeroOrOne = Literal[0, 1]
#: ``fields.create``'s ``field_type_key``: the types a custom field can be created with.
CustomFieldType = Literal[
    "text",
    "multi_text",
    "select",
    "multi_select",
    "tree_select",
    "tree_multi_select",
    "radio",
    "user",
    "multi_user",
    "date",
    "schedule",
    "link",
    "number",
    "multi_file",
    "bool",
    "signal",
    "work_item_related_select",
    "work_item_related_multi_select",
]
#: Change-log filter ``operator_type``.
OperatorType = Literal["user", "auto", "system", "calc_field", "plugin", "others"]
#: Change-log filter ``source_type``.
SourceType = Literal["auto", "plugin"]
#: Change-log filter ``operation_type``.
OperationType = Literal[
    "modify",
    "create",
    "delete",
    "terminate",
    "restore",
    "complete",
    "rollback",
    "add",
    "remove",
]
#: Change-log filter ``op_record_module``.
OpRecordModule = Literal[
    "work_item_mod",
    "node_mod",
    "sub_task_mod",
    "field_mod",
    "role_and_user_mod",
    "baseline_mod",
]
#: ``spaces.list``'s ``order`` entries.
SpaceOrder = Literal["last_visited", "+last_visited", "-last_visited"]
#: ``SearchUser.field_key`` of the cross-space filter.
SearchUserFieldKey = Literal["owner", "watchers", "issue_operator", "issue_reporter"]
#: ``SearchGroup.conjunction``.
Conjunction = Literal["AND", "OR"]
#: ``SearchParam.operator``: the platform's operators, symbol and word spellings.
SearchOperator = Literal[
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "~",
    "!~",
    "IN",
    "HAS ANY OF",
    "HAS NONE OF",
    "IS NULL",
    "IS NOT NULL",
    "CONTAINS",
    "NOT CONTAINS",
    "MEET",
    "NOT MEET",
    "EQ",
    "NE",
    "GT",
    "GTE",
    "LT",
    "LTE",
    "REG",
    "NREG",
]


def literal_values(literal: Any) -> tuple[Any, ...]:
    """The values of a ``Literal`` type: ``literal_values(UpdateMode)`` gives
    ``("APPEND", "UPDATE", "REPLACE")``."""
    return tuple(get_args(literal))
