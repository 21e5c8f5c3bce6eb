"""``meegle-async export``, driven as a subprocess against the fake server.

A standalone ``meegle-async fake-server`` (2,000 seeded items, real rate limits, 50 ms latency so
a run lasts long enough to be interrupted) serves the exports that read credentials from the
environment; ``--fake`` runs use the embedded one. Interrupted runs (SIGINT, SIGKILL plus a
half-written line) are resumed and compared line by line with an uninterrupted run.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from meegle_async.cli.export import CSV_COLUMNS, UsageError, parse_time
from meegle_async.testing import FakeMeegle

SEED_ITEMS = 2000
PROJECT = "space_demo"


def _base_env() -> dict[str, str]:
    # Nothing from the caller's shell: no real credentials, no proxy in front of loopback.
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MEEGLE_") and not k.lower().endswith("_proxy")
    } | {"PYTHONUNBUFFERED": "1"}


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "meegle_async", "export", *args]


def export(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _cmd(*args),
        env=env if env is not None else _base_env(),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, str]]:
    """The fake server's ``MEEGLE_*`` variables (plus the base environment)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "meegle_async",
            "fake-server",
            "--seed-items",
            str(SEED_ITEMS),
            "--latency",
            "0.05",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_base_env(),
    )
    try:
        assert proc.stdout is not None
        env = _base_env()
        for line in proc.stdout:
            if line.startswith("MEEGLE_"):
                name, _, value = line.strip().partition("=")
                env[name] = value
            if line.startswith("# Ctrl-C"):
                break
        assert "MEEGLE_BASE_URL" in env, proc.stderr.read() if proc.stderr else ""
        yield env
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@pytest.fixture(scope="module")
def seeded() -> FakeMeegle:
    """The same seed as the server's, not started: its store says what the server holds."""
    return FakeMeegle(seed_items=SEED_ITEMS)


@pytest.fixture(scope="module")
def reference(
    server: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """An uninterrupted ``--all`` export of the stories, and their ids as an ids file."""
    work = tmp_path_factory.mktemp("reference")
    out = work / "all.jsonl"
    done = export(
        "details",
        "--project",
        PROJECT,
        "--type",
        "story",
        "--all",
        "--out",
        str(out),
        "-q",
        env=server,
    )
    assert done.returncode == 0, done.stderr
    ids = work / "ids.txt"
    ids.write_text("".join(f"{json.loads(line)['id']}\n" for line in out.open()))
    return out, ids


def _stories(fake: FakeMeegle, since: int | None = None) -> set[int]:
    return {
        i.id
        for i in fake.store.items.values()
        if i.project_key == PROJECT
        and i.type_key == "story"
        and not i.deleted
        and not i.is_resource
        and (since is None or i.updated_at >= since)
    }


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _wait_for_lines(path: Path, proc: subprocess.Popen[str], minimum: int = 1) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"finished before it could be interrupted: {proc.stderr}")
        if path.exists() and path.read_bytes().count(b"\n") >= minimum:
            return
        time.sleep(0.02)
    raise AssertionError("no line written within 30 s")


def _interrupt(args: list[str], out: Path, env: dict[str, str], sig: signal.Signals) -> str:
    proc = subprocess.Popen(
        _cmd(*args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_for_lines(out, proc)
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    expected = 130 if sig == signal.SIGINT else -signal.SIGKILL
    assert proc.returncode == expected, err
    return err


# -- details ---------------------------------------------------------------------------------


def test_all_exports_every_item_of_the_type(
    reference: tuple[Path, Path], seeded: FakeMeegle
) -> None:
    out, _ = reference
    ids = [json.loads(line)["id"] for line in _lines(out)]
    assert len(ids) == len(set(ids))
    assert set(ids) == _stories(seeded)
    assert not Path(f"{out}.checkpoint.json").exists()
    assert not Path(f"{out}.ids.txt").exists()


def test_all_updated_since(server: dict[str, str], seeded: FakeMeegle, tmp_path: Path) -> None:
    since = "2025-11-15"
    out = tmp_path / "recent.jsonl"
    done = export(
        "details",
        "--project",
        PROJECT,
        "--type",
        "story",
        "--all",
        "--updated-since",
        since,
        "--out",
        str(out),
        env=server,
    )
    assert done.returncode == 0, done.stderr
    items = [json.loads(line) for line in _lines(out)]
    expected = _stories(seeded, since=parse_time(since))
    assert 0 < len(expected) < len(_stories(seeded))
    assert {i["id"] for i in items} == expected


def test_ids_file_in_input_order(
    server: dict[str, str], reference: tuple[Path, Path], tmp_path: Path
) -> None:
    all_out, ids = reference
    reversed_ids = tmp_path / "reversed.txt"
    wanted = [int(x) for x in _lines(ids)][::-1][:120]
    reversed_ids.write_text("# newest first\n" + "".join(f"{i}  # note\n" for i in wanted))
    out = tmp_path / "items.jsonl"
    done = export(
        "details",
        "--project",
        PROJECT,
        "--type",
        "story",
        "--ids-file",
        str(reversed_ids),
        "--out",
        str(out),
        env=server,
    )
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["id"] for line in _lines(out)] == wanted
    by_id = {json.loads(line)["id"]: line for line in _lines(all_out)}
    assert _lines(out) == [by_id[i] for i in wanted]


@pytest.mark.parametrize("source", ["--ids-file", "--all"])
def test_sigint_then_resume_equals_an_uninterrupted_run(
    source: str, server: dict[str, str], reference: tuple[Path, Path], tmp_path: Path
) -> None:
    full, ids = reference
    out = tmp_path / "items.jsonl"
    given = ["--ids-file", str(ids)] if source == "--ids-file" else ["--all"]
    args = [
        "details",
        "--project",
        PROJECT,
        "--type",
        "story",
        *given,
        "--concurrency",
        "1",
        "--out",
        str(out),
    ]
    err = _interrupt(args, out, server, signal.SIGINT)
    assert "--resume" in err
    assert "checkpoint saved" in err
    checkpoint = json.loads(Path(f"{out}.checkpoint.json").read_text())
    written = _lines(out)
    assert 0 < len(written) < len(_lines(full))
    assert checkpoint["lines"] == len(written)
    assert checkpoint["state"]["position"] % 50 == 0

    again = export(*args, env=server)
    assert again.returncode == 2
    assert "--resume" in again.stderr
    done = export(*args, "--resume", env=server)
    assert done.returncode == 0, done.stderr
    assert _lines(out) == _lines(full)
    assert not Path(f"{out}.checkpoint.json").exists()
    assert not Path(f"{out}.ids.txt").exists()


def test_kill_mid_write_then_resume(
    server: dict[str, str], reference: tuple[Path, Path], tmp_path: Path
) -> None:
    full, ids = reference
    out = tmp_path / "items.jsonl"
    args = [
        "details",
        "--project",
        PROJECT,
        "--type",
        "story",
        "--ids-file",
        str(ids),
        "--concurrency",
        "1",
        "--out",
        str(out),
        "-q",
    ]
    _interrupt(args, out, server, signal.SIGKILL)
    # A crash between writing and committing: lines past the checkpoint and half a line.
    with out.open("ab") as fh:
        fh.write(_lines(full)[0].encode() + b"\n" + b'{"id": 61000, "na')
    done = export(*args, "--resume", env=server)
    assert done.returncode == 0, done.stderr
    assert _lines(out) == _lines(full)


# -- change log and tasks --------------------------------------------------------------------


def test_change_log_killed_and_resumed(
    server: dict[str, str], reference: tuple[Path, Path], tmp_path: Path
) -> None:
    _, ids = reference
    base = ["change-log", "--project", PROJECT, "--ids-file", str(ids), "--concurrency", "1"]
    full = tmp_path / "full.jsonl"
    done = export(*base, "--out", str(full), "-q", env=server)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in _lines(full)]
    assert len(records) > len(_lines(ids))
    assert {r["work_item_id"] for r in records} <= {int(i) for i in _lines(ids)}

    out = tmp_path / "log.jsonl"
    _interrupt([*base, "--out", str(out)], out, server, signal.SIGKILL)
    assert len(_lines(out)) < len(records)
    done = export(*base, "--out", str(out), "--resume", env=server)
    assert done.returncode == 0, done.stderr
    assert _lines(out) == _lines(full)


def test_change_log_range_in_windows(
    server: dict[str, str], reference: tuple[Path, Path], tmp_path: Path
) -> None:
    _, ids = reference
    out = tmp_path / "log.csv"
    done = export(
        "change-log",
        "--project",
        PROJECT,
        "--ids-file",
        str(ids),
        "--since",
        "2025-05-01",
        "--until",
        "2025-05-31",
        "--format",
        "csv",
        "--out",
        str(out),
        env=server,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows
    assert list(rows[0]) == CSV_COLUMNS["change-log"]
    lo, hi = parse_time("2025-05-01"), parse_time("2025-05-31", end=True)
    assert all(lo <= int(r["operation_time"]) <= hi for r in rows)
    json.loads(rows[0]["record_contents"])


def test_tasks_interrupted_and_resumed(server: dict[str, str], tmp_path: Path) -> None:
    base = ["tasks", "--project", PROJECT, "--since", "2025-09-01", "--until", "2026-01-01"]
    full = tmp_path / "full.jsonl"
    done = export(*base, "--out", str(full), "-q", env=server)
    assert done.returncode == 0, done.stderr
    tasks = [json.loads(line) for line in _lines(full)]
    assert len(tasks) > 200
    assert len({t["sub_task"]["id"] for t in tasks}) == len(tasks)

    out = tmp_path / "tasks.jsonl"
    _interrupt([*base, "--out", str(out)], out, server, signal.SIGINT)
    state = json.loads(Path(f"{out}.checkpoint.json").read_text())["state"]
    assert state["pages"] >= 1
    before = json.loads(Path(f"{out}.checkpoint.json").read_text())["lines"]
    done = export(*base, "--out", str(out), "--resume", env=server)
    assert done.returncode == 0, done.stderr
    assert _lines(out) == _lines(full)
    # The progress count and the closing line agree, an earlier run's lines included.
    counts = re.findall(r"^tasks\s+([\d,]+) tasks", done.stderr, re.M)
    assert counts, done.stderr
    total = len(tasks)
    assert counts[-1] == f"{total:,}"
    assert f"wrote {total:,} lines in {out} ({total - before:,} in this run)" in done.stderr


# -- formats, failures, usage ----------------------------------------------------------------


def test_csv_details_with_field_columns(tmp_path: Path, seeded: FakeMeegle) -> None:
    fake = FakeMeegle(seed_items=100)
    ids = sorted(_stories(fake))[:5]
    out = tmp_path / "items.csv"
    done = export(
        "details",
        "--fake",
        "--ids",
        ",".join(map(str, ids)),
        "--format",
        "csv",
        "--csv-field",
        "priority",
        "--csv-field",
        "watchers",
        "--out",
        str(out),
        "-q",
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == [*CSV_COLUMNS["details"], "priority", "watchers"]
    assert [int(r["id"]) for r in rows] == ids
    for row in rows:
        assert row["project_key"] == PROJECT
        assert row["work_item_type_key"] == "story"
        assert row["priority"] in {"P0", "P1", "P2", "P3"}
        assert int(row["created_at"]) > 10**12
        assert "priority" in json.loads(row["fields_json"])


def test_failed_ids_exit_1_and_side_file(tmp_path: Path) -> None:
    fake = FakeMeegle(seed_items=100)
    good = sorted(_stories(fake))[:3]
    bug = min(i.id for i in fake.store.items.values() if i.type_key == "bug" and not i.is_resource)
    out = tmp_path / "items.jsonl"
    done = export(
        "details",
        "--fake",
        "--ids",
        ",".join(map(str, [good[0], 99, good[1], bug, good[2]])),
        "--out",
        str(out),
    )
    assert done.returncode == 1, done.stderr
    assert [json.loads(line)["id"] for line in _lines(out)] == good
    failed = Path(f"{out}.failed.txt")
    lines = _lines(failed)
    assert [int(line.split("\t")[0]) for line in lines] == [99, bug]
    assert all(len(line.split("\t")) == 4 for line in lines)
    assert "2 ids failed" in done.stderr
    assert str(failed) in done.stderr
    assert not Path(f"{out}.checkpoint.json").exists()
    # The side file is an ids file: give it back to retry the failures.
    again = export(
        "details", "--fake", "--ids-file", str(failed), "--out", str(tmp_path / "retry.jsonl")
    )
    assert again.returncode == 1
    assert len(_lines(Path(f"{tmp_path / 'retry.jsonl'}.failed.txt"))) == 2


def test_api_error_prints_code_message_and_log_id(tmp_path: Path) -> None:
    out = tmp_path / "items.jsonl"
    done = export("details", "--fake", "--type", "nosuch", "--ids", "6100000004", "--out", str(out))
    assert done.returncode == 1
    assert re.search(r"err_code 30014: .*not found.*\(log id \w{10,}\)", done.stderr), done.stderr
    assert "--resume" in done.stderr


def test_missing_credentials_are_named(tmp_path: Path) -> None:
    out = tmp_path / "items.jsonl"
    done = export("details", "--project", "p", "--type", "story", "--ids", "1", "--out", str(out))
    assert done.returncode == 2
    err = done.stderr
    assert "plugin id" in err
    assert "MEEGLE_PLUGIN_ID" in err
    assert "developer platform" in err
    assert "plugin secret" in err
    assert "MEEGLE_PLUGIN_SECRET" in err
    assert "user key" in err
    assert "MEEGLE_USER_KEY" in err
    assert "double-click your avatar" in err
    assert not out.exists()

    env = _base_env() | {"MEEGLE_PLUGIN_ID": "x", "MEEGLE_PLUGIN_SECRET": "y"}
    done = export(
        "details", "--project", "p", "--type", "story", "--ids", "1", "--out", str(out), env=env
    )
    assert done.returncode == 2
    assert "user key" in done.stderr
    assert "plugin id" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["details", "--fake", "--out", "o.jsonl"], "one of the arguments"),
        (["details", "--fake", "--ids", "1,x", "--out", "o.jsonl"], "'x' is not a work item id"),
        (["details", "--fake", "--ids", "1", "--format", "xml", "--out", "o"], "invalid choice"),
        (
            ["details", "--fake", "--ids", "1", "--updated-since", "2025-01-01", "--out", "o"],
            "--updated-since goes with --all",
        ),
        (["details", "--fake", "--ids-file", "missing.txt", "--out", "o"], "cannot read"),
        (["details", "--fake", "--ids", "1", "--out", "o", "--resume"], "no checkpoint"),
        (["tasks", "--fake", "--since", "yesterday", "--out", "o"], "is not a date"),
        (
            ["tasks", "--fake", "--since", "2025-02-01", "--until", "2025-01-01", "--out", "o"],
            "before --since",
        ),
        (["change-log", "--project", "p", "--ids", "1", "--out", "nodir/o"], "does not exist"),
    ],
)
def test_bad_usage_exits_2(args: list[str], message: str, tmp_path: Path) -> None:
    done = export(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()
    assert not (tmp_path / "o.jsonl").exists()


def test_existing_output_and_other_arguments_on_resume(tmp_path: Path) -> None:
    out = tmp_path / "items.jsonl"
    out.write_text("keep me\n")
    args = ["details", "--fake", "--ids", "6100000004", "--out", str(out), "-q"]
    done = export(*args)
    assert done.returncode == 2
    assert "--force" in done.stderr
    assert out.read_text() == "keep me\n"
    assert export(*args, "--force").returncode == 0
    assert json.loads(out.read_text())["id"] == 6100000004

    # A checkpoint from other arguments is not resumed with these.
    bad = export(
        "details",
        "--fake",
        "--type",
        "nosuch",
        "--ids",
        "6100000004",
        "--out",
        str(out),
        "--force",
        "-q",
    )
    assert bad.returncode == 1
    other = export(*args, "--resume")
    assert other.returncode == 2
    assert "differs in: type" in other.stderr


def test_parse_time() -> None:
    assert parse_time("2025-01-31") == 1_738_281_600_000
    assert parse_time("2025-01-31", end=True) == 1_738_281_600_000 + 86_400_000 - 1
    assert parse_time("2025-01-31T08:00:00+08:00") == 1_738_281_600_000
    assert parse_time("2025-01-31T00:00:00Z") == 1_738_281_600_000
    assert parse_time("1738281600000") == 1_738_281_600_000
    assert parse_time("1738281600") == 1_738_281_600_000
    for bad in ("2025-02-30", "12345", "soon"):
        with pytest.raises(UsageError):
            parse_time(bad)


# -- hardening (issues 15 and 18) ------------------------------------------------------------

# Runs the CLI with the output file on a disk that fills up after TEST_DISK_BYTES bytes: what
# is written past that is cut short (a partial write) and OSError(ENOSPC) is raised.
FULL_DISK = r"""
import errno, os, sys
from meegle_async.cli import main
from meegle_async.cli.checkpoint import ExportFiles

room = int(os.environ["TEST_DISK_BYTES"])

class FullDisk:
    def __init__(self, fh):
        self.fh = fh

    def write(self, data):
        global room
        if len(data) > room:
            self.fh.write(data[:room])
            room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        room -= len(data)
        return self.fh.write(data)

    def __getattr__(self, name):
        return getattr(self.fh, name)

create = ExportFiles.create.__func__

def create_on_a_small_disk(cls, out, **kwargs):
    files = create(cls, out, **kwargs)
    files._out = FullDisk(files._out)
    return files

ExportFiles.create = classmethod(create_on_a_small_disk)
sys.exit(main(sys.argv[1:]))
"""

# Runs the CLI and sends it SIGINT (Ctrl-C) while ``--all`` is listing the ids.
CTRL_C_WHILE_LISTING = r"""
import asyncio, os, signal, sys
from meegle_async.cli import main
from meegle_async.endpoints.work_item_search import WorkItemSearch

listing = WorkItemSearch.iter_filter

async def iter_filter(self, *args, **kwargs):
    n = 0
    async for item in listing(self, *args, **kwargs):
        yield item
        n += 1
        if n == 10:
            os.kill(os.getpid(), signal.SIGINT)
            await asyncio.sleep(60)

WorkItemSearch.iter_filter = iter_filter
sys.exit(main(sys.argv[1:]))
"""


def _patched(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script, "export", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_disk_full_stops_with_one_line_a_good_checkpoint_and_the_resume_line(
    server: dict[str, str], reference: tuple[Path, Path], tmp_path: Path
) -> None:
    full, ids = reference
    whole = full.read_bytes()
    out = tmp_path / "items.jsonl"
    args = [
        "details",
        "--project",
        PROJECT,
        "--type",
        "story",
        "--ids-file",
        str(ids),
        "--concurrency",
        "1",
        "--out",
        str(out),
        "-q",
    ]
    room = len(whole) // 3
    done = _patched(FULL_DISK, *args, env=server | {"TEST_DISK_BYTES": str(room)})
    assert done.returncode == 1, done.stderr  # "stopped by an error (checkpoint kept: resume)"
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert errors == [f"meegle-async export: error: cannot write {out}: No space left on device"]
    assert "last good checkpoint" in done.stderr
    assert "Resume with: meegle-async export details" in done.stderr
    assert "--resume" in done.stderr

    # The checkpoint counts whole lines the disk holds, as an uninterrupted run wrote them.
    checkpoint = json.loads(Path(f"{out}.checkpoint.json").read_text())
    committed = out.read_bytes()[: checkpoint["bytes"]]
    assert 0 < checkpoint["bytes"] <= room
    assert committed == whole[: checkpoint["bytes"]]
    assert committed.endswith(b"\n")
    assert committed.count(b"\n") == checkpoint["lines"]
    assert not Path(f"{out}.checkpoint.json.tmp").exists()

    # Room again: the resume ends as an uninterrupted run.
    again = export(*args, "--resume", env=server)
    assert again.returncode == 0, again.stderr
    assert out.read_bytes() == whole


def test_all_interrupted_while_listing_keeps_a_checkpoint_to_resume(
    server: dict[str, str], reference: tuple[Path, Path], tmp_path: Path
) -> None:
    full, _ = reference
    out = tmp_path / "items.jsonl"
    args = ["details", "--project", PROJECT, "--type", "story", "--all", "--out", str(out)]
    done = _patched(CTRL_C_WHILE_LISTING, *args, env=server)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert "checkpoint saved" in done.stderr
    assert "Resume with:" in done.stderr
    checkpoint = json.loads(Path(f"{out}.checkpoint.json").read_text())
    assert checkpoint["lines"] == 0
    assert checkpoint["state"]["ids"] is None  # not listed yet: the resume lists again

    again = export(*args, "--resume", "-q", env=server)
    assert again.returncode == 0, again.stderr
    assert _lines(out) == _lines(full)
    assert not Path(f"{out}.checkpoint.json").exists()
    assert not Path(f"{out}.ids.txt").exists()


def test_resume_line_never_shows_secret_flags(tmp_path: Path) -> None:
    out = tmp_path / "items.jsonl"
    done = export(
        "details",
        "--fake",
        "--type",
        "nosuch",
        "--ids",
        "6100000004",
        "--out",
        str(out),
        "--plugin-secret",
        "s3cret-Plugin-Value",
        "--user-key=Secret-User-Key",
    )
    assert done.returncode == 1, done.stderr
    assert "s3cret-Plugin-Value" not in done.stderr
    assert "Secret-User-Key" not in done.stderr
    resume = next(line for line in done.stderr.splitlines() if line.startswith("Resume with:"))
    assert '--plugin-secret "$MEEGLE_PLUGIN_SECRET"' in resume
    assert '--user-key "$MEEGLE_USER_KEY"' in resume
    assert resume.endswith("--resume")
    assert "set MEEGLE_PLUGIN_SECRET and MEEGLE_USER_KEY in the environment" in done.stderr


# Runs the CLI against a change log that answers empty pages saying has_more, with a new cursor
# each time (for 200 pages: a walk that ignores its bound ends, and the test fails).
ENDLESS_EMPTY_CHANGE_LOG = r"""
import sys
from meegle_async.cli import main
from meegle_async.endpoints.work_items import WorkItems
from meegle_async.models import ChangeLogPage

asked = []

async def get_change_log(self, project_key, ids, *, start_from=None, **filters):
    asked.append(start_from)
    print("asked", len(asked), file=sys.stderr)
    return ChangeLogPage(op_records=[], has_more=len(asked) < 200, start_from=f"c{len(asked)}")

WorkItems.get_change_log = get_change_log
sys.exit(main(sys.argv[1:]))
"""


def test_change_log_export_stops_on_endless_empty_pages(tmp_path: Path) -> None:
    out = tmp_path / "log.jsonl"
    args = ["change-log", "--fake", "--project", PROJECT, "--ids", "1,2,3", "--out", str(out)]
    done = _patched(ENDLESS_EMPTY_CHANGE_LOG, *args, "-q", env=_base_env())
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "export: error: get_work_item_change_log: 4 empty pages in a row" in done.stderr
    assert "Resume with:" in done.stderr
    assert done.stderr.count("asked ") == 4  # the first page and 3 more empty ones, no more
