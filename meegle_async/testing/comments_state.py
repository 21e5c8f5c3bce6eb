"""The fake's comments: one store for both comment APIs, hung off the ``Store`` lazily.

A comment is on a work item, on one field of it, or a reply to a top-level comment. Both APIs
see the same comments: the SDK's ``comments`` list shows the work item's top-level comments
(not field comments, not replies), the newer ``comment/query`` shows any of the three kinds.
Order is creation order (a sequence number, so two comments made in one millisecond keep it).
"""

from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass, field
from typing import Any

from .rules import JSON
from .store import Store

__all__ = ["CommentState", "StoredComment", "comment_state"]


@dataclass
class StoredComment:
    """One comment as the fake keeps it; ``content`` is the newer API's content object."""

    id: int
    project_key: str
    work_item_id: int
    type_key: str
    creator: str
    created_at: int
    content: JSON
    field_key: str | None = None
    parent_id: int | None = None
    updated_at: int = 0

    def plain_text(self) -> str:
        """The comment as plain text (what the SDK list's ``content`` shows)."""
        text = self.content.get("text")
        if isinstance(text, str):
            return text
        markdown = self.content.get("markdown")
        return markdown if isinstance(markdown, str) else ""

    def v1_view(self) -> JSON:
        """As ``list_comments`` answers it (the Go SDK's ``CommentForOpenAPI``)."""
        out: JSON = {
            "id": self.id,
            "work_item_id": self.work_item_id,
            "work_item_type_key": self.type_key,
            "created_at": self.created_at,
            "operator": self.creator,
            "content": self.plain_text(),
        }
        if self.content.get("type") == "RICHTEXT":
            out["doc_rich_text"] = {
                "doc_text": self.plain_text(),
                "is_empty": False,
            }
        return out

    def v2_view(self) -> JSON:
        """As ``comment/query`` answers it (``comment_id`` a string)."""
        obj: JSON
        if self.parent_id is not None:
            obj = {"type": "CHILDCOMMENT", "parent_id": str(self.parent_id)}
        else:
            obj = {
                "type": "WORKITEMFIELD" if self.field_key else "WORKITEM",
                "work_item_type_key": self.type_key,
                "work_item_id": str(self.work_item_id),
            }
            if self.field_key:
                obj["field_key"] = self.field_key
        out: JSON = {
            "comment_id": str(self.id),
            "object": obj,
            "content": dict(self.content),
            "creator": self.creator,
            "created_at": self.created_at,
            "updated_at": self.updated_at or self.created_at,
        }
        if self.parent_id is not None:
            out["parent_id"] = str(self.parent_id)
        return out


@dataclass
class CommentState:
    """Every comment of the fake, by id (ids grow with creation)."""

    comments: dict[int, StoredComment] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(9_300_000_001))

    def new_id(self) -> int:
        """A fresh comment id."""
        return int(next(self._ids))

    def add(self, comment: StoredComment) -> StoredComment:
        """Keep ``comment``; return it."""
        self.comments[comment.id] = comment
        return comment

    def remove(self, comment: StoredComment) -> None:
        """Delete ``comment`` and its replies."""
        self.comments.pop(comment.id, None)
        for reply in [c for c in self.comments.values() if c.parent_id == comment.id]:
            self.comments.pop(reply.id, None)

    def thread(
        self,
        *,
        work_item_id: int | None = None,
        field_key: str | None = None,
        parent_id: int | None = None,
    ) -> list[StoredComment]:
        """The comments of one target, oldest first: a work item's top-level comments, a
        field's comments, or a comment's replies."""
        if parent_id is not None:
            found = [c for c in self.comments.values() if c.parent_id == parent_id]
        else:
            found = [
                c
                for c in self.comments.values()
                if c.parent_id is None
                and c.work_item_id == work_item_id
                and (c.field_key or None) == (field_key or None)
            ]
        return sorted(found, key=lambda c: c.id)


_STATES: weakref.WeakKeyDictionary[Store, CommentState] = weakref.WeakKeyDictionary()


def comment_state(store: Store) -> CommentState:
    """The comments of ``store`` (made empty on first use)."""
    state = _STATES.get(store)
    if state is None:
        state = _STATES[store] = CommentState()
    return state
