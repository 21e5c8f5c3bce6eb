"""``meegle-async export comments`` and ``export workflows`` as subprocesses against an
in-process fake: the lines written, CSV, failed ids, usage errors, and an interrupted run resumed
to the same output as an uninterrupted one."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from meegle_async.cli.export_more import COMMENT_COLUMNS, WORKFLOW_COLUMNS
from meegle_async.testing import FakeMeegle
from meegle_async.testing.comments_state import StoredComment, comment_state

PROJECT = "space_demo"


def _env(fake: FakeMeegle) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MEEGLE_") and not k.lower().endswith("_proxy")
    }
    return env | {
        "PYTHONUNBUFFERED": "1",
        "MEEGLE_BASE_URL": fake.base_url,
        "MEEGLE_PLUGIN_ID": fake.plugin_id,
        "MEEGLE_PLUGIN_SECRET": fake.plugin_secret,
        "MEEGLE_USER_KEY": fake.user_key,
    }


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _exists(path: Path) -> bool:
    return path.exists()


def _position(checkpoint: Path) -> int:
    try:
        return int(json.loads(checkpoint.read_text())["state"]["position"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _stories(fake: FakeMeegle) -> list[int]:
    return sorted(
        i.id
        for i in fake.store.items.values()
        if i.project_key == PROJECT and i.type_key == "story" and not i.is_resource
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeMeegle]:
    """A fake (real rate limits: 15 list calls a second) whose stories have 0-4 comments."""
    async with FakeMeegle(seed_items=120, seed=11) as server:
        state = comment_state(server.store)
        for n, wid in enumerate(_stories(server)):
            for k in range(n % 5):
                state.add(
                    StoredComment(
                        id=state.new_id(),
                        project_key=PROJECT,
                        work_item_id=wid,
                        type_key="story",
                        creator=server.user_key,
                        created_at=1_700_000_000_000 + n * 10 + k,
                        content={"type": "TEXT", "text": f'comment {k}, "quoted", of {wid}'},
                    )
                )
        yield server


async def _export(
    fake: FakeMeegle, *args: str, interrupt_after: Path | None = None, kind: str = "comments"
) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "meegle_async",
        "export",
        kind,
        *args,
        env=_env(fake),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    if interrupt_after is not None:
        # Interrupt once the checkpoint shows two work items committed.
        for _ in range(3000):
            if proc.returncode is not None:
                break
            if _position(interrupt_after) >= 2:
                proc.send_signal(signal.SIGINT)
                break
            await asyncio.sleep(0.01)
    _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, err.decode()


def _expected(fake: FakeMeegle, ids: list[int]) -> list[dict[str, object]]:
    state = comment_state(fake.store)
    return [c.v1_view() for wid in ids for c in state.thread(work_item_id=wid)]


async def test_exports_every_comment_in_input_order(fake: FakeMeegle, tmp_path: Path) -> None:
    ids = list(reversed(_stories(fake)[:12]))
    out = tmp_path / "comments.jsonl"
    rc, err = await _export(
        fake,
        "--project",
        PROJECT,
        "--type",
        "story",
        "--ids",
        ",".join(map(str, ids)),
        "--out",
        str(out),
        "-q",
    )
    assert rc == 0, err
    lines = [json.loads(line) for line in _read(out).splitlines()]
    assert lines == _expected(fake, ids)
    assert len(lines) > 10
    assert not _exists(Path(f"{out}.checkpoint.json"))
    assert len(fake.requests_to("list_comments")) == len(ids)
    assert all(r.query.get("page_size") == "200" for r in fake.requests_to("list_comments"))


async def test_csv_and_failed_ids(fake: FakeMeegle, tmp_path: Path) -> None:
    good = _stories(fake)[:4]
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(f"{good[0]}\n999\n" + "".join(f"{i}\n" for i in good[1:]))
    out = tmp_path / "comments.csv"
    rc, err = await _export(
        fake,
        "--project",
        PROJECT,
        "--type",
        "story",
        "--ids-file",
        str(ids_file),
        "--out",
        str(out),
        "--format",
        "csv",
    )
    assert rc == 1, err  # done, with a failed id
    assert "1 ids failed" in err
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == COMMENT_COLUMNS
    expected = _expected(fake, good)
    assert [row[0] for row in rows[1:]] == [str(c["id"]) for c in expected]
    assert [row[5] for row in rows[1:]] == [c["content"] for c in expected]
    (failed,) = _read(Path(f"{out}.failed.txt")).splitlines()
    assert failed.split("\t")[:2] == ["999", "1000051135"]


async def test_usage_errors_send_nothing(fake: FakeMeegle, tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    rc, err = await _export(fake, "--type", "story", "--ids", "1", "--out", str(out))
    assert (rc, "--project is required" in err) == (2, True)
    rc, err = await _export(
        fake, "--project", PROJECT, "--type", "story", "--ids", "x", "--out", str(out)
    )
    assert rc == 2
    assert "not a work item id" in err
    assert fake.requests_to("list_comments") == []


async def test_interrupted_export_resumes_to_the_same_output(
    fake: FakeMeegle, tmp_path: Path
) -> None:
    ids = _stories(fake)[:45]
    args = ["--project", PROJECT, "--type", "story", "--ids", ",".join(map(str, ids))]
    reference = tmp_path / "reference.jsonl"
    rc, err = await _export(fake, *args, "--out", str(reference), "-q")
    assert rc == 0, err

    out = tmp_path / "resumed.jsonl"
    ckpt = Path(f"{out}.checkpoint.json")
    rc, err = await _export(
        fake, *args, "--out", str(out), "--concurrency", "1", interrupt_after=ckpt
    )
    assert rc == 130, err
    assert "--resume" in err
    assert _exists(ckpt)
    rc, err = await _export(fake, *args, "--out", str(out), "--resume", "-q")
    assert rc == 0, err
    assert _read(out) == _read(reference)
    rc, err = await _export(fake, *args, "--out", str(out), "-q")
    assert rc == 2  # exists: refused without --force


# -- workflows -------------------------------------------------------------------------------


async def test_workflows_one_line_per_item_failed_ids_and_csv(
    fake: FakeMeegle, tmp_path: Path
) -> None:
    from meegle_async import MeegleClient, to_dict

    ids = _stories(fake)[:6]
    out = tmp_path / "flows.jsonl"
    args = ["--project", PROJECT, "--type", "story", "--ids", ",".join(map(str, [*ids, 999]))]
    rc, err = await _export(fake, *args, "--out", str(out), "-q", kind="workflows")
    assert rc == 1, err  # 999 does not exist: a failed id, the rest exported
    lines = [json.loads(line) for line in _read(out).splitlines()]
    assert [line["work_item_id"] for line in lines] == ids
    async with MeegleClient(
        base_url=fake.base_url,
        plugin_id=fake.plugin_id,
        plugin_secret=fake.plugin_secret,
        user_key=fake.user_key,
    ) as client:
        flow = await client.workflows.get(PROJECT, "story", ids[0])
    assert lines[0]["workflow"] == to_dict(flow)
    (failed,) = _read(Path(f"{out}.failed.txt")).splitlines()
    assert failed.split("\t")[:2] == ["999", "30005"]
    assert all(r.body.get("flow_type") is None for r in fake.requests_to("get_work_flow"))

    wrong = tmp_path / "wrong.jsonl"
    rc, err = await _export(
        fake,
        *args[:4],
        "--ids",
        str(ids[0]),
        "--flow-type",
        "1",
        "--out",
        str(wrong),
        kind="workflows",
    )
    assert rc == 1, err  # a state-flow read of a node-flow item fails that id (20026)
    assert _read(Path(f"{wrong}.failed.txt")).split("\t")[1] == "20026"

    table = tmp_path / "flows.csv"
    rc, err = await _export(
        fake,
        *args[:4],
        "--ids",
        ",".join(map(str, ids)),
        "--format",
        "csv",
        "--out",
        str(table),
        kind="workflows",
    )
    assert rc == 0, err
    with table.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == WORKFLOW_COLUMNS
    assert [int(row[0]) for row in rows[1:]] == ids
    first = lines[0]["workflow"]
    assert rows[1][4] == "|".join(n["state_key"] for n in first["workflow_nodes"])


async def test_workflows_export_resumes_to_the_same_output(
    fake: FakeMeegle, tmp_path: Path
) -> None:
    ids = _stories(fake)[:45]
    args = ["--project", PROJECT, "--type", "story", "--ids", ",".join(map(str, ids))]
    reference = tmp_path / "reference.jsonl"
    rc, err = await _export(fake, *args, "--out", str(reference), "-q", kind="workflows")
    assert rc == 0, err
    out = tmp_path / "resumed.jsonl"
    rc, err = await _export(
        fake,
        *args,
        "--out",
        str(out),
        "--concurrency",
        "1",
        interrupt_after=Path(f"{out}.checkpoint.json"),
        kind="workflows",
    )
    assert rc == 130, err
    rc, err = await _export(fake, *args, "--out", str(out), "--resume", "-q", kind="workflows")
    assert rc == 0, err
    assert _read(out) == _read(reference)
