"""``meegle-async export``: resumable bulk export of work items, change logs and subtasks.

Three exports, each to JSON Lines (one ``to_dict(model)`` per line) or CSV (``--format csv``,
the flat columns in :data:`CSV_COLUMNS`):

``export details --project P --type T (--ids-file F | --ids 1,2,3 | --all [--updated-since D])``
    work item details, 50 ids a request with ``--concurrency`` requests in flight, written in
    input order. ``--all`` lists the ids of every item of the type (updated since ``D``) with
    ``client.work_items.iter_filter`` first, saves them beside the output, then exports them;
    the checkpoint exists while it lists, and a run interrupted then lists again on resume.
``export change-log --project P (--ids-file F | --ids ...) [--since D] [--until D]``
    the change log of the items, 50 ids a request, in 7-day windows when a range is given.
``export tasks [--project P ...] [--status 0|1] [--since D] [--until D]``
    subtasks across spaces, created in the range, past the 5000-result cap of the search.

Each export commits after every chunk or page (lines fsync'ed, then the checkpoint
``OUT.checkpoint.json`` replaced atomically; :mod:`.checkpoint`), so an interrupted run (Ctrl-C,
a crash, a lost network) continues with ``--resume`` without a line twice or a line missing.
Ids that could not be exported go to ``OUT.failed.txt`` (``id<TAB>err_code<TAB>message<TAB>
log_id``; the file can be given back as ``--ids-file``).

Exit codes: 0 done; 1 done with failed ids, or stopped by an error (checkpoint kept: resume);
2 bad usage (nothing sent); 130 interrupted (checkpoint saved: resume). A failed write (a full
disk) is such an error: one line names the file and the reason, the checkpoint stays the last
good one, and the resume command follows. The resume command never shows the values of
``--plugin-secret`` or ``--user-key``: it names the ``MEEGLE_*`` variables to set instead.
A resumed run's progress counts the earlier run's items, its rate only its own.

Example::

    export MEEGLE_PLUGIN_ID=... MEEGLE_PLUGIN_SECRET=... MEEGLE_USER_KEY=...
    meegle-async export details --project space --type story --ids-file ids.txt \\
        --out items.jsonl
    meegle-async export details --project space --type story --ids-file ids.txt \\
        --out items.jsonl --resume
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import shlex
import sys
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._text import is_digits
from .checkpoint import (
    CheckpointError,
    ExportFiles,
    OutputError,
    atomic_write_text,
    checkpoint_path,
    failed_path,
    load_checkpoint,
)
from .credentials import (
    MissingCredentials,
    add_credential_flags,
    client_from_args,
    missing_credentials,
)
from .interrupt import cancel_on_signals
from .progress import Progress

if TYPE_CHECKING:
    from ..client import MeegleClient
    from ..models import OpRecord, TaskSearchItem, WorkItem

__all__ = [
    "CSV_COLUMNS",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "UsageError",
    "parse_time",
    "register",
    "run",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

CHUNK = 50
DAY_MS = 24 * 3600 * 1000
#: Error codes that concern the ids of one request, not the whole export: that request's ids are
#: listed as failed (after narrowing them down) and the export goes on.
ITEM_ERROR_CODES = frozenset({30005, 20014, 1000050244})
_PROG = "meegle-async export"


class UsageError(Exception):
    """Bad command-line input, found before anything is sent (exit code 2)."""


# -- arguments -------------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    """Add the ``export`` command and its ``details``, ``change-log`` and ``tasks`` kinds."""
    parser = subparsers.add_parser(
        "export",
        help="resumable bulk export of work items, change logs or subtasks to JSONL or CSV",
        description=(
            "Export work item details, change logs or subtasks to JSON Lines or CSV, with "
            "progress, a checkpoint after every chunk and --resume after an interruption. "
            "Credentials come from MEEGLE_* variables or flags; --fake runs against an "
            "embedded fake Meegle. Exit codes: 0 done, 1 failed ids or stopped by an error, "
            "2 bad usage, 130 interrupted."
        ),
    )
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)

    common = argparse.ArgumentParser(add_help=False)
    out = common.add_argument_group("output")
    out.add_argument("--out", "-o", type=Path, required=True, help="the output file")
    out.add_argument(
        "--format", choices=("jsonl", "csv"), default="jsonl", help="jsonl (default) or csv"
    )
    out.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted export from OUT.checkpoint.json",
    )
    out.add_argument("--force", action="store_true", help="overwrite OUT (and drop its checkpoint)")
    out.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    run_group = common.add_argument_group("run")
    run_group.add_argument(
        "--concurrency",
        type=_positive,
        default=4,
        metavar="N",
        help="chunks in flight for details and change-log (4); rate limits hold either way",
    )
    run_group.add_argument(
        "--fake",
        action="store_true",
        help="dry run against an embedded, seeded fake Meegle (space_demo, types story/bug)",
    )
    run_group.add_argument(
        "--fake-items",
        type=_positive,
        default=100,
        metavar="N",
        help="work items the --fake server seeds (100)",
    )
    add_credential_flags(common)

    details = kinds.add_parser(
        "details",
        parents=[common],
        help="work item details by id, or every item of a type",
        description="Work item details, in input order, 50 ids a request.",
    )
    _project_type(details)
    source = details.add_mutually_exclusive_group(required=True)
    source.add_argument("--ids-file", type=Path, metavar="FILE", help="one id per line")
    source.add_argument("--ids", metavar="1,2,3", help="comma-separated ids")
    source.add_argument(
        "--all",
        action="store_true",
        help="every item of the type (listed with work_items.iter_filter)",
    )
    details.add_argument(
        "--updated-since",
        metavar="DATE",
        help="with --all: only items updated since DATE (2025-01-31, ISO time, or ms)",
    )
    details.add_argument(
        "--fields",
        metavar="KEYS",
        help="comma-separated field keys to return (a,b) or to leave out (-a,-b)",
    )
    details.add_argument(
        "--csv-field",
        action="append",
        default=[],
        metavar="KEY",
        help="with --format csv: add a column with this field's value (repeatable)",
    )
    details.set_defaults(handler=run, export_parser=details)

    log = kinds.add_parser(
        "change-log",
        parents=[common],
        help="change-log records of work items",
        description="Every change-log record of the work items, 50 ids a request.",
    )
    log.add_argument("--project", metavar="P", help="space project_key or simple_name")
    log_source = log.add_mutually_exclusive_group(required=True)
    log_source.add_argument("--ids-file", type=Path, metavar="FILE", help="one id per line")
    log_source.add_argument("--ids", metavar="1,2,3", help="comma-separated ids")
    _range_flags(log, "records")
    log.set_defaults(handler=run, export_parser=log)

    tasks = kinds.add_parser(
        "tasks",
        parents=[common],
        help="subtasks across spaces",
        description="Every subtask matching the filters, created in the range.",
    )
    tasks.add_argument(
        "--project",
        action="append",
        default=[],
        metavar="P",
        help="space project_key (repeatable; default: every space the plugin is in)",
    )
    tasks.add_argument(
        "--status", type=int, choices=(0, 1), help="0 in progress, 1 completed (default both)"
    )
    _range_flags(tasks, "subtasks created")
    tasks.set_defaults(handler=run, export_parser=tasks)

    from .export_attachments import register_kind

    register_kind(kinds, common)

    from . import export_more  # more kinds (comments), in their own module

    export_more.register(kinds, common)


def _project_type(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", metavar="P", help="space project_key or simple_name")
    parser.add_argument("--type", metavar="T", help="work item type key (story, bug, ...)")


def _range_flags(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--since", metavar="DATE", help=f"{what} at or after DATE (2025-01-31, ISO time, ms)"
    )
    parser.add_argument(
        "--until", metavar="DATE", help=f"{what} up to DATE, inclusive (a date: its whole day)"
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, not {text}")
    return value


def parse_time(text: str, *, end: bool = False) -> int:
    """A command-line time as 13-digit milliseconds (UTC unless the text has an offset).

    ``2025-01-31`` is that day's first millisecond, or with ``end`` its last; ``2025-01-31T08:00``
    and ``2025-01-31T08:00:00+08:00`` are ISO times; a 13-digit number is taken as milliseconds
    and a 10-digit one as seconds.

    Raises:
        UsageError: the text is none of these.
    """
    value = text.strip()
    if is_digits(value):
        if len(value) == 13:
            return int(value)
        if len(value) == 10:
            return int(value) * 1000
        raise UsageError(f"{text!r}: a timestamp has 13 digits (ms) or 10 (seconds)")
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
            ms = int(moment.timestamp() * 1000)
            return ms + DAY_MS - 1 if end else ms
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{text!r} is not a date (2025-01-31), an ISO time (2025-01-31T08:00:00Z) "
            "or a 13-digit ms timestamp"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return int(moment.timestamp() * 1000)


# -- ids -------------------------------------------------------------------------------------


def _parse_id(token: str, where: str) -> int:
    if not is_digits(token) or int(token) < 1:
        raise UsageError(f"{where}: {token!r} is not a work item id (a positive integer)")
    return int(token)


def _file_ids(path: Path) -> Iterator[int]:
    """The ids of an ids file: the first word of each line; ``#`` starts a comment."""
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    with fh:
        for n, line in enumerate(fh, 1):
            words = line.split("#", 1)[0].split()
            if words:
                yield _parse_id(words[0].rstrip(","), f"{path}:{n}")


@dataclass
class IdSource:
    """Ids in input order, read again from their file when walked (memory stays flat)."""

    count: int
    sha256: str
    path: Path | None = None
    ids: list[int] | None = None

    @classmethod
    def from_list(cls, ids: list[int]) -> IdSource:
        return cls(len(ids), _digest(ids), ids=ids)

    @classmethod
    def from_file(cls, path: Path) -> IdSource:
        h = hashlib.sha256()
        count = 0
        for i in _file_ids(path):
            h.update(b"%d\n" % i)
            count += 1
        return cls(count, h.hexdigest(), path=path)

    def iter_from(self, position: int) -> Iterator[int]:
        """The ids after the first ``position``."""
        ids: Iterable[int] = self.ids if self.ids is not None else _file_ids(self.path or Path())
        for n, i in enumerate(ids):
            if n >= position:
                yield i


def _digest(ids: Iterable[int]) -> str:
    h = hashlib.sha256()
    for i in ids:
        h.update(b"%d\n" % i)
    return h.hexdigest()


def _chunks(ids: Iterator[int], size: int = CHUNK) -> Iterator[list[int]]:
    chunk: list[int] = []
    for i in ids:
        chunk.append(i)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ids_path(out: Path) -> Path:
    """Where ``--all`` keeps the ids it listed: ``items.jsonl`` -> ``items.jsonl.ids.txt``."""
    return out.with_name(out.name + ".ids.txt")


# -- CSV -------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, Mapping) and "label" in value and set(value) <= {"label", "value"}:
        return str(value["label"])
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
            return "|".join(str(v) for v in value)
        if all(isinstance(v, Mapping) and "label" in v for v in value):
            return "|".join(str(v["label"]) for v in value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


Row = Callable[[Any], Any]


def _details_columns(d: Mapping[str, Any]) -> dict[str, Any]:
    status = d.get("work_item_status") or {}
    fields = {
        f.get("field_key"): f.get("field_value")
        for f in d.get("fields") or ()
        if isinstance(f, Mapping)
    }
    return {
        "id": d.get("id"),
        "name": d.get("name"),
        "project_key": d.get("project_key"),
        "simple_name": d.get("simple_name"),
        "work_item_type_key": d.get("work_item_type_key"),
        "template_id": d.get("template_id"),
        "template_type": d.get("template_type"),
        "pattern": d.get("pattern"),
        "sub_stage": d.get("sub_stage"),
        "state_key": status.get("state_key") if isinstance(status, Mapping) else None,
        "current_nodes": [n.get("id") for n in d.get("current_nodes") or () if n.get("id")],
        "created_by": d.get("created_by"),
        "created_at": d.get("created_at"),
        "updated_by": d.get("updated_by"),
        "updated_at": d.get("updated_at"),
        "deleted_by": d.get("deleted_by"),
        "deleted_at": d.get("deleted_at"),
        "fields_json": _json(fields) if fields else "",
    }


def _change_log_columns(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "work_item_id": d.get("work_item_id"),
        "project_key": d.get("project_key"),
        "work_item_type_key": d.get("work_item_type_key"),
        "operation_time": d.get("operation_time"),
        "operation_type": d.get("operation_type"),
        "operator": d.get("operator"),
        "operator_type": d.get("operator_type"),
        "op_record_module": d.get("op_record_module"),
        "source_type": d.get("source_type"),
        "source": d.get("source"),
        "record_contents": _json(d.get("record_contents")),
    }


def _tasks_columns(d: Mapping[str, Any]) -> dict[str, Any]:
    task = d.get("sub_task") or {}
    schedules = task.get("schedules") or [{}]
    first = schedules[0] if isinstance(schedules[0], Mapping) else {}
    return {
        "task_id": task.get("id"),
        "task_name": task.get("name"),
        "work_item_id": d.get("work_item_id"),
        "work_item_name": d.get("work_item_name"),
        "node_id": d.get("node_id"),
        "passed": task.get("passed"),
        "owners": task.get("owners"),
        "assignee": task.get("assignee"),
        "estimate_start_date": first.get("estimate_start_date"),
        "estimate_end_date": first.get("estimate_end_date"),
        "actual_begin_time": task.get("actual_begin_time"),
        "actual_finish_time": task.get("actual_finish_time"),
        "note": task.get("note"),
    }


_COLUMN_FUNCS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "details": _details_columns,
    "change-log": _change_log_columns,
    "tasks": _tasks_columns,
}
#: The CSV columns of each export kind, in order (``details`` adds one per ``--csv-field``).
CSV_COLUMNS: dict[str, list[str]] = {
    kind: list(func({}).keys()) for kind, func in _COLUMN_FUNCS.items()
}


class LineEncoder:
    """Turns a model into one output line (bytes, ending with ``\\n``)."""

    def __init__(self, kind: str, fmt: str, csv_fields: Sequence[str] = ()) -> None:
        self.kind = kind
        self.fmt = fmt
        self.csv_fields = list(csv_fields)

    def header(self) -> bytes:
        """The CSV header line (nothing for JSON Lines)."""
        if self.fmt != "csv":
            return b""
        return self._csv_row(CSV_COLUMNS[self.kind] + self.csv_fields)

    def line(self, model: Any) -> bytes:
        """One record's line."""
        from .. import to_dict

        data = to_dict(model)
        if self.fmt != "csv":
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            return text.encode("utf-8") + b"\n"
        cells = [_cell(v) for v in _COLUMN_FUNCS[self.kind](data).values()]
        cells += [_cell(model.field(key)) for key in self.csv_fields]
        return self._csv_row(cells)

    @staticmethod
    def _csv_row(cells: Sequence[str]) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cells)
        return buf.getvalue().encode("utf-8")


# -- errors ----------------------------------------------------------------------------------


def describe_error(err: BaseException) -> str:
    """``err_code 30005: message (log id ...)`` for API errors; the text for others."""
    from ..errors import MeegleAPIError

    if isinstance(err, MeegleAPIError):
        if err.code is not None:
            code = f"err_code {err.code}: "
        elif err.http_status is not None:
            code = f"HTTP {err.http_status}: "
        else:  # found by the client (a page that does not advance): no status to show
            code = ""
        where = f" [{err.endpoint}]" if err.endpoint else ""
        return f"{code}{err.message} (log id {err.log_id or '-'}){where}"
    if isinstance(err, OutputError):
        return str(err)
    return f"{type(err).__name__}: {err}"


def _failed_line(work_item_id: int, err: BaseException | str) -> str:
    from ..errors import MeegleAPIError

    if isinstance(err, MeegleAPIError):
        code, message, log_id = str(err.code or "-"), err.message, err.log_id or "-"
    else:
        code, message, log_id = "-", str(err), "-"
    message = " ".join(message.split())
    return f"{work_item_id}\t{code}\t{message}\t{log_id}\n"


def _is_item_error(err: BaseException) -> bool:
    """Whether the error concerns the ids of the request (listed as failed) or the whole run."""
    from ..errors import MeegleAPIError, MeeglePermissionError

    if not isinstance(err, MeegleAPIError):
        return False
    return err.code in ITEM_ERROR_CODES or isinstance(err, MeeglePermissionError)


class _Fatal(Exception):
    """Stops the export; the checkpoint stays for ``--resume``."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(describe_error(cause))
        self.cause = cause


# -- the job ---------------------------------------------------------------------------------


@dataclass
class Job:
    """Everything a run needs, checked before anything is sent."""

    kind: str
    out: Path
    fmt: str
    params: dict[str, Any]
    resume: dict[str, Any] | None
    project: str | None = None
    type_key: str | None = None
    ids: IdSource | None = None
    listing: bool = False
    updated_since: int | None = None
    fields: list[str] | None = None
    csv_fields: list[str] = field(default_factory=list)
    since: int | None = None
    until: int | None = None
    projects: list[str] = field(default_factory=list)
    status: int | None = None
    concurrency: int = 4


def _make_job(args: argparse.Namespace) -> Job:
    kind: str = args.kind
    fake_project = fake_type = None
    if args.fake:
        from ..testing.seed import DEFAULT_PROJECT_KEY

        fake_project, fake_type = DEFAULT_PROJECT_KEY, "story"
    job = Job(
        kind=kind,
        out=args.out,
        fmt=args.format,
        params={"kind": kind, "format": args.format},
        resume=None,
        concurrency=args.concurrency,
    )
    out_dir = args.out.parent if str(args.out.parent) else Path(".")
    if not out_dir.is_dir():
        raise UsageError(f"directory {out_dir} does not exist")
    if args.out.is_dir():
        raise UsageError(f"--out {args.out} is a directory; give a file name")

    if kind in ("details", "change-log"):
        job.project = args.project or fake_project
        if not job.project:
            raise UsageError("--project is required (the space's project_key or simple_name)")
        job.params["project"] = job.project
    if kind == "details":
        job.type_key = args.type or fake_type
        if not job.type_key:
            raise UsageError("--type is required (the work item type key: story, bug, ...)")
        job.params["type"] = job.type_key
        if args.updated_since is not None and not args.all:
            raise UsageError("--updated-since goes with --all")
        if args.all:
            job.listing = True
            if args.updated_since is not None:
                job.updated_since = parse_time(args.updated_since)
            job.params["ids"] = {"all": True, "updated_since": job.updated_since}
        if args.fields:
            job.fields = [f.strip() for f in args.fields.split(",") if f.strip()]
            job.params["fields"] = job.fields
        if args.csv_field and args.format != "csv":
            raise UsageError("--csv-field goes with --format csv")
        job.csv_fields = list(args.csv_field)
        job.params["csv_fields"] = job.csv_fields
    if kind in ("details", "change-log") and not job.listing:
        if args.ids is not None:
            words = [w.strip() for w in args.ids.split(",") if w.strip()]
            job.ids = IdSource.from_list([_parse_id(w, "--ids") for w in words])
        else:
            job.ids = IdSource.from_file(args.ids_file)
        if job.ids.count == 0:
            raise UsageError("no work item ids given: the id list is empty")
        job.params["ids"] = {"count": job.ids.count, "sha256": job.ids.sha256}
    if kind in ("change-log", "tasks"):
        job.since = None if args.since is None else parse_time(args.since)
        job.until = None if args.until is None else parse_time(args.until, end=True)
        if job.since is not None and job.until is not None and job.until < job.since:
            raise UsageError(f"--until {args.until} is before --since {args.since}")
        job.params["since"], job.params["until"] = job.since, job.until
    if kind == "tasks":
        job.projects = list(args.project) or ([fake_project] if fake_project else [])
        job.status = args.status
        job.params["projects"], job.params["status"] = job.projects, job.status

    check_checkpoint(job, resume=args.resume, force=args.force)
    return job


def check_checkpoint(job: Job, *, resume: bool, force: bool) -> None:
    """Load the checkpoint of a ``--resume`` (it must belong to the same export), or refuse to
    overwrite an interrupted export or an existing file without ``--force``."""
    ckpt = checkpoint_path(job.out)
    if resume:
        try:
            job.resume = load_checkpoint(job.out)
        except CheckpointError as exc:
            raise UsageError(str(exc)) from None
        saved = job.resume.get("params") or {}
        if job.resume.get("kind") != job.kind or saved != json.loads(json.dumps(job.params)):
            changed = sorted(
                k for k in set(saved) | set(job.params) if saved.get(k) != job.params.get(k)
            )
            raise UsageError(
                f"{ckpt} belongs to another export (differs in: {', '.join(changed) or 'kind'}); "
                "resume with the same arguments, or start over with --force"
            )
    elif not force:
        if ckpt.exists():
            raise UsageError(
                f"{job.out} is an interrupted export ({ckpt} exists): add --resume to "
                "continue it, or --force to start over"
            )
        if job.out.exists():
            raise UsageError(f"{job.out} exists: choose another --out, or --force to replace it")


# -- running ---------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """Run one export; the exit code (0, 1, 2 or 130)."""
    parser: argparse.ArgumentParser = args.export_parser
    try:
        job = _make_job(args)
        missing = [] if args.fake else missing_credentials(args, os.environ)
        if missing:
            raise UsageError(
                "missing credentials:\n" + "\n".join(f"  - {line}" for line in missing)
            )
    except UsageError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    progress = Progress(sys.stderr, quiet=args.quiet)
    return asyncio.run(_main(job, args, progress))


@dataclass
class _Outcome:
    files: ExportFiles | None = None
    error: BaseException | None = None
    interrupted: bool = False
    usage: str | None = None
    #: Lines the output held when this run began (an earlier run's, when resuming).
    lines_before: int = 0


#: Flags whose values are secrets, and the variable to use instead. The resume line shows them
#: as ``"$VARIABLE"``, never their values.
SECRET_FLAGS = {"--plugin-secret": "MEEGLE_PLUGIN_SECRET", "--user-key": "MEEGLE_USER_KEY"}


def _secret_flag(word: str) -> str | None:
    """The secret flag ``word`` names, abbreviations included (argparse takes ``--plugin-s``)."""
    for flag in SECRET_FLAGS:
        # "--plugin-" and "--u" are ambiguous (argparse refuses them), so never a secret's.
        shortest = len("--plugin-s") if flag == "--plugin-secret" else len("--us")
        if len(word) >= shortest and flag.startswith(word):
            return flag
    return None


def _resume_command(argv: Sequence[str] | None = None) -> str:
    """The command line to resume with: ``--resume`` added, ``--force`` dropped, and the value
    of every secret flag replaced by ``"$MEEGLE_..."`` (expanded by the shell from the
    environment), followed by a note saying to set those variables."""
    words = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--force"]
    if "--resume" not in words:
        words.append("--resume")
    parts = ["meegle-async"]
    hidden: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        name, eq, _value = word.partition("=")
        flag = _secret_flag(name) if word.startswith("--") else None
        if flag is None:
            parts.append(shlex.quote(word))
            i += 1
            continue
        variable = SECRET_FLAGS[flag]
        hidden.append(variable)
        parts.append(f'{flag} "${variable}"')
        i += 1 if eq else 2  # --flag=value is one word; --flag value two
    line = " ".join(parts)
    if hidden:
        names = " and ".join(dict.fromkeys(hidden))
        line += (
            f"\n(secrets are not printed: set {names} in the environment, or leave those "
            "flags out once they are set)"
        )
    return line


async def _main(job: Job, args: argparse.Namespace, progress: Progress) -> int:
    outcome = _Outcome()
    task = asyncio.ensure_future(_export(job, args, progress, outcome))

    def interrupted() -> None:
        outcome.interrupted = True

    with cancel_on_signals(task, interrupted):
        try:
            await task
        except asyncio.CancelledError:
            outcome.interrupted = True
        except _Fatal as exc:
            outcome.error = exc.cause
    return _report(job, outcome, quiet=args.quiet)


def _report(job: Job, outcome: _Outcome, *, quiet: bool = False) -> int:
    err = sys.stderr
    files = outcome.files
    if outcome.usage is not None:
        print(f"{_PROG} {job.kind}: error: {outcome.usage}", file=err)
        return EXIT_USAGE
    written = "nothing written"
    if files is not None:
        lines = files.committed_lines if files.broken is not None else files.lines
        written = f"{lines:,} lines in {job.out}"
        if outcome.lines_before:
            written += f" ({lines - outcome.lines_before:,} in this run)"
    saved = "checkpoint saved to"
    if files is not None and files.broken is not None:
        saved = "the last good checkpoint kept in"
    if outcome.interrupted:
        if files is None:
            print(f"\n{_PROG}: interrupted before any line was written; run it again", file=err)
        else:
            print(
                f"\n{_PROG}: interrupted; {written}; {saved} "
                f"{files.checkpoint_file}.\nResume with: {_resume_command()}",
                file=err,
            )
        return EXIT_INTERRUPTED
    if outcome.error is not None:
        print(f"{_PROG}: error: {describe_error(outcome.error)}", file=err)
        if files is not None:
            print(
                f"{_PROG}: stopped; {written}; {saved} {files.checkpoint_file}.\n"
                f"Resume with: {_resume_command()}",
                file=err,
            )
        return EXIT_FAILED
    assert files is not None
    if not quiet:
        print(f"{_PROG}: wrote {written}", file=err)
    if files.failed:
        print(
            f"{_PROG}: {files.failed:,} ids failed; listed with their errors in "
            f"{files.failed_file}",
            file=err,
        )
        return EXIT_FAILED
    return EXIT_OK


async def _export(
    job: Job, args: argparse.Namespace, progress: Progress, outcome: _Outcome
) -> None:
    from ..client import MeegleClient
    from ..errors import MeegleError, MeegleValidationError

    fake: Any = None
    try:
        if args.fake:
            from ..testing import FakeMeegle

            fake = FakeMeegle(seed_items=args.fake_items, record_requests=False)
            await fake.start()
            if not args.quiet:
                print(
                    f"{_PROG}: dry run against the embedded fake Meegle at {fake.base_url} "
                    f"(space {fake.project_key}, {args.fake_items} seeded items)",
                    file=sys.stderr,
                )
            client = MeegleClient(
                base_url=fake.base_url,
                plugin_id=fake.plugin_id,
                plugin_secret=fake.plugin_secret,
                user_key=fake.user_key,
                trust_env=False,
            )
        else:
            try:
                client = client_from_args(args)
            except (MissingCredentials, MeegleValidationError) as exc:
                # A malformed value (an http:// URL to a remote host, ...): nothing was sent.
                outcome.usage = str(exc)
                return
        async with client:
            try:
                await _dispatch(job, client, progress, outcome)
            except MeegleError as exc:
                raise _Fatal(exc) from exc
            except OutputError as exc:
                # A full disk, a quota: one line and the resume command, no traceback.
                outcome.error = exc
    finally:
        if fake is not None:
            await fake.close()


async def _dispatch(job: Job, client: MeegleClient, progress: Progress, outcome: _Outcome) -> None:
    from . import export_more

    if job.kind in export_more.KINDS:
        await export_more.run_kind(job, client, progress, outcome)
    elif job.kind == "details":
        await _run_details(job, client, progress, outcome)
    elif job.kind == "change-log":
        await _run_change_log(job, client, progress, outcome)
    else:
        await _run_tasks(job, client, progress, outcome)


def _open_files(
    job: Job, encoder: LineEncoder, state: dict[str, Any], outcome: _Outcome
) -> ExportFiles:
    if job.resume is not None:
        try:
            files = ExportFiles.reopen(job.out, job.resume)
        except CheckpointError as exc:
            raise UsageError(str(exc)) from None
        state.update(job.resume.get("state") or {})
        outcome.lines_before = files.lines
        return files
    failed_path(job.out).unlink(missing_ok=True)
    checkpoint_path(job.out).unlink(missing_ok=True)
    files = ExportFiles.create(job.out, kind=job.kind, params=job.params, header=encoder.header())
    # A checkpoint from the start: a crash before the first chunk still leaves one to resume.
    files.commit(state)
    return files


@contextlib.asynccontextmanager
async def _committing(
    files: ExportFiles,
    state: dict[str, Any],
    outcome: _Outcome,
    sync: Callable[[], None] | None = None,
) -> AsyncIterator[None]:
    """Whatever stops the walk, commit what was written with the state it reached.

    ``sync`` brings ``state`` up to date first (for state kept elsewhere while walking).
    """
    outcome.files = files
    finished = False
    try:
        yield
        finished = True
    finally:
        if not finished:
            if sync is not None:
                sync()
            # After a failed write nothing more is committed: the checkpoint stays the last
            # good one. A commit or close failing here must not hide what stopped the walk.
            with contextlib.suppress(OutputError):
                files.commit(state)
            with contextlib.suppress(OutputError):
                files.close(finished=False)
        else:
            files.close(finished=True)


async def _ordered(
    sources: Iterator[Callable[[], AsyncIterator[Any]]], *, ahead: int, buffer: int = 4
) -> AsyncIterator[Any]:
    """Run up to ``ahead`` sources at once; yield their items source by source, in order.

    Each source fills its own bounded queue, so at most ``ahead * buffer`` items wait in memory
    however many sources there are; an error is raised when the walk reaches its source.
    """
    running: deque[tuple[asyncio.Queue[tuple[int, Any]], asyncio.Task[None]]] = deque()

    async def pump(
        source: Callable[[], AsyncIterator[Any]], q: asyncio.Queue[tuple[int, Any]]
    ) -> None:
        try:
            async for item in source():
                await q.put((0, item))
        except Exception as exc:
            await q.put((2, exc))
        else:
            await q.put((1, None))

    def start_next() -> bool:
        source = next(sources, None)
        if source is None:
            return False
        q: asyncio.Queue[tuple[int, Any]] = asyncio.Queue(maxsize=buffer)
        running.append((q, asyncio.ensure_future(pump(source, q))))
        return True

    try:
        while len(running) < ahead and start_next():
            pass
        while running:
            q, _ = running[0]
            while True:
                tag, value = await q.get()
                if tag == 0:
                    yield value
                elif tag == 1:
                    break
                else:
                    raise value
            running.popleft()
            start_next()
    finally:
        tasks = [t for _, t in running]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# -- details ---------------------------------------------------------------------------------


@dataclass
class _ChunkResult:
    ids: list[int]
    items: list[WorkItem]
    failures: list[tuple[int, BaseException | str]]


async def _list_ids(
    job: Job, client: MeegleClient, progress: Progress, saved: Mapping[str, Any] | None
) -> IdSource:
    """``--all``: the ids of every matching item, saved beside the output, or read back when
    an earlier run had finished listing them (``saved``: the checkpoint's ``ids``).

    A run interrupted while listing has a checkpoint without ``ids``: its resume lists again.
    """
    path = ids_path(job.out)
    if saved:
        source = IdSource.from_file(path) if path.exists() else None
        if source is None or source.sha256 != saved.get("sha256"):
            raise UsageError(
                f"{path} (the ids listed by the interrupted --all run) is missing or changed; "
                "start over with --force"
            )
        return source
    iter_filter = getattr(client.work_items, "iter_filter", None)
    if iter_filter is None:
        raise UsageError(
            "--all needs client.work_items.iter_filter (work item filter), which this "
            "meegle-async does not provide yet; pass the ids with --ids-file or --ids"
        )
    updated = None if job.updated_since is None else {"start": job.updated_since}
    ids: list[int] = []
    async with progress.bar("listing", None, unit="ids") as bar:
        async for item in iter_filter(
            job.project, work_item_type_keys=[job.type_key], updated_at=updated
        ):
            if item.id is not None:
                ids.append(item.id)
                bar.advance()
    atomic_write_text(path, "".join(f"{i}\n" for i in ids))
    return IdSource(len(ids), _digest(ids), path=path)


async def _fetch_chunk(job: Job, client: MeegleClient, ids: list[int]) -> _ChunkResult:
    assert job.project is not None
    assert job.type_key is not None
    try:
        items = await client.work_items.get_details(
            job.project, job.type_key, ids, fields=job.fields
        )
    except Exception as exc:
        if not _is_item_error(exc):
            raise
        if len(ids) == 1 or getattr(exc, "code", None) == 30005:
            # 30005 here means none of the ids exists: nothing to narrow down.
            return _ChunkResult(ids, [], [(i, exc) for i in ids])
        half = len(ids) // 2
        first = await _fetch_chunk(job, client, ids[:half])
        second = await _fetch_chunk(job, client, ids[half:])
        return _ChunkResult(ids, first.items + second.items, first.failures + second.failures)
    found = {item.id for item in items}
    missing: list[tuple[int, BaseException | str]] = [
        (i, f"not returned: no {job.type_key} {i} in {job.project}, or no access to it")
        for i in dict.fromkeys(ids)
        if i not in found
    ]
    return _ChunkResult(ids, items, missing)


async def _run_details(
    job: Job, client: MeegleClient, progress: Progress, outcome: _Outcome
) -> None:
    encoder = LineEncoder("details", job.fmt, job.csv_fields)
    state: dict[str, Any] = {"position": 0}
    if job.listing:
        state["ids"] = None  # set once listed: a checkpoint exists while listing, too
    try:
        files = _open_files(job, encoder, state, outcome)
    except UsageError as exc:
        outcome.usage = str(exc)
        return
    try:
        await _walk_details(job, client, progress, outcome, files, state, encoder)
    except UsageError as exc:  # the listed ids changed since: the checkpoint stays
        outcome.usage = str(exc)
        return
    if job.listing:
        ids_path(job.out).unlink(missing_ok=True)


async def _walk_details(
    job: Job,
    client: MeegleClient,
    progress: Progress,
    outcome: _Outcome,
    files: ExportFiles,
    state: dict[str, Any],
    encoder: LineEncoder,
) -> None:
    ids = job.ids
    async with _committing(files, state, outcome):
        if job.listing:
            ids = await _list_ids(job, client, progress, state.get("ids"))
            if state.get("ids") is None:
                state["ids"] = {"count": ids.count, "sha256": ids.sha256}
                files.commit(state)
        assert ids is not None
        position = int(state["position"])

        def sources() -> Iterator[Callable[[], AsyncIterator[_ChunkResult]]]:
            for chunk in _chunks(ids.iter_from(position)):

                async def one(chunk: list[int] = chunk) -> AsyncIterator[_ChunkResult]:
                    yield await _fetch_chunk(job, client, chunk)

                yield one

        async with progress.bar("details", ids.count, unit="ids") as bar:
            bar.resume_from(position)
            async for result in _ordered(sources(), ahead=job.concurrency):
                for item in result.items:
                    files.write_line(encoder.line(item))
                for work_item_id, err in result.failures:
                    files.write_failed(_failed_line(work_item_id, err))
                state["position"] = int(state["position"]) + len(result.ids)
                files.commit(state)
                bar.advance(len(result.ids))
                if files.failed:
                    bar.note(f"{files.failed} failed")


# -- change log ------------------------------------------------------------------------------


@dataclass
class _LogPage:
    chunk: int
    window: int
    records: list[OpRecord]
    next_cursor: str | None


@dataclass
class _ChunkEnd:
    chunk: int
    ids: list[int]
    error: BaseException | None = None


_LogEvent = _LogPage | _ChunkEnd


async def _run_change_log(
    job: Job, client: MeegleClient, progress: Progress, outcome: _Outcome
) -> None:
    from ..endpoints.work_items import CHANGE_LOG_EARLIEST_MS, CHANGE_LOG_MAX_SPAN_MS
    from ..helpers.pagination import CursorPage, iter_cursor
    from ..helpers.splitting import now_ms
    from ..helpers.windows import fixed_windows

    encoder = LineEncoder("change-log", job.fmt)
    ids = job.ids
    assert ids is not None
    assert job.project is not None
    project = job.project
    span: list[int] | None = None
    if job.since is not None or job.until is not None:
        # Fixed at the first run, so a resumed run walks the same windows.
        span = [
            job.since if job.since is not None else CHANGE_LOG_EARLIEST_MS,
            job.until if job.until is not None else now_ms(),
        ]
    state: dict[str, Any] = {"chunk": 0, "window": 0, "cursor": None, "range": span}
    try:
        files = _open_files(job, encoder, state, outcome)
    except UsageError as exc:
        outcome.usage = str(exc)
        return
    span = state.get("range")
    windows: list[tuple[int, int] | None] = (
        [None] if span is None else list(fixed_windows(span[0], span[1], CHANGE_LOG_MAX_SPAN_MS))
    )
    async with _committing(files, state, outcome):
        first_chunk = int(state["chunk"])
        first_window, first_cursor = int(state["window"]), state.get("cursor")

        async def walk(c: int, chunk: list[int]) -> AsyncIterator[_LogEvent]:
            start_w = first_window if c == first_chunk else 0
            try:
                for w in range(start_w, len(windows)):
                    window = windows[w]
                    cursor0 = first_cursor if (c == first_chunk and w == first_window) else None

                    async def fetch(
                        cursor: str | None, w: int = w, window: tuple[int, int] | None = window
                    ) -> CursorPage[_LogPage]:
                        page = await client.work_items.get_change_log(
                            project,
                            chunk,
                            start_from=cursor,
                            page_size=200,
                            start=None if window is None else window[0],
                            end=None if window is None else window[1],
                        )
                        nxt = page.start_from if page.has_more and page.start_from else None
                        records = list(page.op_records or [])
                        # An empty page is no event (nothing to write; resuming re-asks it), so
                        # iter_cursor sees it empty and bounds a run of them.
                        events = [_LogPage(c, w, records, nxt)] if records else []
                        return CursorPage(events, page.start_from, page.has_more)

                    async for event in iter_cursor(
                        fetch, start=cursor0, what="get_work_item_change_log"
                    ):
                        yield event
            except Exception as exc:
                if not _is_item_error(exc):
                    raise
                yield _ChunkEnd(c, chunk, exc)
                return
            yield _ChunkEnd(c, chunk)

        def sources() -> Iterator[Callable[[], AsyncIterator[_LogEvent]]]:
            for n, chunk in enumerate(_chunks(ids.iter_from(first_chunk * CHUNK))):

                def source(
                    c: int = first_chunk + n, chunk: list[int] = chunk
                ) -> AsyncIterator[_LogEvent]:
                    return walk(c, chunk)

                yield source

        records = files.lines  # every record in the output, an earlier run's included
        async with progress.bar("change log", ids.count, unit="ids") as bar:
            bar.resume_from(min(ids.count, first_chunk * CHUNK))
            async for event in _ordered(sources(), ahead=job.concurrency, buffer=2):
                if isinstance(event, _LogPage):
                    for record in event.records:
                        files.write_line(encoder.line(record))
                    records += len(event.records)
                    if event.next_cursor is not None:
                        state.update(
                            chunk=event.chunk, window=event.window, cursor=event.next_cursor
                        )
                    else:
                        state.update(chunk=event.chunk, window=event.window + 1, cursor=None)
                    bar.note(f"{records:,} records")
                else:
                    if event.error is not None:
                        for work_item_id in event.ids:
                            files.write_failed(_failed_line(work_item_id, event.error))
                    state.update(chunk=event.chunk + 1, window=0, cursor=None)
                    bar.advance(len(event.ids))
                files.commit(state)


# -- tasks -----------------------------------------------------------------------------------


async def _run_tasks(job: Job, client: MeegleClient, progress: Progress, outcome: _Outcome) -> None:
    from ..helpers.pagination import NumberedPage, iter_page_numbers
    from ..helpers.splitting import MIN_TIMESTAMP_MS, iter_created_at_windows, now_ms

    encoder = LineEncoder("tasks", job.fmt)
    lo = job.since if job.since is not None else MIN_TIMESTAMP_MS
    hi = job.until if job.until is not None else now_ms()
    if hi < lo:
        outcome.usage = f"--since {lo} is in the future"
        return
    # The walk's position: everything created up to done_until is written; in window
    # [a, b] the first `pages` pages are; window_ids are the subtasks written since done_until
    # (resuming skips them, should pages have shifted).
    state: dict[str, Any] = {
        "range": [lo, hi],
        "done_until": lo - 1,
        "window": None,
        "pages": 0,
        "span_hi": None,
        "window_ids": [],
    }
    try:
        files = _open_files(job, encoder, state, outcome)
    except UsageError as exc:
        outcome.usage = str(exc)
        return
    lo, hi = state["range"]
    page_size = 50
    projects = job.projects or None
    window_ids: set[str] = set(state["window_ids"])

    def sync() -> None:
        state["window_ids"] = sorted(window_ids)

    async with _committing(files, state, outcome, sync):
        resume_window = tuple(state["window"]) if state["window"] else None
        resume_page = int(state["pages"]) + 1
        first_use = [True]

        def fetch_window(a: int, b: int) -> AsyncIterator[tuple[int, int, int, TaskSearchItem]]:
            first = 1
            if first_use[0] and (a, b) == resume_window:
                first = resume_page
            first_use[0] = False

            async def fetch(page_num: int) -> NumberedPage[tuple[int, int, int, TaskSearchItem]]:
                page = await client.tasks.search(
                    project_keys=projects,
                    status=job.status,
                    created_at={"start": a, "end": b},
                    page_num=page_num,
                    page_size=page_size,
                )
                tagged = [(a, b, page_num, item) for item in page.items or []]
                number = page.pagination.page_num if page.pagination is not None else None
                return NumberedPage(tagged, number, page.total)

            return iter_page_numbers(
                fetch,
                page_size=page_size,
                first_page=first,
                key=_tagged_key,
                what="get_task_list_across_space",
                infer_page_size=True,
            )

        if resume_window is not None:
            parts = [(resume_window[0], resume_window[1]), (resume_window[1] + 1, hi)]
        else:
            parts = [(int(state["done_until"]) + 1, hi)]
        last: tuple[int, int, int] | None = None
        async with progress.bar("tasks", None, unit="tasks") as bar:
            # The count is the output's (so it ends where "wrote N lines" does); the rate is
            # this run's alone.
            bar.resume_from(files.lines)
            for a, b in parts:
                if a > b:
                    continue
                async for wa, wb, page_num, item in iter_created_at_windows(
                    fetch_window, a, b, key=_tagged_key, what="get_task_list_across_space"
                ):
                    if last is not None and (wa, wb, page_num) != last:
                        # The previous page is all written.
                        sync()
                        files.commit(state)
                    if state["window"] is None or [wa, wb] != state["window"]:
                        span_hi = state["span_hi"]
                        if span_hi is not None and wa > span_hi:
                            # Past every window begun so far: all before wa is written.
                            state["done_until"] = wa - 1
                            window_ids.clear()
                            state["span_hi"] = None
                        state["window"] = [wa, wb]
                        state["span_hi"] = max(wb, state["span_hi"] or wb)
                    state["pages"] = page_num
                    last = (wa, wb, page_num)
                    ident = item.task_id
                    if ident is not None and ident in window_ids:
                        continue
                    files.write_line(encoder.line(item))
                    if ident is not None:
                        window_ids.add(ident)
                    bar.advance()
            state.update(done_until=hi, window=None, pages=0, span_hi=None, window_ids=[])


def _tagged_key(tagged: tuple[int, int, int, TaskSearchItem]) -> Any:
    ident = tagged[3].task_id
    return ident if ident is not None else object()
