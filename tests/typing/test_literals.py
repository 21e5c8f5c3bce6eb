"""Enum-like parameters are ``Literal`` types: mypy refuses a typo (checked here with mypy's
API on ``literal_typos.py``), and the literals list what the runtime checks allow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meegle_async.endpoints import fields, spaces, work_item_search, work_items
from meegle_async.models import enums
from meegle_async.models.base import structure, to_dict
from meegle_async.models.common import SearchGroup

HERE = Path(__file__).parent
CASES = HERE / "literal_typos.py"


@pytest.mark.slow
def test_mypy_flags_exactly_the_typo_lines() -> None:
    api = pytest.importorskip("mypy.api")
    root = HERE.parent.parent
    stdout, stderr, _ = api.run(
        [
            "--strict",
            "--no-error-summary",
            "--show-absolute-path",
            "--hide-error-context",
            "--config-file",
            str(root / "pyproject.toml"),
            str(CASES),
        ]
    )
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    flagged = {int(line.split(":")[1]) for line in errors if line.startswith(str(CASES))}
    expected = {
        n for n, line in enumerate(CASES.read_text().splitlines(), 1) if line.endswith("# E")
    }
    assert flagged == expected, "\n".join(errors) + stderr
    assert len(expected) >= 12


@pytest.mark.parametrize(
    ("literal", "runtime"),
    [
        (enums.UpdateMode, work_items.UPDATE_MODES),
        (enums.AbortReason, work_items.ABORT_REASONS),
        (enums.ResumeReason, work_items.RESUME_REASONS),
        (enums.OperatorType, work_items.OPERATOR_TYPES),
        (enums.SourceType, work_items.SOURCE_TYPES),
        (enums.OperationType, work_items.OPERATION_TYPES),
        (enums.OpRecordModule, work_items.OP_RECORD_MODULES),
        (enums.SpaceOrder, spaces.SPACE_ORDERS),
        (enums.SearchUserFieldKey, work_item_search.SEARCH_USER_FIELD_KEYS),
    ],
)
def test_each_literal_lists_what_the_runtime_check_allows(literal: Any, runtime: Any) -> None:
    assert enums.literal_values(literal) == tuple(runtime)


def test_custom_field_types_match_what_create_accepts() -> None:
    assert set(enums.literal_values(enums.CustomFieldType)) == fields.SUPPORTED_FIELD_TYPES
    assert enums.literal_values(enums.ZeroOrOne) == (0, 1)


def test_models_typed_with_literals_still_keep_any_string_the_server_sends() -> None:
    data = {"conjunction": "AND", "search_params": [{"param_key": "x", "operator": "NEWER OP"}]}
    group = structure(data, SearchGroup)
    assert group.search_params is not None
    operator: str | None = group.search_params[0].operator  # typed Literal, holds any string
    assert operator == "NEWER OP"
    assert to_dict(group) == data
