"""``meegle-async demo``: the bulk sync against the embedded fake, end to end."""

from __future__ import annotations

import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from meegle_async.cli.demo import print_summary, real_credentials, run_demo
from meegle_async.cli.progress import Progress
from meegle_async.testing import FakeMeegle

CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("MEEGLE_")}


def _demo(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meegle_async", "demo", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env=env if env is not None else CLEAN_ENV,
    )


def test_demo_exports_updates_and_summarises(tmp_path: Path) -> None:
    done = _demo(tmp_path, "--items", "200", "--batch", "100", "--stats-json", "stats.json")
    assert done.returncode == 0, done.stdout + done.stderr
    # By default the details go to a new temporary folder, named at the start and at the end;
    # the working directory gets only what was asked for (the stats).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stats.json"]
    match = re.search(r"^The exported details go to (.+)$", done.stdout, re.M)
    assert match, done.stdout
    out = Path(match.group(1))
    assert out.parent.parent == Path(tempfile.gettempdir())
    assert out.parent.name.startswith("meegle-demo-")
    assert f"Wrote 200 work items to {out}\n" in done.stdout
    lines = out.read_text(encoding="utf-8").splitlines()
    shutil.rmtree(out.parent)
    items = [json.loads(line) for line in lines]
    assert len(items) == 200
    ids = [item["id"] for item in items]
    assert ids == sorted(set(ids))
    assert all(isinstance(item["fields"], list) and item["name"] for item in items)
    updated = [item for item in items if any(f["field_key"] == "priority" for f in item["fields"])]
    assert updated  # raw server keys are kept

    text = done.stdout
    assert "[1/3] details of 200 work items" in text
    assert "200/200 items" in text  # progress lines (plain: stdout is a pipe)
    assert "\r" not in text
    assert "2/2 tasks" in text
    assert "Throttled answers (HTTP 429) sent by the server: 0" in text
    assert "Wrote 200 work items" in text
    assert "Batch update: 100 of 100 items updated in 2 tasks" in text
    for endpoint in (
        "get_work_item_details",
        "batch_update_work_item_field",
        "get_batch_update_progress",
        "get_work_item_change_log",
    ):
        assert endpoint in text
    assert text.rstrip().endswith("OK")

    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["ok"]
    assert stats["exported"] == 200
    assert stats["batch"] == {"items": 100, "tasks": 2, "updated": 100, "failed": 0}
    assert stats["change_log"]["batch_records"] == 100
    endpoints = stats["stats"]["endpoints"]
    # one request per 50 ids of each (space, type) group the seed spreads the items over
    seeded = FakeMeegle(seed_items=200, seed_subtasks=0, seed_resources=0).store.items.values()
    groups = Counter((i.project_key, i.type_key) for i in seeded)
    chunks = sum(math.ceil(n / 50) for n in groups.values())
    assert endpoints["get_work_item_details"]["requests"] == chunks
    assert endpoints["batch_update_work_item_field"]["requests"] == 2
    assert sum(e["throttled"] for e in endpoints.values()) == 0
    assert stats["server_throttled"] == {}
    phases = {p["name"]: p for p in stats["phases"]}
    # the batch phase cannot beat its floor: 2 tasks at 1 QPS + the 2 s a task runs
    assert phases["batch update"]["floor"] == 3.0
    assert phases["batch update"]["elapsed"] >= 2.9


def test_quiet_prints_only_the_summary(tmp_path: Path) -> None:
    done = _demo(tmp_path, "--items", "60", "--batch", "0", "--quiet", "--out", "x.jsonl")
    assert done.returncode == 0, done.stderr
    assert "ETA" not in done.stdout
    assert "[1/3]" not in done.stdout
    assert "Summary" in done.stdout
    assert len((tmp_path / "x.jsonl").read_text().splitlines()) == 60


def test_refuses_when_real_credentials_are_configured(tmp_path: Path) -> None:
    env = {**CLEAN_ENV, "MEEGLE_PLUGIN_ID": "MII_REAL", "MEEGLE_PLUGIN_SECRET": "s"}
    done = _demo(tmp_path, "--items", "10", "--batch", "0", env=env)
    assert done.returncode == 2
    assert "MEEGLE_PLUGIN_ID" in done.stderr
    assert "--fake" in done.stderr
    assert not any(tmp_path.iterdir())

    forced = _demo(tmp_path, "--items", "10", "--batch", "0", "--fake", "--quiet", env=env)
    assert forced.returncode == 0, forced.stderr
    match = re.search(r"^Wrote 10 work items to (.+)$", forced.stdout, re.M)
    assert match, forced.stdout
    out = Path(match.group(1))
    assert out.exists()
    assert not any(tmp_path.iterdir())
    shutil.rmtree(out.parent)


def test_missing_output_directory_is_refused(tmp_path: Path) -> None:
    done = _demo(tmp_path, "--out", "nowhere/items.jsonl")
    assert done.returncode == 2
    assert "does not exist" in done.stderr


def test_real_credentials_detection() -> None:
    assert real_credentials({}) == []
    assert real_credentials({"MEEGLE_BASE_URL": "https://x"}) == []
    assert real_credentials({"MEEGLE_USER_TOKEN": "u", "MEEGLE_PLUGIN_ID": ""}) == [
        "MEEGLE_USER_TOKEN"
    ]


async def test_run_demo_in_process(tmp_path: Path) -> None:
    out = tmp_path / "items.jsonl"
    report = await run_demo(
        items=120,
        batch=60,
        out=out,
        seed=3,
        batch_task_duration=0.2,
        progress=Progress(io.StringIO(), quiet=True),
    )
    assert report.ok, report.problems
    assert report.exported == 120
    assert report.batch_tasks == 2
    assert report.batch_updated == report.batch_items
    assert report.batch_records == report.batch_updated
    assert [p.name for p in report.phases] == ["setup", "details", "batch update", "change log"]
    summary = io.StringIO()
    print_summary(report, summary)
    assert "limiter wait" in summary.getvalue()
    assert not (tmp_path / "items.jsonl.part").exists()
