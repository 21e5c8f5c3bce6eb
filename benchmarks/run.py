"""Run the benchmarks against the embedded fake Meegle server, print a table, write JSON.

    python -m benchmarks            # every scenario, median of 3 runs (several minutes)
    python -m benchmarks --quick    # a smoke run with small sizes, 1 run each
    python -m benchmarks --only bulk_details decode --runs 5

Figures go to ``benchmarks/results/latest.json`` (machine, Python, versions, date). Every target
is a ratio to a floor or a baseline measured in the same run, because machines here are shared
and noisy; each figure is the median over the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from .scenarios import SCENARIOS

RESULTS = Path(__file__).parent / "results"


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("meegle-async", "aiohttp", "attrs", "cattrs", "aiolimiter", "redis"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _median_figures(runs: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in runs[0]:
        values = [r[key] for r in runs]
        if all(isinstance(v, bool) for v in values):
            merged[key] = all(values)
        elif all(isinstance(v, (int, float)) for v in values):
            merged[key] = statistics.median(values)
        else:
            merged[key] = values[-1]
    return merged


def _verdict(value: float, target: float, how: str) -> str:
    if target == float("inf"):
        return "reported"
    ok = value <= target if how == "<=" else value >= target
    return "met" if ok else "MISSED"


async def _run(names: Sequence[str], runs: int, quick: bool) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name in names:
        scenario, key, target, how = SCENARIOS[name]
        figures = []
        for n in range(runs):
            print(f"  {name} run {n + 1}/{runs} ...", file=sys.stderr, flush=True)
            figures.append(await scenario(quick))
        merged = _median_figures(figures)
        results[name] = {
            "figures": merged,
            "runs": figures,
            "target": {"figure": key, "compare": how, "value": target},
            "verdict": _verdict(float(merged[key]), target, how),
        }
    return results


def _table(results: dict[str, Any]) -> str:
    rows = [("scenario", "figure", "median", "target", "verdict")]
    for name, result in results.items():
        target = result["target"]
        value = result["figures"][target["figure"]]
        shown = "-" if target["value"] == float("inf") else f"{target['compare']} {target['value']}"
        rows.append((name, target["figure"], f"{value:.3f}", shown, result["verdict"]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    details = []
    for name, result in results.items():
        figures = ", ".join(
            f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
            for k, v in result["figures"].items()
        )
        details.append(f"{name}: {figures}")
    return "\n".join(lines) + "\n\n" + "\n".join(details)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the scenarios; exit 0 whatever the verdicts (targets are reported, not asserted)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each")
    parser.add_argument("--runs", type=int, default=None, help="runs per scenario (default 3)")
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), help="scenarios to run")
    parser.add_argument("--out", type=Path, default=None, help="where to write the JSON")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    names = args.only or list(SCENARIOS)
    results = asyncio.run(_run(names, runs, args.quick))
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "runs": runs,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpus": os.cpu_count(),
        },
        "versions": _versions(),
        "scenarios": results,
    }
    out = args.out or RESULTS / ("quick.json" if args.quick else "latest.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(_table(results))
    print(f"\nwritten to {out}")
    return 0
