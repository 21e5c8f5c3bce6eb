"""Files over the transport: multipart uploads and binary (non-JSON) answers.

Both go through ``Transport._attempts`` like every JSON call, so they share its limiter,
retries, token renewal, idempotency key and error mapping. What is particular to files lives
here:

- ``Upload`` is the file to send. Bytes, a path and a seekable binary file object can be
  replayed, so a failed upload is retried; an unseekable stream is sent once and not retried.
- ``DownloadSink`` receives a binary answer: into memory, or streamed to a path (through a
  temporary name renamed when complete, so a cut-off download never leaves a partial file)
  or into an open file, in bounded memory. An answer that is the JSON envelope instead of
  bytes is decoded as usual, so an error becomes the usual typed ``Meegle*Error``.
"""

from __future__ import annotations

import hashlib
import io
import json as jsonlib
import mimetypes
import os
import re
import uuid as uuidlib
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote

import aiohttp
import attrs
from yarl import URL

from ..errors import MeegleError, MeegleValidationError
from .checks import check_header_value, dumps_json
from .options import clean_query
from .response import RawResponse
from .session import CallOptions, Transport
from .urls import build_path

__all__ = [
    "MAX_UPLOAD_BYTES",
    "DownloadSink",
    "FileInput",
    "Progress",
    "Upload",
    "filename_from_disposition",
    "send_file_call",
]

#: The platform's limit for one uploaded or downloaded file: 100 MiB.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
#: What ``attachments.upload`` accepts as ``file``.
FileInput = bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes]
#: ``progress(done_bytes, total_bytes_or_None)``, called as a download advances.
Progress = Callable[[int, int | None], None]

_CHUNK = 256 * 1024


class _NoClose(io.RawIOBase):
    """A view of the caller's file that aiohttp may "close" without closing the caller's file."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


@attrs.define(kw_only=True)
class Upload:
    """A file to upload, with its name, MIME type and size (``None`` when unknown).

    Use ``Upload.of(file, ...)``; it checks the size before anything is sent.
    """

    filename: str
    content_type: str
    size: int | None
    replayable: bool
    _data: bytes | None = attrs.field(default=None, repr=False)
    _path: Path | None = None
    _stream: IO[bytes] | None = attrs.field(default=None, repr=False)
    _start: int = 0
    _sent: bool = attrs.field(default=False, repr=False)

    @classmethod
    def of(
        cls,
        file: FileInput,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        max_bytes: int = MAX_UPLOAD_BYTES,
        limit_name: str = "100 MiB",
    ) -> Upload:
        """Describe ``file`` (bytes, a path, or a binary file object) for upload.

        Raises:
            MeegleValidationError: an empty file, one over ``max_bytes``, a path that is not a
                file, a text-mode file, or another type.
        """
        data: bytes | None = None
        path: Path | None = None
        stream: IO[bytes] | None = None
        start = 0
        size: int | None
        replayable = True
        if isinstance(file, (bytes, bytearray, memoryview)):
            data = bytes(file)
            size = len(data)
        elif isinstance(file, (str, os.PathLike)):
            path = Path(file)
            if not path.is_file():
                raise MeegleValidationError(f"file: {str(path)!r} is not a readable file")
            size = path.stat().st_size
            filename = filename or path.name
        elif hasattr(file, "read"):
            if isinstance(file, io.TextIOBase):  # type: ignore[unreachable]
                raise MeegleValidationError("file: open the file in binary mode ('rb')")
            stream = file
            name = getattr(file, "name", None)
            if not filename and isinstance(name, str) and name:
                filename = os.path.basename(name)
            try:
                seekable = bool(file.seekable())
            except (AttributeError, OSError, ValueError):
                seekable = False
            if seekable:
                start = file.tell()
                size = file.seek(0, os.SEEK_END) - start
                file.seek(start)
            else:
                size = None
                replayable = False
        else:
            raise MeegleValidationError(
                f"file must be bytes, a path or a binary file object, not {type(file).__name__}"
            )
        if size is not None and size == 0:
            raise MeegleValidationError("file is empty: the platform refuses empty files")
        if size is not None and size > max_bytes:
            raise MeegleValidationError(f"file is {size} bytes, over the limit ({limit_name})")
        if filename is not None and (not isinstance(filename, str) or not filename.strip()):
            raise MeegleValidationError("filename must be a non-empty string")
        name = filename or "file"
        if content_type is None:
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        elif not isinstance(content_type, str) or "/" not in content_type:
            raise MeegleValidationError(f"content_type must be a MIME type, not {content_type!r}")
        return cls(
            filename=name,
            content_type=content_type,
            size=size,
            replayable=replayable,
            data=data,
            path=path,
            stream=stream,
            start=start,
        )

    def payload(self) -> Any:
        """The file part's body for one attempt (a fresh read of the file)."""
        if self._data is not None:
            return self._data
        if self._path is not None:
            return self._path.open("rb")  # aiohttp closes it once sent
        assert self._stream is not None
        if self.replayable:
            self._stream.seek(self._start)
        elif self._sent:
            raise MeegleValidationError(
                "the upload needs another attempt, but an unseekable stream can be sent only "
                "once: pass bytes, a path or a seekable file to allow retries"
            )
        self._sent = True
        return io.BufferedReader(_NoClose(self._stream), _CHUNK)

    def form(self, fields: Mapping[str, str]) -> aiohttp.FormData:
        """A multipart body: the form ``fields`` and then the file as part ``file``."""
        form = aiohttp.FormData(quote_fields=False)
        for name, value in fields.items():
            form.add_field(name, value)
        form.add_field(
            "file", self.payload(), filename=self.filename, content_type=self.content_type
        )
        return form


_DISPOSITION_STAR = re.compile(r"filename\*\s*=\s*([^']*)'[^']*'([^;]+)", re.IGNORECASE)
_DISPOSITION = re.compile(r'filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))', re.IGNORECASE)


def filename_from_disposition(value: str | None) -> str | None:
    """The file name of a ``Content-Disposition`` header (``filename*`` preferred), reduced to
    its last path part so that it cannot point outside a directory; ``None`` if there is none."""
    if not value:
        return None
    name: str | None = None
    star = _DISPOSITION_STAR.search(value)
    if star:
        encoding = star.group(1).strip() or "utf-8"
        try:
            name = unquote(star.group(2).strip().strip('"'), encoding=encoding)
        except LookupError:
            name = unquote(star.group(2).strip().strip('"'))
    else:
        plain = _DISPOSITION.search(value)
        if plain:
            name = plain.group(1) if plain.group(1) is not None else plain.group(2).strip()
            name = name.replace('\\"', '"')
    if name is None:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name in ("", ".", ".."):
        return None
    return name


class DownloadSink:
    """Where a binary answer goes: memory (``to=None``), a path, or an open binary file.

    A path is written through a temporary file next to it and renamed when the whole answer has
    arrived; a cut-off attempt removes it, and the next attempt starts afresh. An open file is
    rewound to where it was before each attempt (an unseekable one allows no retry).
    """

    def __init__(self, to: str | os.PathLike[str] | IO[bytes] | None, progress: Progress | None):
        self.path: Path | None = None
        self.file: IO[bytes] | None = None
        self._start = 0
        self.replayable = True
        if to is None:
            pass
        elif isinstance(to, (str, os.PathLike)):
            self.path = Path(to)
        elif hasattr(to, "write"):
            self.file = to
            try:
                self._start = to.tell() if to.seekable() else 0
                self.replayable = bool(to.seekable())
            except (AttributeError, OSError, ValueError):
                self.replayable = False
        else:
            raise MeegleValidationError(
                f"to must be a path or a binary file open for writing, not {type(to).__name__}"
            )
        self.progress = progress
        self.filename: str | None = None
        self.content_type: str | None = None
        self.size = 0
        self.sha256 = ""
        self.content = b""
        self.result_path: Path | None = None

    def _target(self) -> Path:
        assert self.path is not None
        if self.path.is_dir():
            return self.path / (self.filename or "download")
        return self.path

    async def __call__(self, resp: aiohttp.ClientResponse) -> bytes | None:
        """Read one attempt's answer: JSON (an error envelope) is handed back for decoding."""
        ctype = resp.headers.get("Content-Type", "")
        if resp.status != 200:
            return await resp.read()
        chunks: AsyncIterator[bytes]
        if ctype.split(";", 1)[0].strip().lower() == "application/json":
            # An error envelope, or a JSON file that was uploaded as application/json.
            raw = await resp.read()
            if _is_envelope(raw):
                return raw
            chunks = _just(raw)
        else:
            chunks = resp.content.iter_chunked(_CHUNK)
        self.filename = filename_from_disposition(resp.headers.get("Content-Disposition"))
        self.content_type = ctype or None
        total = resp.content_length
        digest = hashlib.sha256()
        done = 0
        buffer = io.BytesIO() if self.path is None and self.file is None else None
        tmp: Path | None = None
        out: IO[bytes] | None = None
        try:
            if self.path is not None:
                target = self._target()
                tmp = target.with_name(f".{target.name}.{uuidlib.uuid4().hex[:8]}.part")
                out = _open_write(tmp)
            elif self.file is not None:
                out = self.file
                if self.replayable:
                    _io(lambda: (out.seek(self._start), out.truncate()))
            if self.progress is not None:
                self.progress(0, total)
            async for chunk in chunks:
                digest.update(chunk)
                done += len(chunk)
                if buffer is not None:
                    buffer.write(chunk)
                else:
                    assert out is not None
                    _io(lambda c=chunk: out.write(c))  # type: ignore[misc]
                if self.progress is not None:
                    self.progress(done, total)
            if total is not None and done != total:
                raise aiohttp.ClientPayloadError(f"answer cut off at {done} of {total} bytes")
            if tmp is not None:
                assert out is not None
                out.close()
                target = self._target()
                _io(lambda: os.replace(tmp, target))  # type: ignore[arg-type]
                tmp = None
                self.result_path = target
        finally:
            if tmp is not None:
                if out is not None:
                    out.close()
                tmp.unlink(missing_ok=True)
        self.size = done
        self.sha256 = digest.hexdigest()
        self.content = buffer.getvalue() if buffer is not None else b""
        return None


def _is_envelope(raw: bytes) -> bool:
    """Whether a JSON answer is the OpenAPI envelope (``err_code``) rather than a file."""
    try:
        body = jsonlib.loads(raw)
    except ValueError:
        return False
    return isinstance(body, dict) and ("err_code" in body or "error" in body)


async def _just(raw: bytes) -> AsyncIterator[bytes]:
    yield raw


def _open_write(path: Path) -> IO[bytes]:
    try:
        return path.open("wb")
    except OSError as exc:
        raise MeegleError(f"cannot write the download to {str(path)!r}: {exc.strerror}") from None


def _io(action: Callable[[], object]) -> None:
    """Run a local file operation; its failure is ours to report, not a network failure."""
    try:
        action()
    except OSError as exc:
        raise MeegleError(f"cannot write the download: {exc.strerror or exc}") from None


async def send_file_call(
    transport: Transport,
    options: CallOptions,
    *,
    endpoint: str,
    method: str,
    path: str,
    path_params: Mapping[str, object] | None = None,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    upload: Upload | None = None,
    fields: Mapping[str, str] | None = None,
    sink: DownloadSink | None = None,
    write: bool,
    idempotency_key: str | None = None,
) -> RawResponse:
    """Send one call with a multipart ``upload`` (plus form ``fields``) or a JSON body, reading
    a binary answer into ``sink``; everything else as ``Transport.send``.

    An upload that cannot be replayed (an unseekable stream), or a download into an unseekable
    file, gets no retry.
    """
    transport._check_open()
    url = URL(transport.base_url + build_path(path, path_params), encoded=True)
    if idempotency_key is not None:
        idem: str | None = check_header_value(idempotency_key, "idempotency_key")
    else:
        idem = str(uuidlib.uuid4()) if write else None
    if transport.auth is None:
        raise MeegleValidationError(
            "no credentials: pass plugin_id and plugin_secret, plugin_token or user_token"
        )
    if transport.auth.uses_user_key and options.user_key is None:
        raise MeegleValidationError(
            "user_key is required with a plugin token (it becomes X-User-Key): pass "
            "user_key= to MeegleClient or with_options(), or set MEEGLE_USER_KEY"
        )
    body: Any
    if upload is not None:
        form_fields = dict(fields or {})

        def body() -> aiohttp.FormData:
            return upload.form(form_fields)

        if not upload.replayable:
            options = attrs.evolve(options, max_retries=0)
    else:
        body = None if json is None else dumps_json(json)
    if sink is not None and not sink.replayable:
        options = attrs.evolve(options, max_retries=0)
    # A file takes as long as it takes: the client's timeout bounds each read, not the whole.
    per_read = options.timeout.total or options.timeout.sock_read
    options = attrs.evolve(
        options,
        timeout=aiohttp.ClientTimeout(
            total=None, connect=options.timeout.connect, sock_read=per_read
        ),
    )
    return await transport._attempts(
        endpoint=endpoint,
        method=method.upper(),
        url=url,
        query=clean_query(params),
        body=body,
        idem=idem,
        options=options,
        reader=sink,
    )
