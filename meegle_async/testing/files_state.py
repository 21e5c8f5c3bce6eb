"""The fake's files: uploaded attachments per item and field, rich-text uploads, and the
cut-off downloads a test can ask for. Hung off the ``Store`` lazily (``files_of(store)``).

A ``multi_file`` field's value in the item is the list the platform answers (``uuid``,
``name``, ``size``, ``type``, ``url``); the bytes live here, by uuid.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from .store import Store

__all__ = [
    "MAX_FILES_PER_FIELD",
    "MAX_FILE_BYTES",
    "FileAnswer",
    "FileState",
    "FormFile",
    "StoredFile",
    "files_of",
    "parse_multipart",
    "seed_files",
]

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_FILES_PER_FIELD = 50


@dataclass
class FormFile:
    """The file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass(eq=False)
class StoredFile:
    """An uploaded file: its bytes and where it belongs (``work_item_id`` 0: a rich-text one)."""

    uuid: str
    name: str
    content_type: str
    data: bytes
    project_key: str
    work_item_id: int = 0
    field_key: str = ""
    index: int | None = None

    def meta(self) -> dict[str, Any]:
        """The entry of a ``multi_file`` field value."""
        return {
            "uuid": self.uuid,
            "name": self.name,
            "size": len(self.data),
            "type": self.content_type,
            "url": f"https://fake.meegle.local/file/{self.uuid}",
        }


@dataclass
class FileAnswer:
    """A handler's binary answer: the bytes, their name and type, and where to cut them off
    (``cut_at`` bytes sent, then the connection drops; ``None``: all of them)."""

    data: bytes
    filename: str
    content_type: str
    cut_at: int | None = None


@dataclass
class FileState:
    """Every stored file by uuid, and the downloads still to cut off."""

    files: dict[str, StoredFile] = field(default_factory=dict)
    streams: dict[str, StoredFile] = field(default_factory=dict)
    bound: set[str] = field(default_factory=set)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    cut_downloads: int = 0
    cut_fraction: float = 0.5
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _comment_ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(7_700_000_001)
    )

    def new_comment_id(self) -> int:
        """A fresh file comment id."""
        return next(self._comment_ids)

    def new_uuid(self) -> str:
        """A fresh attachment uuid."""
        return f"file_{next(self._ids):012x}"

    def cut_next_downloads(self, times: int = 1, *, at: float = 0.5) -> None:
        """Cut off the next ``times`` downloads after ``at`` (a fraction) of their bytes."""
        if times < 0 or not 0.0 <= at < 1.0:
            raise ValueError("times must be >= 0 and at in [0, 1)")
        self.cut_downloads = times
        self.cut_fraction = at

    def answer(self, stored: StoredFile) -> FileAnswer:
        """The binary answer for ``stored``, cut off if one is pending."""
        cut: int | None = None
        if self.cut_downloads > 0:
            self.cut_downloads -= 1
            cut = int(len(stored.data) * self.cut_fraction)
        return FileAnswer(stored.data, stored.name, stored.content_type, cut)


def seed_files(store: Store, *, items: int = 10, seed: int = 0) -> int:
    """Attach one to three small files to each of the first ``items`` stories and bugs that
    have an attachment field (for dry runs); returns how many files were added."""
    import random

    rng = random.Random(seed)
    state = files_of(store)
    added = 0
    for item in list(store.items.values())[:items]:
        space = store.spaces[item.project_key]
        fconf = next(
            (f for f in space.types[item.type_key].fields.values() if f.type_key == "multi_file"),
            None,
        )
        if fconf is None:
            continue
        values = list(item.values.get(fconf.key) or [])
        for n in range(rng.randint(1, 3)):
            stored = StoredFile(
                uuid=state.new_uuid(),
                name=f"{item.id}-{n}.bin",
                content_type="application/octet-stream",
                data=rng.randbytes(rng.randint(1, 64 * 1024)),
                project_key=item.project_key,
                work_item_id=item.id,
                field_key=fconf.key,
            )
            state.files[stored.uuid] = stored
            values.append(stored.meta())
            added += 1
        item.values[fconf.key] = values
    return added


def files_of(store: Store) -> FileState:
    """The file state of ``store`` (made on first use)."""
    state: FileState | None = getattr(store, "_file_state", None)
    if state is None:
        state = FileState()
        store._file_state = state  # type: ignore[attr-defined]
    return state


_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_multipart(raw: bytes, content_type: str) -> dict[str, Any] | None:
    """A ``multipart/form-data`` body as ``{name: str or FormFile}``; ``None`` if malformed."""
    found = _BOUNDARY.search(content_type)
    if not found:
        return None
    delimiter = b"--" + str(found.group(1)).encode()
    chunks = raw.split(delimiter)
    if len(chunks) < 3:
        return None
    out: dict[str, Any] = {}
    for chunk in chunks[1:-1]:
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        head, sep, body = chunk.partition(b"\r\n\r\n")
        if not sep:
            return None
        if body.endswith(b"\r\n"):
            body = body[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            header, _, value = line.partition(":")
            headers[header.strip().lower()] = value.strip()
        params = dict(_PARAM.findall(headers.get("content-disposition", "")))
        part_name = params.get("name")
        if not part_name:
            return None
        if "filename" in params:
            out[part_name] = FormFile(
                params["filename"],
                headers.get("content-type", "application/octet-stream"),
                body,
            )
        else:
            out[part_name] = body.decode("utf-8", "replace")
    return out
