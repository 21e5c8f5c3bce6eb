"""The benchmark runner works in --quick mode (figures are measured in benchmarks/, not here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.scenarios import SCENARIOS

pytestmark = pytest.mark.slow


def test_quick_run_writes_every_scenario_with_machine_and_versions(tmp_path: Path) -> None:
    out = tmp_path / "quick.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["quick"] is True
    assert set(report["scenarios"]) == set(SCENARIOS)
    assert report["versions"]["python"]
    assert report["machine"]["cpus"] >= 1
    for name, result in report["scenarios"].items():
        figure = result["target"]["figure"]
        assert isinstance(result["figures"][figure], (int, float)), name
        assert result["verdict"] in ("met", "MISSED", "reported")
    figures = report["scenarios"]
    assert figures["bulk_details"]["figures"]["all_ids_once_in_order"] is True
    assert figures["faults"]["figures"]["every_id_once_in_order"] is True
    assert figures["batch_update"]["figures"]["ok"] is True
    assert "bulk_details" in done.stdout  # the table
