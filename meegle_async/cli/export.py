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
import datetime as dt
import hashlib
import json
import os
import shlex
import sys
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._text import is_digits
from .checkpoint import (
    CheckpointError,
    ExportFiles,
    OutputError,
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
from .export_formats import CSV_COLUMNS, LineEncoder
from .interrupt import cancel_on_signals
from .progress import Progress

if TYPE_CHECKING:
    from ..client import MeegleClient

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
    from . import export_kinds, export_more

    if job.kind in export_more.KINDS:
        await export_more.run_kind(job, client, progress, outcome)
    elif job.kind == "details":
        await export_kinds.run_details(job, client, progress, outcome)
    elif job.kind == "change-log":
        await export_kinds.run_change_log(job, client, progress, outcome)
    else:
        await export_kinds.run_tasks(job, client, progress, outcome)


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
