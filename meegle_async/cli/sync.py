"""``meegle-async sync``: Meegle's work items in a SQL database, kept current.

``meegle-async sync --db URL (--project P [--type T ...] ... | --all) [--watch SECONDS]``

The first run copies every work item of the chosen spaces and types (filter pages, then
details 50 ids a request) with their fields, workflow nodes, subtasks, change log and the
users they mention; later runs copy what changed since the last one and, every
``--reconcile-every`` seconds, drop deleted items and pick up terminated ones. The database
(``sqlite:///meegle.db`` by default; ``postgresql://...`` too) is created or migrated in place.
Each chunk commits with its progress, so a run stopped in any way (Ctrl-C, a crash, SIGKILL)
is continued by the next; two runs at once on one database are refused.

Credentials as ``export`` takes them (flags, else ``MEEGLE_*``); ``--fake`` syncs from the
embedded fake Meegle. Exit codes as ``export``: 0 done; 1 stopped by an error or another run
holds the database (what was committed stays); 2 bad usage (nothing sent); 130 interrupted.

Example::

    export MEEGLE_PLUGIN_ID=... MEEGLE_PLUGIN_SECRET=... MEEGLE_USER_KEY=...
    meegle-async sync --db sqlite:///meegle.db --project space --type story --type bug
    sqlite3 meegle.db "SELECT label, count(*) FROM field_values WHERE field_key='priority'
                       GROUP BY label"
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
from typing import TYPE_CHECKING, Any

from .credentials import MissingCredentials, add_credential_flags, client_from_args
from .credentials import missing_credentials as _missing_credentials
from .export import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, describe_error
from .interrupt import cancel_on_signals
from .progress import Progress

if TYPE_CHECKING:
    from ..client import MeegleClient
    from ..sync import SyncReport

__all__ = ["register", "run"]

_PROG = "meegle-async sync"
_INSTALL_HINT = 'the sync command needs its extra: pip install "meegle-async[sync]"'


def register(subparsers: Any) -> None:
    """Add the ``sync`` command."""
    parser = subparsers.add_parser(
        "sync",
        help="copy work items into SQLite or PostgreSQL, incrementally",
        description=(
            "Copy the work items of chosen spaces and types (fields, workflow nodes, "
            "subtasks, change log, users) into a SQL database, then only what changed. "
            "Credentials come from MEEGLE_* variables or flags; --fake syncs from an "
            "embedded fake Meegle. Exit codes: 0 done, 1 stopped by an error or database "
            "held by another run, 2 bad usage, 130 interrupted."
        ),
    )
    what = parser.add_argument_group("what to sync")
    what.add_argument(
        "--db",
        default=None,
        metavar="URL",
        help="sqlite:///meegle.db (default) or postgresql://user@host/db",
    )
    what.add_argument(
        "--project",
        action="append",
        default=[],
        metavar="KEY",
        help="space project_key or simple_name (repeatable)",
    )
    what.add_argument(
        "--type",
        action="append",
        default=[],
        metavar="KEY",
        help="work item type key (repeatable; default every enabled type of each space)",
    )
    what.add_argument(
        "--all", action="store_true", help="every space the plugin sees, every enabled type"
    )
    what.add_argument("--no-change-log", action="store_true", help="do not copy change-log records")
    what.add_argument(
        "--comments",
        action="store_true",
        help="also copy comments (one request per changed item)",
    )
    how = parser.add_argument_group("run")
    how.add_argument(
        "--watch",
        type=_seconds,
        metavar="SECONDS",
        help="keep syncing, SECONDS apart, until interrupted",
    )
    how.add_argument(
        "--reconcile-every",
        type=_seconds,
        default=3600.0,
        metavar="SECONDS",
        help="seconds between id-set reconciliations that find deleted items (3600)",
    )
    how.add_argument(
        "--overlap",
        type=_seconds,
        default=300.0,
        metavar="SECONDS",
        help="margin taken off the watermark when asking for updated items (300)",
    )
    how.add_argument(
        "--concurrency",
        type=_positive,
        default=8,
        metavar="N",
        help="details requests in flight (8); rate limits hold either way",
    )
    how.add_argument(
        "--shared-state",
        metavar="URL",
        help="redis://host:port/db shared by several processes (MEEGLE_REDIS_URL)",
    )
    how.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    how.add_argument(
        "--fake",
        action="store_true",
        help="sync from an embedded, seeded fake Meegle (space_demo)",
    )
    how.add_argument(
        "--fake-items",
        type=_positive,
        default=100,
        metavar="N",
        help="work items the --fake server seeds (100)",
    )
    add_credential_flags(parser)
    parser.set_defaults(handler=run, sync_parser=parser)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected seconds >= 0, got {text}")
    return value


def run(args: argparse.Namespace) -> int:
    """Run the sync (once, or every ``--watch`` seconds); the exit code."""
    parser: argparse.ArgumentParser = args.sync_parser
    try:
        from ..sync.database import DEFAULT_DB_URL, normalize_url
    except ImportError:
        print(f"{parser.prog}: error: {_INSTALL_HINT}", file=sys.stderr)
        return EXIT_USAGE
    from ..errors import MeegleValidationError

    args.db = args.db or os.environ.get("MEEGLE_SYNC_DB") or DEFAULT_DB_URL
    problem = None
    if args.all and (args.project or args.type):
        problem = "--all goes without --project and --type"
    elif args.type and not args.project and not args.fake:
        problem = "--type needs --project"
    elif not args.all and not args.project and not args.fake:
        problem = "name spaces with --project KEY (repeatable), or sync every one with --all"
    else:
        try:
            normalize_url(args.db)
        except MeegleValidationError as exc:
            problem = str(exc)
    if problem is None and not args.fake:
        missing = _missing_credentials(args, os.environ)
        if missing:
            problem = "missing credentials:\n" + "\n".join(f"  - {line}" for line in missing)
    if problem is not None:
        print(f"{parser.prog}: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    progress = Progress(sys.stderr, quiet=args.quiet)
    return asyncio.run(_main(args, progress))


async def _main(args: argparse.Namespace, progress: Progress) -> int:
    task = asyncio.ensure_future(_sync(args, progress))
    with cancel_on_signals(task, lambda: None):
        try:
            return await task
        except asyncio.CancelledError:
            pass
    print(
        f"\n{_PROG}: interrupted; every committed chunk is kept: run the same command "
        "again to continue",
        file=sys.stderr,
    )
    return EXIT_INTERRUPTED


async def _sync(args: argparse.Namespace, progress: Progress) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from ..client import MeegleClient
    from ..errors import MeegleError, MeegleValidationError
    from ..sync import SyncLockedError, safe_url, sync_database

    fake: Any = None
    options: dict[str, Any] = {}
    if args.shared_state:
        options["shared_state"] = args.shared_state
    try:
        if args.fake:
            from ..testing import FakeMeegle

            fake = FakeMeegle(seed_items=args.fake_items, record_requests=False)
            await fake.start()
            if not args.quiet:
                print(
                    f"{_PROG}: syncing from the embedded fake Meegle at {fake.base_url} "
                    f"(space {fake.project_key}, {args.fake_items} seeded items)",
                    file=sys.stderr,
                )
            client: MeegleClient = MeegleClient(
                base_url=fake.base_url,
                plugin_id=fake.plugin_id,
                plugin_secret=fake.plugin_secret,
                user_key=fake.user_key,
                trust_env=False,
                **options,
            )
            projects = list(args.project) or ([] if args.all else [fake.project_key])
        else:
            try:
                client = client_from_args(args, **options)
            except (MissingCredentials, MeegleValidationError) as exc:
                print(f"{_PROG}: error: {exc}", file=sys.stderr)
                return EXIT_USAGE
            projects = list(args.project)
        if not args.quiet:
            print(f"{_PROG}: database {safe_url(args.db)}", file=sys.stderr)
        async with client:
            while True:
                try:
                    report = await sync_database(
                        client,
                        args.db,
                        projects=projects or None,
                        types=list(args.type) or None,
                        all_spaces=args.all,
                        change_log=not args.no_change_log,
                        comments=args.comments,
                        reconcile_every=args.reconcile_every,
                        overlap=args.overlap,
                        concurrency=args.concurrency,
                        progress=progress,
                    )
                except SyncLockedError as exc:
                    print(f"{_PROG}: error: {exc}", file=sys.stderr)
                    return EXIT_FAILED
                except MeegleValidationError as exc:
                    print(f"{_PROG}: error: {exc}", file=sys.stderr)
                    return EXIT_USAGE
                except (MeegleError, SQLAlchemyError, OSError) as exc:
                    print(f"{_PROG}: error: {_describe(exc)}", file=sys.stderr)
                    if args.watch is None:
                        print(
                            f"{_PROG}: stopped; committed chunks are kept: run it again to "
                            "continue",
                            file=sys.stderr,
                        )
                        return EXIT_FAILED
                else:
                    if not args.quiet:
                        _summary(report, client)
                if args.watch is None:
                    return EXIT_OK
                await asyncio.sleep(args.watch)
    finally:
        if fake is not None:
            await fake.close()


def _describe(exc: BaseException) -> str:
    """The error for the terminal; database errors without their SQL parameters or URL."""
    from sqlalchemy.exc import SQLAlchemyError

    from ..errors import MeegleError

    if isinstance(exc, MeegleError):
        return describe_error(exc)
    if isinstance(exc, SQLAlchemyError):
        orig = getattr(exc, "orig", None)
        cause = orig if orig is not None else exc
        return f"database: {type(cause).__name__}: {str(cause).splitlines()[0][:300]}"
    return f"database: {type(exc).__name__}: {exc}"


def _when(ms: int | None) -> str:
    if ms is None:
        return "-"
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _summary(report: SyncReport, client: MeegleClient) -> None:
    err = sys.stderr
    for t in report.targets:
        extra = []
        if t.first:
            extra.append("first sync")
        if t.resumed:
            extra.append("continued an interrupted run")
        if t.reconciled:
            extra.append("reconciled")
        print(
            f"{_PROG}: {t.project_key}/{t.work_item_type_key}: {t.listed:,} listed, "
            f"{t.upserted:,} written, {t.deleted:,} deleted, {t.change_log:,} change-log "
            f"records; synced to {_when(t.watermark)}"
            + (f" ({', '.join(extra)})" if extra else ""),
            file=err,
        )
    stats = client.stats()
    requests = sum(e.requests for e in stats.endpoints.values())
    retries = sum(e.retries for e in stats.endpoints.values())
    print(
        f"{_PROG}: {report.upserted:,} items written, {report.deleted:,} deleted in "
        f"{report.elapsed:.1f}s; {requests:,} requests so far ({retries:,} retries); "
        f"schema {report.schema_version}",
        file=err,
    )
