"""Many workers, one token: aggregate throughput through the Redis backend, and its cost.

    python benchmarks/redis_workers.py            # 1, 2, 4, 8 processes, median of 3 runs (~2 min)
    python benchmarks/redis_workers.py --quick    # 1, 2, 4 processes, short runs (~30 s)
    python benchmarks/redis_workers.py --redis-url redis://127.0.0.1:6379/15

Bursts (issue 17): 2 and 4 processes share 15 calls from idle (each answered after 20 ms), and
then 40 chunk-sized calls; the figures are the slowest answer of the burst against the round
trip, and the 40 calls against the strict-window floor (2 s plus a round trip).

For each fleet size P, P worker processes (20 coroutines each) share one plugin token and one
Redis and call one endpoint (15 QPS) of a loopback server that counts arrivals and throttles the
16th request in any sliding second. The figure is the pace (the arrivals before the last
second's worth, over the time until the next one) as a ratio to 15; the run also records the
most arrivals seen in any one-second window and the throttled answers (both must stay at <= 15
and 0).

The added latency of one Redis acquire is the median time of ``acquire`` (one ``EVALSHA``) on a
free key, minus the same for the in-memory backend, with Redis on loopback.

Without ``--redis-url`` the benchmark starts its own ``redis-server`` (from PATH) on a free port.
Figures go to ``benchmarks/results/redis_workers.json`` (machine, Python, versions, date).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from importlib import metadata
from pathlib import Path
from typing import Any

from aiohttp import web

RESULTS = Path(__file__).parent / "results"
WORKER_SCRIPT = str(Path(__file__).resolve())
LIMIT = 15
ENDPOINT = "get_work_item_details"
PATH = "/open_api/{project_key}/work_item/{work_item_type_key}/query"


# -- the worker process ------------------------------------------------------------------------


async def _worker(cfg: dict[str, Any]) -> dict[str, Any]:
    from meegle_async import MeegleClient, RetryPolicy
    from meegle_async.backends.redis import shared_state_from_url

    client = MeegleClient(
        base_url=cfg["base_url"],
        plugin_id="bench-plugin",
        plugin_secret="bench-secret",
        user_key="bench-user",
        shared_state=shared_state_from_url(cfg["redis_url"], key_prefix=cfg["key_prefix"]),
        retry_policy=RetryPolicy(max_retries=2, backoff_base=0.01, backoff_max=0.05),
    )
    if cfg.get("mode") == "burst":
        return await _burst_worker(client, cfg)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    done = 0

    async def loop() -> None:
        nonlocal done
        while True:
            await client.request(
                ENDPOINT,
                "POST",
                PATH,
                path_params={"project_key": "bench", "work_item_type_key": "story"},
                json={"work_item_ids": [1]},
            )
            done += 1

    tasks = [asyncio.create_task(loop()) for _ in range(cfg["coroutines"])]
    await asyncio.sleep(cfg["duration"])
    for task in tasks:
        task.cancel()
    _, pending = await asyncio.wait(tasks, timeout=10)
    for task in pending:
        coro: Any = task.get_coro()
        while coro is not None:
            frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
            if frame is not None:
                print("  ", frame.f_code.co_filename, frame.f_lineno, file=sys.stderr)
            coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        print("  awaiting", task, file=sys.stderr)
    await client.aclose()
    return {"done": done}


async def _burst_worker(client: Any, cfg: dict[str, Any]) -> dict[str, Any]:
    """One process of a burst: its share of 15 calls from idle, then its share of 40 chunks."""

    async def call() -> float:
        started = time.monotonic()
        await client.request(
            ENDPOINT,
            "POST",
            PATH,
            path_params={"project_key": "bench", "work_item_type_key": "story"},
            json={"work_item_ids": [1]},
        )
        return time.monotonic() - started

    await call()  # the token, a connection, the script loaded
    await asyncio.sleep(1.1)
    rtt = await call()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    latencies = await asyncio.gather(*(call() for _ in range(cfg["burst"])))
    await asyncio.sleep(1.5)  # the fleet's window is empty again
    bulk_start = time.monotonic()
    await asyncio.gather(*(call() for _ in range(cfg["chunks"])))
    bulk_end = time.monotonic()
    await client.aclose()
    return {
        "rtt": rtt,
        "latencies": list(latencies),
        "bulk_start": bulk_start,
        "bulk_end": bulk_end,
    }


# -- the counting server -----------------------------------------------------------------------


class CountingServer:
    """Counts arrivals, throttles beyond LIMIT in any sliding second, answers tokens."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.window: deque[float] = deque()
        self.throttled = 0
        self.token_requests = 0
        self.runner: web.AppRunner | None = None
        self.base_url = ""
        self.latency = 0.0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        await request.read()
        if request.path.startswith("/open_api/authen/"):
            self.token_requests += 1
            return web.json_response(
                {"error": {"code": 0}, "data": {"token": "bench-token", "expire_time": 7200}}
            )
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        if len(self.window) >= LIMIT:
            self.throttled += 1
            return web.json_response({}, status=429, headers={"Retry-After": "1"})
        self.window.append(now)
        self.arrivals.append(now)
        if self.latency:
            await asyncio.sleep(self.latency)
        return web.json_response({"err_code": 0, "err_msg": "", "err": {}, "data": {"ok": True}})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def reset(self) -> None:
        self.arrivals.clear()
        self.window.clear()
        self.throttled = 0
        self.token_requests = 0

    def max_in_window(self) -> int:
        best, start = 0, 0
        for end, t in enumerate(self.arrivals):
            while t - self.arrivals[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best


# -- one fleet run -----------------------------------------------------------------------------


async def fleet_run(
    server: CountingServer, redis_url: str, processes: int, duration: float, coroutines: int
) -> dict[str, Any]:
    server.reset()
    cfg = {
        "base_url": server.base_url,
        "redis_url": redis_url,
        # A fresh prefix per run: no token or window carried over from the run before.
        "key_prefix": f"bench{time.time_ns()}",
        "coroutines": coroutines,
        "duration": duration,
    }
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            WORKER_SCRIPT,
            "--worker",
            json.dumps(cfg),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    for proc in procs:
        assert proc.stdout is not None
        line = await proc.stdout.readline()
        if line.strip() != b"ready":
            raise RuntimeError(f"a worker failed to start: {line!r}")
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
    for proc in procs:
        await proc.communicate()
    times = server.arrivals
    # Requests come in bursts of up to LIMIT: the pace is the requests before the last window's
    # worth over the time until the one after them (paced or bursty traffic alike).
    k = len(times) - LIMIT
    pace = k / (times[k] - times[0]) if k > 0 else float("nan")
    return {
        "ratio": pace / LIMIT,
        "pace_qps": pace,
        "requests": len(times),
        "max_in_1s": server.max_in_window(),
        "throttled": server.throttled,
        "token_requests": server.token_requests,
    }


async def burst_run(server: CountingServer, redis_url: str, processes: int) -> dict[str, Any]:
    """15 calls from idle and then 40 chunks, shared by ``processes`` processes (20 ms answers)."""
    server.reset()
    server.latency = 0.02
    burst, chunks = 15, 40
    cfgs = [
        {
            "mode": "burst",
            "base_url": server.base_url,
            "redis_url": redis_url,
            "key_prefix": f"burst{time.time_ns()}",
            "burst": burst // processes + (1 if n < burst % processes else 0),
            "chunks": chunks // processes + (1 if n < chunks % processes else 0),
        }
        for n in range(processes)
    ]
    prefix = cfgs[0]["key_prefix"]
    for cfg in cfgs:
        cfg["key_prefix"] = prefix
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            WORKER_SCRIPT,
            "--worker",
            json.dumps(cfg),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for cfg in cfgs
    ]
    for proc in procs:
        assert proc.stdout is not None
        line = await proc.stdout.readline()
        if line.strip() != b"ready":
            raise RuntimeError(f"a worker failed to start: {line!r}")
    await asyncio.sleep(1.5)  # the warm-up calls have left the window
    server.reset()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
    results = []
    for proc in procs:
        out, _ = await proc.communicate()
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    server.latency = 0.0
    rtt = min(r["rtt"] for r in results)
    slowest = max(max(r["latencies"]) for r in results)
    bulk = max(r["bulk_end"] for r in results) - min(r["bulk_start"] for r in results)
    floor = (math.ceil(chunks / LIMIT) - 1) * 1.0 + rtt
    return {
        "processes": processes,
        "round_trip_ms": rtt * 1000,
        "burst_slowest_ms": slowest * 1000,
        "burst_overhead_ms": (slowest - rtt) * 1000,
        "chunks_40_s": bulk,
        "chunks_40_floor_s": floor,
        "chunks_40_ratio": bulk / floor,
        "max_in_1s": server.max_in_window(),
        "throttled": server.throttled,
    }


# -- the cost of one acquire -------------------------------------------------------------------


async def acquire_latency(redis_url: str, samples: int) -> dict[str, float]:
    from meegle_async.backends.redis import shared_state_from_url
    from meegle_async.transport.limits import MemoryLimiterBackend

    prefix = f"bench{time.time_ns()}"
    limiter = shared_state_from_url(redis_url, key_prefix=prefix).limiter
    memory = MemoryLimiterBackend()

    async def measure(backend: Any, tag: str) -> tuple[list[float], list[float]]:
        acquires, releases = [], []
        for i in range(samples):
            key = f"{tag}-{i}:{ENDPOINT}"  # a free key: no waiting, only the cost
            start = time.perf_counter()
            permit = await backend.acquire(key, float(LIMIT))
            mid = time.perf_counter()
            await backend.release(permit)
            end = time.perf_counter()
            acquires.append(mid - start)
            releases.append(end - mid)
        return acquires, releases

    await measure(limiter, "warm")  # connection and script load
    redis_acq, redis_rel = await measure(limiter, "redis")
    mem_acq, _ = await measure(memory, "memory")
    await limiter.aclose()

    def pct(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000

    return {
        "redis_acquire_p50_ms": pct(redis_acq, 0.5),
        "redis_acquire_p99_ms": pct(redis_acq, 0.99),
        "redis_release_p50_ms": pct(redis_rel, 0.5),
        "memory_acquire_p50_ms": pct(mem_acq, 0.5),
        "added_acquire_p50_ms": pct(redis_acq, 0.5) - pct(mem_acq, 0.5),
    }


# -- the run -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_redis(workdir: str) -> tuple[subprocess.Popen[bytes], str]:
    exe = shutil.which("redis-server")
    if exe is None:
        raise SystemExit("redis-server is not on PATH; install it or pass --redis-url")
    port = _free_port()
    proc = subprocess.Popen(
        [
            exe,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("redis-server did not start")


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("meegle-async", "redis", "aiohttp"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    exe = shutil.which("redis-server")
    if exe:
        version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
        out["redis-server"] = version.split("v=")[1].split()[0] if "v=" in version else version
    return out


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    fleets = [1, 2, 4] if args.quick else [1, 2, 4, 8]
    duration = 3.0 if args.quick else args.duration
    runs = args.runs
    with tempfile.TemporaryDirectory() as workdir:
        redis_proc = None
        redis_url = args.redis_url
        if redis_url is None:
            redis_proc, redis_url = _start_redis(workdir)
        server = CountingServer()
        await server.start()
        try:
            rows = []
            for processes in fleets:
                results = []
                for _ in range(runs):
                    results.append(
                        await fleet_run(server, redis_url, processes, duration, args.coroutines)
                    )
                row = {
                    "processes": processes,
                    "coroutines_per_process": args.coroutines,
                    "ratio_to_limit": statistics.median(r["ratio"] for r in results),
                    "pace_qps": statistics.median(r["pace_qps"] for r in results),
                    "max_in_1s": max(r["max_in_1s"] for r in results),
                    "throttled": sum(r["throttled"] for r in results),
                    "token_requests_per_run": max(r["token_requests"] for r in results),
                    "runs": results,
                }
                rows.append(row)
                print(
                    f"{processes:>3} processes: {row['ratio_to_limit']:.3f} of the limit "
                    f"({row['pace_qps']:.2f} QPS), max {row['max_in_1s']} in 1 s, "
                    f"{row['throttled']} throttled, "
                    f"{row['token_requests_per_run']} token request(s)",
                    flush=True,
                )
            bursts = []
            for processes in (2, 4):
                results = [await burst_run(server, redis_url, processes) for _ in range(runs)]
                row = {
                    k: statistics.median(r[k] for r in results)
                    for k in results[0]
                    if k not in ("max_in_1s", "throttled")
                }
                row["max_in_1s"] = max(r["max_in_1s"] for r in results)
                row["throttled"] = sum(r["throttled"] for r in results)
                row["runs"] = results
                bursts.append(row)
                print(
                    f"burst, {processes} processes: 15 from idle, slowest "
                    f"{row['burst_slowest_ms']:.1f} ms (round trip {row['round_trip_ms']:.1f} ms); "
                    f"40 chunks {row['chunks_40_s']:.3f} s = {row['chunks_40_ratio']:.3f} x the "
                    f"floor; max {row['max_in_1s']} in 1 s, {row['throttled']} throttled",
                    flush=True,
                )
            latencies = [await acquire_latency(redis_url, args.samples) for _ in range(runs)]
            latency = {k: statistics.median(x[k] for x in latencies) for k in latencies[0]}
        finally:
            await server.stop()
            if redis_proc is not None:
                redis_proc.kill()
                redis_proc.wait()
    return {
        "benchmark": "redis_workers",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
        },
        "versions": _versions(),
        "settings": {
            "limit_qps": LIMIT,
            "duration_s": duration,
            "runs": runs,
            "quick": args.quick,
            "latency_samples": args.samples,
        },
        "fleets": rows,
        "bursts": bursts,
        "acquire_latency": latency,
    }


def _table(report: dict[str, Any]) -> str:
    lines = [
        "processes  ratio to limit  QPS     max in 1 s  throttled  token requests",
    ]
    for row in report["fleets"]:
        lines.append(
            f"{row['processes']:>9}  {row['ratio_to_limit']:>14.3f}  {row['pace_qps']:>6.2f}  "
            f"{row['max_in_1s']:>10}  {row['throttled']:>9}  {row['token_requests_per_run']:>14}"
        )
    for row in report.get("bursts", []):
        lines.append(
            f"burst, {row['processes']} processes: 15 from idle, slowest "
            f"{row['burst_slowest_ms']:.1f} ms over a {row['round_trip_ms']:.1f} ms round trip; "
            f"40 chunks in {row['chunks_40_ratio']:.3f} x the strict-window floor; "
            f"max {row['max_in_1s']} in 1 s, {row['throttled']} throttled"
        )
    lat = report["acquire_latency"]
    lines.append(
        f"one Redis acquire: p50 {lat['redis_acquire_p50_ms']:.3f} ms, "
        f"p99 {lat['redis_acquire_p99_ms']:.3f} ms; release p50 "
        f"{lat['redis_release_p50_ms']:.3f} ms; in-memory acquire p50 "
        f"{lat['memory_acquire_p50_ms']:.3f} ms; added p50 {lat['added_acquire_p50_ms']:.3f} ms"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="1, 2, 4 processes, 3 s runs")
    parser.add_argument("--runs", type=int, default=3, help="runs per fleet size (median)")
    parser.add_argument("--duration", type=float, default=6.0, help="seconds of traffic per run")
    parser.add_argument("--coroutines", type=int, default=20, help="coroutines per process")
    parser.add_argument("--samples", type=int, default=500, help="acquires timed per run")
    parser.add_argument(
        "--redis-url", default=None, help="an existing Redis (keys under a fresh prefix per run)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "redis_workers.json")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(asyncio.run(_worker(json.loads(args.worker)))), flush=True)
        return 0
    if args.runs < 3:
        parser.error("--runs must be at least 3 (the figures are medians)")
    report = asyncio.run(_main(args))
    print(_table(report))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
