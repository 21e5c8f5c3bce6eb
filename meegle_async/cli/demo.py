"""``meegle-async demo``: a bulk sync against the embedded fake Meegle, at the real rate limits.

What it does, with live progress:

1. starts :class:`~meegle_async.testing.FakeMeegle` on loopback with the platform's limits
   (15 requests per second per endpoint, 1 for batch update and its progress) and seeds
   ``--items`` work items (5,000) over two spaces and two types;
2. **details**: fetches every item with ``client.work_items.get_details`` (50 ids a request)
   and writes one ``to_dict(item)`` per line, in id order, to ``--out`` (by default
   ``items.jsonl`` in a new temporary folder, named when the demo starts and in the summary:
   5,000 items make about 14 MB, nothing for the current directory);
3. **batch update**: sets ``priority`` to P1 on ``--batch`` stories (1,000) with
   ``client.work_items.batch_update_and_wait``, one task per 50 ids, polled to completion;
4. **change log**: reads the updated items' records with ``client.work_items.iter_change_log``
   and checks that every update was recorded;

then prints a summary built from ``client.stats()``: requests, retries and throttled answers per
endpoint, and each phase's time against the floor its rate limit sets.

The demo never touches a real tenant: when ``MEEGLE_*`` credentials are set it refuses to run
unless ``--fake`` confirms that the embedded fake is meant.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .progress import Progress, format_duration

if TYPE_CHECKING:
    from ..client import MeegleClient
    from ..models import WorkItem
    from ..testing import FakeMeegle
    from ..transport.stats import ClientStats, RequestEvent

__all__ = ["DemoReport", "PhaseResult", "register", "run", "run_demo"]

#: Set, any of these means a real Meegle is configured: the demo then wants ``--fake``.
CREDENTIAL_VARIABLES = (
    "MEEGLE_PLUGIN_ID",
    "MEEGLE_PLUGIN_SECRET",
    "MEEGLE_PLUGIN_TOKEN",
    "MEEGLE_USER_TOKEN",
)
DETAILS_QPS = 15
BATCH_QPS = 1
CHUNK = 50
BATCH_FIELD = "priority"
BATCH_OPTION_LABEL = "P1"


def register(subparsers: Any) -> None:
    """Add the ``demo`` command."""
    parser = subparsers.add_parser(
        "demo",
        help="bulk sync against the embedded fake Meegle, with live progress and a summary",
        description=(
            "Start the embedded fake Meegle with its real rate limits (15 QPS; 1 QPS for batch "
            "updates), seed work items, export their details to JSONL, batch-update some of "
            "them and read their change log; then print requests, retries, throttling and time "
            "per phase. Never writes to a real tenant."
        ),
    )
    parser.add_argument(
        "--items", type=_positive, default=5000, help="work items to seed and export (5000)"
    )
    parser.add_argument(
        "--batch", type=_non_negative, default=1000, help="stories to batch-update (1000)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSONL file for the exported details (default: items.jsonl in a new temporary "
        "folder, printed at the start)",
    )
    parser.add_argument(
        "--fake",
        action="store_true",
        help="use the embedded fake even though MEEGLE_* credentials are set",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated data (0)")
    parser.add_argument(
        "--batch-task-duration",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="how long the fake takes to run one batch task (2.0)",
    )
    parser.add_argument(
        "--stats-json", type=Path, metavar="PATH", help="also write the summary as JSON here"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    parser.set_defaults(handler=run)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, not {text}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {text}")
    return value


def run(args: argparse.Namespace) -> int:
    """Run the demo; 0 when every check passed, 1 when one failed, 2 when refused."""
    configured = real_credentials(os.environ)
    if configured and not args.fake:
        print(
            f"meegle-async demo: {', '.join(configured)} set, so a real Meegle is configured.\n"
            "The demo writes to the work items it syncs (a batch update) and only ever runs "
            "against the embedded fake server.\nRun `meegle-async demo --fake` to run it "
            "against the fake anyway; your tenant is not contacted.",
            file=sys.stderr,
        )
        return 2
    out: Path | None = args.out
    if out is not None:
        out_dir = out.parent if str(out.parent) else Path(".")
        if not out_dir.is_dir():
            print(f"meegle-async demo: directory {out_dir} does not exist", file=sys.stderr)
            return 2
    progress = Progress(sys.stdout, quiet=args.quiet)
    report = asyncio.run(
        run_demo(
            items=args.items,
            batch=args.batch,
            out=out,
            seed=args.seed,
            batch_task_duration=args.batch_task_duration,
            progress=progress,
            echo=None if args.quiet else _echo,
        )
    )
    print_summary(report, sys.stdout)
    if args.stats_json is not None:
        args.stats_json.write_text(json.dumps(report.as_json(), indent=2) + "\n")
    for problem in report.problems:
        print(f"meegle-async demo: {problem}", file=sys.stderr)
    return 0 if report.ok else 1


def _echo(text: str) -> None:
    print(text, flush=True)


def real_credentials(env: Mapping[str, str]) -> list[str]:
    """The ``MEEGLE_*`` credential variables that are set (non-empty)."""
    return [name for name in CREDENTIAL_VARIABLES if env.get(name)]


@dataclass
class PhaseResult:
    """One phase of the demo: what it did, what it cost, and its rate-limit floor."""

    name: str
    work: str
    requests: dict[str, int]
    elapsed: float
    floor: float | None = None
    floor_note: str = ""

    @property
    def total_requests(self) -> int:
        """Requests of every endpoint in the phase."""
        return sum(self.requests.values())


@dataclass
class DemoReport:
    """Everything the summary prints."""

    base_url: str
    items: int
    out: Path
    exported: int = 0
    batch_items: int = 0
    batch_tasks: int = 0
    batch_updated: int = 0
    batch_failed: int = 0
    change_records: int = 0
    batch_records: int = 0
    phases: list[PhaseResult] = field(default_factory=list)
    stats: ClientStats | None = None
    server_throttled: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return not self.problems

    @property
    def elapsed(self) -> float:
        """Seconds of all phases together."""
        return sum(p.elapsed for p in self.phases)

    def as_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (``--stats-json``)."""
        from .. import to_dict

        return {
            "base_url": self.base_url,
            "items": self.items,
            "out": str(self.out),
            "exported": self.exported,
            "batch": {
                "items": self.batch_items,
                "tasks": self.batch_tasks,
                "updated": self.batch_updated,
                "failed": self.batch_failed,
            },
            "change_log": {"records": self.change_records, "batch_records": self.batch_records},
            "phases": [
                {
                    "name": p.name,
                    "work": p.work,
                    "requests": p.requests,
                    "elapsed": round(p.elapsed, 3),
                    "floor": None if p.floor is None else round(p.floor, 3),
                }
                for p in self.phases
            ],
            "stats": to_dict(self.stats) if self.stats is not None else None,
            "server_throttled": self.server_throttled,
            "elapsed": round(self.elapsed, 3),
            "ok": self.ok,
            "problems": self.problems,
        }


class _Observer:
    """The client's ``on_request`` hook: counts attempts for the progress lines."""

    def __init__(self) -> None:
        self.on_event: Callable[[RequestEvent], None] | None = None

    def __call__(self, event: RequestEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)


def _diff(after: ClientStats, before: ClientStats) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, stats in after.endpoints.items():
        sent = stats.requests - (before.endpoints[name].requests if name in before.endpoints else 0)
        if sent:
            out[name] = sent
    return out


def _group_ids(fake: FakeMeegle) -> dict[tuple[str, str], list[int]]:
    groups: dict[tuple[str, str], list[int]] = {}
    for item in fake.store.items.values():
        if not item.deleted and not item.is_resource:
            groups.setdefault((item.project_key, item.type_key), []).append(item.id)
    return {key: sorted(ids) for key, ids in sorted(groups.items())}


async def run_demo(
    *,
    items: int = 5000,
    batch: int = 1000,
    out: Path | None = None,
    seed: int = 0,
    batch_task_duration: float = 2.0,
    progress: Progress | None = None,
    echo: Callable[[str], None] | None = None,
) -> DemoReport:
    """Run the demo's phases against a fresh fake; the report for ``print_summary``.

    Args:
        items: work items to seed and export.
        batch: stories to batch-update (at most the seeded stories of the default space).
        out: the JSONL file for the details (replaced when done); by default ``items.jsonl``
            in a new temporary folder (``tempfile.mkdtemp``), named in the report.
        seed: the fake's data seed.
        batch_task_duration: seconds the fake takes per batch task.
        progress: where progress lines go (``Progress()`` on stdout).
        echo: prints phase headings (``None``: silent).
    """
    from ..client import MeegleClient
    from ..testing import FakeMeegle

    say = echo or (lambda _text: None)
    progress = progress or Progress()
    if out is None:
        out = Path(tempfile.mkdtemp(prefix="meegle-demo-")) / "items.jsonl"
    started = time.monotonic()
    say(f"The exported details go to {out}")
    say(
        f"Starting the fake Meegle server (real rate limits: {DETAILS_QPS} QPS per endpoint, "
        f"{BATCH_QPS} QPS for batch update and its progress) with {items:,} work items..."
    )
    fake = FakeMeegle(
        seed_items=items,
        seed=seed,
        seed_subtasks=0,
        seed_resources=0,
        batch_task_duration=batch_task_duration,
        record_requests=False,
    )
    await fake.start()
    observer = _Observer()
    try:
        # trust_env=False: a proxy from the environment must not capture loopback traffic.
        async with MeegleClient(
            base_url=fake.base_url,
            plugin_id=fake.plugin_id,
            plugin_secret=fake.plugin_secret,
            user_key=fake.user_key,
            trust_env=False,
            on_request=observer,
        ) as client:
            report = DemoReport(base_url=fake.base_url, items=items, out=out)
            groups = _group_ids(fake)
            report.phases.append(
                PhaseResult(
                    "setup",
                    f"fake server, {items:,} seeded work items",
                    {},
                    time.monotonic() - started,
                )
            )
            say(f"Fake Meegle at {fake.base_url}; {len(groups)} (space, type) groups.")
            await _details_phase(client, groups, report, progress, say)
            target_key = (fake.project_key, "story")
            if batch:
                updated = await _batch_phase(
                    client,
                    target_key,
                    groups.get(target_key, []),
                    batch,
                    report,
                    progress,
                    say,
                    observer,
                    batch_task_duration,
                )
                if updated:
                    await _change_log_phase(client, target_key[0], updated, report, progress, say)
            report.stats = client.stats()
            report.server_throttled = dict(fake.throttled)
            if sum(report.server_throttled.values()):
                report.problems.append(
                    f"the server throttled {sum(report.server_throttled.values())} request(s)"
                )
            return report
    finally:
        await fake.close()


async def _details_phase(
    client: MeegleClient,
    groups: Mapping[tuple[str, str], list[int]],
    report: DemoReport,
    progress: Progress,
    say: Callable[[str], None],
) -> None:
    from .. import to_dict
    from ..helpers.chunking import chunked, gather_chunks

    total = sum(len(ids) for ids in groups.values())
    say(f"\n[1/3] details of {total:,} work items -> {report.out}")
    jobs = [(key, chunk) for key, ids in groups.items() for chunk in chunked(ids, CHUNK)]
    before = client.stats()
    t0 = time.monotonic()
    async with progress.bar("details", total, unit="items") as bar:

        async def fetch(part: list[tuple[tuple[str, str], list[int]]]) -> list[WorkItem]:
            ((project_key, type_key), ids) = part[0]
            found = await client.work_items.get_details(project_key, type_key, ids)
            bar.advance(len(ids))
            return found

        pages = await gather_chunks(jobs, fetch, size=1)
    fetched = sorted((item for page in pages for item in page), key=lambda i: i.id or 0)
    tmp = report.out.with_name(report.out.name + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        for item in fetched:
            fh.write(json.dumps(to_dict(item), ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
    os.replace(tmp, report.out)
    elapsed = time.monotonic() - t0
    report.exported = len(fetched)
    expected = sorted(i for ids in groups.values() for i in ids)
    if [i.id for i in fetched] != expected:
        report.problems.append(
            f"details: exported {len(fetched)} items, expected {len(expected)} distinct ids"
        )
    requests = _diff(client.stats(), before)
    sent = requests.get("get_work_item_details", 0)
    report.phases.append(
        PhaseResult(
            "details",
            f"{len(fetched):,} items -> {report.out.name}",
            requests,
            elapsed,
            floor=max(0, sent - 1) / DETAILS_QPS,
            floor_note=f"{sent} requests at {DETAILS_QPS} QPS",
        )
    )


async def _batch_phase(
    client: MeegleClient,
    target: tuple[str, str],
    ids: list[int],
    batch: int,
    report: DemoReport,
    progress: Progress,
    say: Callable[[str], None],
    observer: _Observer,
    task_duration: float,
) -> list[int]:
    project_key, type_key = target
    chosen = ids[:batch]
    if len(chosen) < batch:
        say(f"(only {len(chosen)} {type_key} items in {project_key}: updating those)")
    if not chosen:
        return []
    tasks = math.ceil(len(chosen) / CHUNK)
    say(
        f"\n[2/3] batch update: {BATCH_FIELD} = {BATCH_OPTION_LABEL} on {len(chosen):,} "
        f"{type_key} items ({tasks} tasks at {BATCH_QPS} QPS, polled to completion)"
    )
    before = client.stats()
    t0 = time.monotonic()
    meta = await client.work_items.get_creation_metadata(project_key, type_key)
    conf = next(f for f in meta if f.field_key == BATCH_FIELD)
    option = conf.option_value(BATCH_OPTION_LABEL)
    if option is None:
        report.problems.append(f"batch: no option {BATCH_OPTION_LABEL!r} on {BATCH_FIELD}")
        return []
    polls = 0
    async with progress.bar("batch update", tasks, unit="tasks") as bar:

        def on_event(event: RequestEvent) -> None:
            nonlocal polls
            ok = event.status == 200 and event.err_code == 0
            if event.endpoint == "batch_update_work_item_field" and ok:
                bar.advance(1)
            elif event.endpoint == "get_batch_update_progress":
                polls += 1
                waiting = "waiting for the last tasks, " if bar.done >= tasks else ""
                bar.note(f"{waiting}{polls} progress polls")

        observer.on_event = on_event
        try:
            result = await client.work_items.batch_update_and_wait(
                project_key,
                type_key,
                chosen,
                field_key=BATCH_FIELD,
                update_mode="UPDATE",
                after_field_value={"value": option},
                timeout=60 + tasks * (2 + task_duration),
            )
        finally:
            observer.on_event = None
        bar.note(
            f"{result.success_total:,} updated, {len(result.failed_ids)} failed, "
            f"{polls} progress polls"
        )
    elapsed = time.monotonic() - t0
    report.batch_items = len(chosen)
    report.batch_tasks = len(result.task_ids)
    report.batch_updated = len(result.success_ids)
    report.batch_failed = len(result.failed_ids)
    if not result.ok:
        report.problems.append(
            f"batch: {len(result.not_ok_tasks)} task(s) did not fully succeed "
            f"({result.error_scenes})"
        )
    report.phases.append(
        PhaseResult(
            "batch update",
            f"{len(chosen):,} items in {len(result.task_ids)} tasks, "
            f"{len(result.failed_ids)} failed",
            _diff(client.stats(), before),
            elapsed,
            floor=max(0, tasks - 1) / BATCH_QPS + task_duration,
            floor_note=f"{tasks} tasks at {BATCH_QPS} QPS + {task_duration:g}s task",
        )
    )
    return sorted(set(result.success_ids))


async def _change_log_phase(
    client: MeegleClient,
    project_key: str,
    ids: list[int],
    report: DemoReport,
    progress: Progress,
    say: Callable[[str], None],
) -> None:
    from ..helpers.chunking import chunked, gather_chunks

    say(f"\n[3/3] change log of the {len(ids):,} updated items")
    since_ms = int((time.time() - 3600) * 1000)
    before = client.stats()
    t0 = time.monotonic()
    async with progress.bar("change log", len(ids), unit="items") as bar:

        async def count(chunk: list[int]) -> tuple[int, int]:
            records = mine = 0
            async for record in client.work_items.iter_change_log(
                project_key, chunk, page_size=200
            ):
                records += 1
                # Seeded history is older; what this run's batch wrote is recent.
                if record.operation_type == "modify" and (record.operation_time or 0) >= since_ms:
                    mine += 1
            bar.advance(len(chunk))
            bar.note(f"{records:,} records in the last chunk")
            return records, mine

        counts = await gather_chunks(chunked(ids, CHUNK), lambda part: count(part[0]), size=1)
        report.change_records = sum(c[0] for c in counts)
        report.batch_records = sum(c[1] for c in counts)
        bar.note(f"{report.change_records:,} records, {report.batch_records:,} from this batch")
    elapsed = time.monotonic() - t0
    if report.batch_records != len(ids):
        report.problems.append(
            f"change log: {report.batch_records} records of the batch for {len(ids)} updated items"
        )
    requests = _diff(client.stats(), before)
    sent = requests.get("get_work_item_change_log", 0)
    report.phases.append(
        PhaseResult(
            "change log",
            f"{len(ids):,} items, {report.change_records:,} records",
            requests,
            elapsed,
            floor=max(0, sent - 1) / DETAILS_QPS,
            floor_note=f"{sent} requests at {DETAILS_QPS} QPS",
        )
    )


def print_summary(report: DemoReport, stream: TextIO) -> None:
    """The summary tables: phases against their floors, then ``client.stats()`` per endpoint."""
    w = stream.write
    w(f"\nSummary (fake Meegle at {report.base_url}, real rate limits)\n\n")
    rows = [("phase", "work", "requests", "elapsed", "floor", "floor from")]
    for p in report.phases:
        rows.append(
            (
                p.name,
                p.work,
                str(p.total_requests) if p.requests else "-",
                format_duration(p.elapsed),
                format_duration(p.floor) if p.floor is not None else "-",
                p.floor_note,
            )
        )
    rows.append(("total", "", "", format_duration(report.elapsed), "", ""))
    _table(w, rows, right={2, 3, 4})
    w("\n")
    stats = report.stats
    if stats is not None:
        rows = [("endpoint", "requests", "retries", "throttled", "errors", "limiter wait*")]
        for name, one in sorted(stats.endpoints.items()):
            rows.append(
                (
                    name,
                    f"{one.requests:,}",
                    str(one.retries),
                    str(one.throttled),
                    str(one.errors),
                    format_duration(one.limiter_wait_seconds),
                )
            )
        t = stats.total
        rows.append(
            (
                "total",
                f"{t.requests:,}",
                str(t.retries),
                str(t.throttled),
                str(t.errors),
                format_duration(t.limiter_wait_seconds),
            )
        )
        _table(w, rows, right={1, 2, 3, 4, 5})
        w("  * summed over concurrent calls: the time requests queued for their rate limit\n")
    throttled = sum(report.server_throttled.values())
    w(f"\nThrottled answers (HTTP 429) sent by the server: {throttled}\n")
    w(f"Wrote {report.exported:,} work items to {report.out}\n")
    if report.batch_items:
        w(
            f"Batch update: {report.batch_updated:,} of {report.batch_items:,} items updated "
            f"in {report.batch_tasks} tasks; change log: {report.change_records:,} records, "
            f"{report.batch_records:,} written by this batch\n"
        )
    w("OK\n" if report.ok else "FAILED: " + "; ".join(report.problems) + "\n")
    stream.flush()


def _table(
    write: Callable[[str], object], rows: Sequence[tuple[str, ...]], *, right: set[int]
) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        write("  " + "  ".join(cells).rstrip() + "\n")
        if n == 0:
            write("  " + "  ".join("-" * w for w in widths) + "\n")
