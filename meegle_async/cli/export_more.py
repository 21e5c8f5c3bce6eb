"""``meegle-async export comments`` and ``export workflows``: per work item, resumable.

``export comments --project P --type T (--ids-file F | --ids 1,2,3)``
    the comments of each work item (``client.comments.iter``: 200 a page, oldest first), one
    line per comment (JSON Lines: ``to_dict(comment)``; CSV: the columns of
    :data:`COMMENT_COLUMNS`), work items in input order, ``--concurrency`` items in flight.
``export workflows --project P --type T (--ids-file F | --ids ...) [--flow-type 0|1]``
    the workflow of each work item (``client.workflows.get``), one line per work item
    (``{"work_item_id": id, "workflow": to_dict(workflow)}``; CSV: :data:`WORKFLOW_COLUMNS`).

Like the other exports each commits after every work item (its lines fsync'ed, then the
checkpoint ``OUT.checkpoint.json`` replaced atomically), so ``--resume`` continues after the last
work item written, without a line twice or a line missing. A work item that does not exist,
cannot be read, or (workflows) has the other flow type goes to ``OUT.failed.txt``
(``id<TAB>err_code<TAB>message<TAB>log_id``) and the export goes on. The shared machinery
(files, checkpoint, progress, the embedded fake, exit codes) is that of :mod:`.export`.

Example::

    meegle-async export comments --project space --type story --ids-file ids.txt \\
        --out comments.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import export as base
from .credentials import missing_credentials
from .progress import Progress

if TYPE_CHECKING:
    from ..client import MeegleClient
    from ..models.comments import Comment
    from ..models.workflows import Workflow

__all__ = ["COMMENT_COLUMNS", "KINDS", "register", "run", "run_kind"]

#: The export kinds this module adds.
KINDS = frozenset({"comments", "workflows"})
#: The CSV columns of ``export comments``, in order.
COMMENT_COLUMNS = ["id", "work_item_id", "work_item_type_key", "created_at", "operator", "content"]
#: The CSV columns of ``export workflows``, in order (lists joined with ``|``).
WORKFLOW_COLUMNS = [
    "work_item_id",
    "template_id",
    "version",
    "current_nodes",
    "nodes",
    "states",
    "connections",
]
#: ``workflows.get`` codes that concern one work item (its flow type): a failed id, not a stop.
_WORKFLOW_ITEM_CODES = frozenset({20026, 20027})


def register(kinds: Any, common: argparse.ArgumentParser) -> None:
    """Add ``comments`` to ``export``'s kinds (``common``: the shared output/run/credential
    flags)."""
    comments = kinds.add_parser(
        "comments",
        parents=[common],
        help="the comments of work items",
        description="Every comment of the work items, oldest first, work items in input order.",
    )
    _item_flags(comments)
    comments.set_defaults(handler=run, export_parser=comments)

    workflows = kinds.add_parser(
        "workflows",
        parents=[common],
        help="the workflows of work items",
        description=(
            "The workflow of each work item (nodes or states, connections), one line per work "
            "item, in input order."
        ),
    )
    _item_flags(workflows)
    workflows.add_argument(
        "--flow-type",
        type=int,
        choices=(0, 1),
        help="0 node flow (the server's default), 1 state flow (bugs, versions, ...)",
    )
    workflows.set_defaults(handler=run, export_parser=workflows)


def _item_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", metavar="P", help="space project_key or simple_name")
    parser.add_argument("--type", metavar="T", help="work item type key (story, bug, ...)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--ids-file", type=Path, metavar="FILE", help="one id per line")
    source.add_argument("--ids", metavar="1,2,3", help="comma-separated ids")


def make_job(args: argparse.Namespace) -> base.Job:
    """The job of one ``export comments`` run, every argument checked before anything is sent."""
    kind: str = args.kind
    fake_project = fake_type = None
    if args.fake:
        from ..testing.seed import DEFAULT_PROJECT_KEY

        fake_project, fake_type = DEFAULT_PROJECT_KEY, "story"
    out: Path = args.out
    out_dir = out.parent if str(out.parent) else Path(".")
    if not out_dir.is_dir():
        raise base.UsageError(f"directory {out_dir} does not exist")
    if out.is_dir():
        raise base.UsageError(f"--out {out} is a directory; give a file name")
    job = base.Job(
        kind=kind,
        out=out,
        fmt=args.format,
        params={"kind": kind, "format": args.format},
        resume=None,
        concurrency=args.concurrency,
    )
    job.project = args.project or fake_project
    if not job.project:
        raise base.UsageError("--project is required (the space's project_key or simple_name)")
    job.type_key = args.type or fake_type
    if not job.type_key:
        raise base.UsageError("--type is required (the work item type key: story, bug, ...)")
    if args.ids is not None:
        words = [w.strip() for w in args.ids.split(",") if w.strip()]
        job.ids = base.IdSource.from_list([base._parse_id(w, "--ids") for w in words])
    else:
        job.ids = base.IdSource.from_file(args.ids_file)
    if job.ids.count == 0:
        raise base.UsageError("no work item ids given: the id list is empty")
    job.params.update(
        project=job.project,
        type=job.type_key,
        ids={"count": job.ids.count, "sha256": job.ids.sha256},
    )
    if kind == "workflows":
        job.params["flow_type"] = args.flow_type
    base.check_checkpoint(job, resume=args.resume, force=args.force)
    return job


def run(args: argparse.Namespace) -> int:
    """Run one ``export comments``; the exit code (0, 1, 2 or 130)."""
    parser: argparse.ArgumentParser = args.export_parser
    try:
        job = make_job(args)
        missing = [] if args.fake else missing_credentials(args, os.environ)
        if missing:
            raise base.UsageError(
                "missing credentials:\n" + "\n".join(f"  - {line}" for line in missing)
            )
    except base.UsageError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return base.EXIT_USAGE
    progress = Progress(sys.stderr, quiet=args.quiet)
    return asyncio.run(base._main(job, args, progress))


async def run_kind(job: base.Job, client: MeegleClient, progress: Progress, outcome: Any) -> None:
    """Run the export of one of :data:`KINDS` (``export``'s dispatcher calls this)."""
    if job.kind == "workflows":
        await _run_per_item(job, client, progress, outcome, WorkflowEncoder(job.fmt), _workflow_of)
    else:
        await _run_comments(job, client, progress, outcome)


# -- comments --------------------------------------------------------------------------------


class CommentEncoder(base.LineEncoder):
    """One comment a line: ``to_dict`` as JSON, or the :data:`COMMENT_COLUMNS` as CSV."""

    def __init__(self, fmt: str) -> None:
        super().__init__("comments", fmt)

    def header(self) -> bytes:
        return self._csv_row(COMMENT_COLUMNS) if self.fmt == "csv" else b""

    def line(self, model: Any) -> bytes:
        if self.fmt != "csv":
            return super().line(model)
        from .. import to_dict

        data: Mapping[str, Any] = to_dict(model)
        return self._csv_row([base._cell(data.get(key)) for key in COMMENT_COLUMNS])


@dataclass
class _ItemResult:
    """What one work item gave: its records, or the error that makes it a failed id."""

    work_item_id: int
    records: list[Any]
    error: BaseException | None = None


def _is_item_failure(err: BaseException) -> bool:
    from ..errors import MeegleAPIError, MeegleNotFoundError

    if isinstance(err, MeegleAPIError) and err.code in _WORKFLOW_ITEM_CODES:
        return True
    return isinstance(err, MeegleNotFoundError) or base._is_item_error(err)


async def _comments_of(job: base.Job, client: MeegleClient, wid: int) -> list[Comment]:
    assert job.project is not None
    assert job.type_key is not None
    return [c async for c in client.comments.iter(job.project, job.type_key, wid)]


async def _run_comments(
    job: base.Job, client: MeegleClient, progress: Progress, outcome: Any
) -> None:
    await _run_per_item(job, client, progress, outcome, CommentEncoder(job.fmt), _comments_of)


async def _run_per_item(
    job: base.Job,
    client: MeegleClient,
    progress: Progress,
    outcome: Any,
    encoder: base.LineEncoder,
    fetch: Callable[[base.Job, MeegleClient, int], Awaitable[list[Any]]],
) -> None:
    """Export the records of each work item of ``job.ids``, in input order, ``--concurrency``
    items in flight, committing after every item (``state.position`` counts the items done)."""
    ids = job.ids
    assert ids is not None
    state: dict[str, Any] = {"position": 0, "records": 0}
    try:
        files = base._open_files(job, encoder, state, outcome)
    except base.UsageError as exc:
        outcome.usage = str(exc)
        return

    async def one_item(wid: int) -> _ItemResult:
        try:
            return _ItemResult(wid, await fetch(job, client, wid))
        except Exception as exc:
            if not _is_item_failure(exc):
                raise
            return _ItemResult(wid, [], exc)

    async with base._committing(files, state, outcome):
        position = int(state["position"])

        def sources() -> Iterator[Callable[[], AsyncIterator[_ItemResult]]]:
            for wid in ids.iter_from(position):

                async def one(wid: int = wid) -> AsyncIterator[_ItemResult]:
                    yield await one_item(wid)

                yield one

        async with progress.bar(job.kind, ids.count, unit="items") as bar:
            bar.update(done=position)
            async for result in base._ordered(sources(), ahead=job.concurrency):
                for record in result.records:
                    files.write_line(encoder.line(record))
                if result.error is not None:
                    files.write_failed(base._failed_line(result.work_item_id, result.error))
                state["position"] = int(state["position"]) + 1
                state["records"] = int(state["records"]) + len(result.records)
                files.commit(state)
                bar.advance(1)
                if files.failed:
                    bar.note(f"{files.failed} failed")


# -- workflows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkflowRecord:
    """One work item's workflow, as ``export workflows`` writes it."""

    work_item_id: int
    workflow: Workflow


class WorkflowEncoder(base.LineEncoder):
    """One work item a line: ``{"work_item_id": id, "workflow": to_dict(workflow)}`` as JSON, or
    the :data:`WORKFLOW_COLUMNS` as CSV."""

    def __init__(self, fmt: str) -> None:
        super().__init__("workflows", fmt)

    def header(self) -> bytes:
        return self._csv_row(WORKFLOW_COLUMNS) if self.fmt == "csv" else b""

    def line(self, model: Any) -> bytes:
        from .. import to_dict

        record: WorkflowRecord = model
        flow: Mapping[str, Any] = to_dict(record.workflow)
        if self.fmt != "csv":
            data = {"work_item_id": record.work_item_id, "workflow": flow}
            return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        nodes = flow.get("workflow_nodes") or []
        row = {
            "work_item_id": record.work_item_id,
            "template_id": flow.get("template_id"),
            "version": flow.get("version"),
            "current_nodes": [n.state_key or "" for n in record.workflow.current_nodes],
            "nodes": [str(n.get("state_key") or "") for n in nodes],
            "states": [str(n.get("id") or "") for n in flow.get("state_flow_nodes") or []],
            "connections": [
                f"{c.get('source_state_key')}->{c.get('target_state_key')}"
                for c in flow.get("connections") or []
            ],
        }
        return self._csv_row([base._cell(row[key]) for key in WORKFLOW_COLUMNS])


async def _workflow_of(job: base.Job, client: MeegleClient, wid: int) -> list[WorkflowRecord]:
    assert job.project is not None
    assert job.type_key is not None
    flow = await client.workflows.get(
        job.project, job.type_key, wid, flow_type=job.params.get("flow_type")
    )
    return [WorkflowRecord(wid, flow)]
