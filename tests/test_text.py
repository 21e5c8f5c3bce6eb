"""Digit checks that int() can always follow (``"²".isdigit()`` is true; ``int("²")`` raises)."""

from __future__ import annotations

import pytest

from meegle_async import MeegleServerError, to_dict
from meegle_async._text import is_digits, is_signed_digits
from meegle_async.models.base import structure
from meegle_async.models.fulltext import CompositiveResult
from meegle_async.models.work_items import WorkItem


@pytest.mark.parametrize("text", ["0", "123", "9223372036854775807"])
def test_ascii_digits(text: str) -> None:
    assert is_digits(text)
    assert is_signed_digits("-" + text)


@pytest.mark.parametrize("text", ["", "²", "١٢", "1.5", " 1", "-", "--1", "+1", "1e3"])
def test_not_ascii_digits(text: str) -> None:
    assert not is_digits(text)
    assert not is_signed_digits(text) or text.startswith("-")


def test_a_server_id_of_superscript_digits_is_a_server_error_not_a_value_error() -> None:
    with pytest.raises(MeegleServerError):
        structure({"id": "²", "name": "x"}, WorkItem)
    hit = structure({"ID": "²"}, CompositiveResult)
    assert hit.id is None
    assert to_dict(hit) == {"ID": "²"}
