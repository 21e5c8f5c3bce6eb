"""``meegle-async export attachments``: every attachment of a set of work items, to disk.

``export attachments --project P --type T (--ids 1,2 | --ids-file F | --all [--updated-since D])
--out DIR`` finds the files of each item (its ``multi_file`` fields and rich text, read with the
details endpoint 50 items a request: no knowledge of field types needed) and downloads each to
``DIR/<work item id>/<file name>``, ``--concurrency`` downloads in flight within the rate limits.

``DIR/manifest.jsonl`` gets one line per finished file (``item``, ``field``, ``uuid``, ``name``,
``size``, ``sha256``), written and fsync'ed after the file was renamed into place (downloads go
to a temporary name first). Running the same command again (or with ``--resume``) after Ctrl-C
or ``kill -9`` skips every file of the manifest and downloads the rest; ``--force`` downloads
everything again. Files that failed are listed in ``DIR/failed.txt``.

Exit codes: 0 done; 1 some files failed, or stopped by an error (run it again to continue);
2 bad usage (nothing sent); 130 interrupted (run it again to continue).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .credentials import MissingCredentials, client_from_args, missing_credentials
from .interrupt import cancel_on_signals
from .progress import Progress

if TYPE_CHECKING:
    from ..client import MeegleClient
    from ..models.files import Attachment

__all__ = ["MANIFEST", "register_kind", "run_attachments"]

#: The manifest's name inside ``--out``.
MANIFEST = "manifest.jsonl"
FAILED = "failed.txt"
_PROG = "meegle-async export attachments"
_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]')


class _Usage(Exception):
    """Bad input found before anything is sent (exit 2)."""


def register_kind(kinds: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``attachments`` kind to ``meegle-async export`` (``kinds`` is its subparsers)."""
    parser = kinds.add_parser(
        "attachments",
        parents=[common],
        help="every attachment of work items, to OUT/<id>/<name> with a manifest",
        description=(
            "Download every attachment of the work items to OUT/<work item id>/<file name>, "
            "with OUT/manifest.jsonl (item, field, uuid, name, size, sha256). Run it again "
            "after an interruption: finished files are not downloaded twice. --out is a "
            "directory here."
        ),
    )
    parser.add_argument("--project", metavar="P", help="space project_key or simple_name")
    parser.add_argument("--type", metavar="T", help="work item type key (story, bug, ...)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--ids-file", type=Path, metavar="FILE", help="one id per line")
    source.add_argument("--ids", metavar="1,2,3", help="comma-separated ids")
    source.add_argument("--all", action="store_true", help="every item of the type")
    parser.add_argument(
        "--updated-since",
        metavar="DATE",
        help="with --all: only items updated since DATE (2025-01-31, ISO time, or ms)",
    )
    parser.set_defaults(handler=run_attachments, export_parser=parser)


@dataclass
class _Job:
    out: Path
    project: str
    type_key: str
    ids: list[int] | None
    updated_since: int | None
    concurrency: int
    force: bool
    quiet: bool


@dataclass
class _State:
    done: dict[tuple[int, str], str] = field(default_factory=dict)  # (item, uuid) -> name
    failed: list[str] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    interrupted: bool = False
    error: BaseException | None = None


def _make_job(args: argparse.Namespace) -> _Job:
    from .export import _file_ids, _parse_id, parse_time

    project, type_key = args.project, args.type
    if args.fake:
        from ..testing.seed import DEFAULT_PROJECT_KEY

        project, type_key = project or DEFAULT_PROJECT_KEY, type_key or "story"
    if not project:
        raise _Usage("--project is required (the space's project_key or simple_name)")
    if not type_key:
        raise _Usage("--type is required (the work item type key: story, bug, ...)")
    if args.format != "jsonl":
        raise _Usage("the attachments export writes files and a JSONL manifest: no --format")
    if args.updated_since is not None and not args.all:
        raise _Usage("--updated-since goes with --all")
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise _Usage(f"--out {out} is a file; give a directory")
    if not out.parent.is_dir():
        raise _Usage(f"directory {out.parent} does not exist")
    ids: list[int] | None = None
    try:
        if args.ids is not None:
            ids = [_parse_id(w.strip(), "--ids") for w in args.ids.split(",") if w.strip()]
        elif args.ids_file is not None:
            ids = list(_file_ids(args.ids_file))
        since = parse_time(args.updated_since) if args.updated_since else None
    except Exception as exc:  # export.UsageError
        raise _Usage(str(exc)) from None
    if ids is not None and not ids:
        raise _Usage("no work item ids given: the id list is empty")
    return _Job(
        out=out,
        project=project,
        type_key=type_key,
        ids=list(dict.fromkeys(ids)) if ids is not None else None,
        updated_since=since,
        concurrency=args.concurrency,
        force=args.force,
        quiet=args.quiet,
    )


def run_attachments(args: argparse.Namespace) -> int:
    """Run the attachments export; the exit code (0, 1, 2 or 130)."""
    try:
        job = _make_job(args)
        missing = [] if args.fake else missing_credentials(args, os.environ)
        if missing:
            raise _Usage("missing credentials:\n" + "\n".join(f"  - {m}" for m in missing))
    except _Usage as exc:
        print(f"{_PROG}: error: {exc}", file=sys.stderr)
        return 2
    progress = Progress(sys.stderr, quiet=args.quiet)
    return asyncio.run(_main(job, args, progress))


def read_manifest(out: Path) -> dict[tuple[int, str], str]:
    """The finished files of a manifest: ``(item, uuid) -> name``. A torn last line (the run
    was killed while writing it) is cut off."""
    path = out / MANIFEST
    done: dict[tuple[int, str], str] = {}
    if not path.exists():
        return done
    raw = path.read_bytes()
    good = 0
    for line in raw.splitlines(keepends=True):
        try:
            entry = json.loads(line)
            if not line.endswith(b"\n"):
                raise ValueError("torn")
            done[(int(entry["item"]), str(entry["uuid"]))] = str(entry["name"])
        except (ValueError, KeyError, TypeError):
            break
        good += len(line)
    if good != len(raw):
        with path.open("r+b") as fh:
            fh.truncate(good)
    return done


def safe_name(name: str | None, uuid: str) -> str:
    """A file name that stays inside its directory (no separators, no dot names)."""
    text = _UNSAFE.sub("_", (name or "").strip()).strip(". ")
    return text[:200] if text else f"attachment-{uuid}"


async def _main(job: _Job, args: argparse.Namespace, progress: Progress) -> int:
    state = _State()
    task = asyncio.ensure_future(_export(job, args, progress, state))

    def interrupted() -> None:
        state.interrupted = True

    with cancel_on_signals(task, interrupted):
        try:
            await task
        except asyncio.CancelledError:
            state.interrupted = True
        except _Usage as exc:
            print(f"{_PROG}: error: {exc}", file=sys.stderr)
            return 2
        except Exception as exc:
            state.error = exc
    return _report(job, state)


def _report(job: _Job, state: _State) -> int:
    from .export import describe_error

    err = sys.stderr
    summary = f"{state.files:,} files ({state.bytes:,} bytes) downloaded into {job.out}"
    if state.interrupted:
        print(f"\n{_PROG}: interrupted; {summary}; run it again to continue", file=err)
        return 130
    if state.error is not None:
        print(f"{_PROG}: error: {describe_error(state.error)}", file=err)
        print(f"{_PROG}: stopped; {summary}; run it again to continue", file=err)
        return 1
    if not job.quiet:
        print(f"{_PROG}: {summary}; {len(state.done):,} in {job.out / MANIFEST}", file=err)
    if state.failed:
        print(
            f"{_PROG}: {len(state.failed):,} files failed; listed in {job.out / FAILED}", file=err
        )
        return 1
    return 0


async def _export(job: _Job, args: argparse.Namespace, progress: Progress, state: _State) -> None:
    from ..client import MeegleClient
    from ..errors import MeegleValidationError

    fake: Any = None
    try:
        if args.fake:
            from ..testing import FakeMeegle
            from ..testing.files_state import seed_files

            fake = FakeMeegle(seed_items=args.fake_items, record_requests=False)
            seed_files(fake.store, items=10)
            await fake.start()
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
                raise _Usage(str(exc)) from None
        async with client:
            await _download_all(job, client, progress, state)
    finally:
        if fake is not None:
            await fake.close()


async def _item_ids(job: _Job, client: MeegleClient) -> list[int]:
    if job.ids is not None:
        return job.ids
    updated = None if job.updated_since is None else {"start": job.updated_since}
    ids: list[int] = []
    async for item in client.work_items.iter_filter(
        job.project, work_item_type_keys=[job.type_key], updated_at=updated
    ):
        if item.id is not None:
            ids.append(item.id)
    return ids


async def _find(job: _Job, client: MeegleClient, ids: list[int]) -> list[tuple[int, Attachment]]:
    from ..endpoints.attachments import find_attachments
    from ..models.base import to_dict

    items = await client.work_items.get_details(
        job.project, job.type_key, ids, expand={"need_multi_text": True}
    )
    found: list[tuple[int, Attachment]] = []
    for item in items:
        if item.id is not None:
            found.extend((item.id, a) for a in find_attachments(to_dict(item)))
    return found


def _names(
    found: list[tuple[int, Attachment]], done: Mapping[tuple[int, str], str]
) -> Iterator[tuple[int, Attachment, str]]:
    """Each file with its name in its item's directory, unique within it (a repeated name gets
    the uuid); a finished file keeps the name the manifest gave it."""
    taken: dict[int, set[str]] = {}
    for item_id, att in found:
        if (item_id, att.uuid) in done:
            taken.setdefault(item_id, set()).add(done[(item_id, att.uuid)])
    for item_id, att in found:
        if (item_id, att.uuid) in done:
            yield item_id, att, done[(item_id, att.uuid)]
            continue
        names = taken.setdefault(item_id, set())
        name = safe_name(att.name, att.uuid)
        if name in names:
            stem, dot, ext = name.rpartition(".")
            name = f"{stem} ({att.uuid}).{ext}" if dot and stem else f"{name} ({att.uuid})"
        names.add(name)
        yield item_id, att, name


async def _download_all(job: _Job, client: MeegleClient, progress: Progress, state: _State) -> None:
    job.out.mkdir(exist_ok=True)
    if job.force:
        (job.out / MANIFEST).unlink(missing_ok=True)
    state.done = read_manifest(job.out)
    ids = await _item_ids(job, client)
    found: list[tuple[int, Attachment]] = []
    for start in range(0, len(ids), 50):
        found.extend(await _find(job, client, ids[start : start + 50]))
    todo = [t for t in _names(found, state.done) if (t[0], t[1].uuid) not in state.done]
    total = sum(a.size or 0 for _, a, _ in todo) or None
    manifest = (job.out / MANIFEST).open("ab")
    failed_lines: list[str] = []
    gate = asyncio.Semaphore(job.concurrency)
    try:
        async with progress.bar("attachments", total, unit="bytes") as bar:
            bar.note(f"files 0/{len(todo)}")

            async def one(item_id: int, att: Attachment, name: str) -> None:
                from ..errors import MeegleAPIError, MeegleError

                async with gate:
                    folder = job.out / str(item_id)
                    folder.mkdir(exist_ok=True)
                    seen = [0]

                    def moved(done: int, _total: int | None) -> None:
                        bar.advance(done - seen[0])  # back again when an attempt restarts
                        seen[0] = done

                    try:
                        got = await client.attachments.download_file(
                            job.project,
                            job.type_key,
                            item_id,
                            att.uuid,
                            to=folder / name,
                            progress=moved,
                        )
                    except MeegleError as exc:
                        code = exc.code if isinstance(exc, MeegleAPIError) else ""
                        log_id = exc.log_id if isinstance(exc, MeegleAPIError) else ""
                        failed_lines.append(f"{item_id}\t{att.uuid}\t{code}\t{exc}\t{log_id}\n")
                        state.failed.append(att.uuid)
                        return
                    entry = {
                        "item": item_id,
                        "field": att.field_key,
                        "uuid": att.uuid,
                        "name": name,
                        "size": got.size,
                        "sha256": got.sha256,
                    }
                    line = json.dumps(entry, ensure_ascii=False) + "\n"
                    manifest.write(line.encode())
                    manifest.flush()
                    os.fsync(manifest.fileno())
                    state.done[(item_id, att.uuid)] = name
                    state.files += 1
                    state.bytes += got.size
                    bar.note(f"files {state.files}/{len(todo)}")

            await asyncio.gather(*(one(i, a, n) for i, a, n in todo))
    finally:
        manifest.close()
        if failed_lines:
            (job.out / FAILED).write_text("".join(failed_lines), encoding="utf-8")
