"""``meegle-async fake-server``: the fake Meegle OpenAPI, standalone, until Ctrl-C.

For tests written in other languages (or a client run by hand): it prints the base URL and the
credentials to use, as ``NAME=value`` lines a shell can ``export`` (or one JSON object with
``--json``), and what it seeded (the spaces, the work item types, a few ids, option ids), then
serves on loopback until interrupted (Ctrl-C or SIGTERM).

``--print-env`` prints ``export MEEGLE_...=`` lines (plus ``MEEGLE_FAKE_PID``) and the seed as
``#`` comments, then closes its standard output, so that a shell can start it in the background
and set itself up in one line::

    eval "$(meegle-async fake-server --print-env &)"
    python my_script.py            # MeegleClient.from_env() reaches the fake
    kill "$MEEGLE_FAKE_PID"

Example::

    meegle-async fake-server --port 8765 --seed-items 500 --p-5xx 0.05
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shlex
import signal
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["connection_details", "make_fake", "register", "run", "seed_summary"]


def register(subparsers: Any) -> None:
    """Add the ``fake-server`` command."""
    parser = subparsers.add_parser(
        "fake-server",
        help="run the fake Meegle server standalone (for tests in any language)",
        description=(
            "Serve the embedded fake Meegle OpenAPI on loopback until Ctrl-C. Prints the base "
            "URL, plugin_id, plugin_secret and user_key to use."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (0)")
    parser.add_argument(
        "--seed-items", type=_non_negative, default=100, help="work items to seed (100)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and faults (0)")
    parser.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="answer every request (no 15/1 QPS limits, no HTTP 429)",
    )
    parser.add_argument(
        "--batch-task-duration",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="how long a batch update task runs (2.0)",
    )
    faults = parser.add_argument_group("fault injection (probabilities per request)")
    for flag, help_text in (
        ("--p-429", "answer HTTP 429 with Retry-After"),
        ("--p-5xx", "answer 500/502/503 with an HTML page"),
        ("--p-drop-before", "drop the connection before applying the request"),
        ("--p-drop-after", "apply the request, then drop the connection (answer lost)"),
    ):
        faults.add_argument(flag, type=_probability, default=0.0, metavar="P", help=help_text)
    faults.add_argument(
        "--latency", type=float, default=0.0, metavar="SECONDS", help="delay before answering"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--json", action="store_true", help="print the connection details as one JSON line"
    )
    output.add_argument(
        "--print-env",
        action="store_true",
        help=(
            "print 'export MEEGLE_...=' lines and the seed, then close stdout: "
            'eval "$(meegle-async fake-server --print-env &)" sets a shell up'
        ),
    )
    parser.set_defaults(handler=run)


def _probability(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a probability is within [0, 1], not {text}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {text}")
    return value


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; 0 after a clean stop, 2 when the server cannot start."""
    try:
        asyncio.run(_serve(args, _print))
    except KeyboardInterrupt:
        pass
    except (OSError, ValueError) as err:
        print(f"fake-server: {err}", file=sys.stderr)
        return 2
    print("fake-server: stopped", file=sys.stderr)
    return 0


def _print(text: str) -> None:
    print(text, flush=True)


def make_fake(args: argparse.Namespace) -> Any:
    """The (not yet started) ``FakeMeegle`` that ``fake-server`` serves for these arguments.

    ``make_fake(build_parser().parse_args(["fake-server"]))`` is the fake with the command's
    defaults (100 work items, seed 0, the real rate limits), as the docs' examples use it.
    """
    from ..testing import FakeMeegle, Faults

    faults = Faults(
        p_429=args.p_429,
        p_5xx=args.p_5xx,
        p_drop_before=args.p_drop_before,
        p_drop_after=args.p_drop_after,
        latency=args.latency,
    )
    return FakeMeegle(
        host=args.host,
        port=args.port,
        seed_items=args.seed_items,
        seed=args.seed,
        rate_limits=not args.no_rate_limits,
        batch_task_duration=args.batch_task_duration,
        faults=faults,
    )


async def _serve(args: argparse.Namespace, out: Callable[[str], None]) -> None:
    fake = make_fake(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # SIGTERM (a test harness stopping us) ends as cleanly as Ctrl-C.
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    await fake.start()
    try:
        details = connection_details(fake)
        if args.json:
            out(json.dumps(details))
        elif args.print_env:
            for key in ("base_url", "plugin_id", "plugin_secret", "user_key"):
                out(f"export MEEGLE_{key.upper()}={shlex.quote(str(details[key]))}")
            out(f"export MEEGLE_FAKE_PID={os.getpid()}")
            for line in seed_summary(fake):
                out(f"# {line}")
            out('# stop it with: kill "$MEEGLE_FAKE_PID"')
            _close_stdout()
        else:
            out(f"Fake Meegle server listening on {fake.base_url}")
            for key in ("base_url", "plugin_id", "plugin_secret", "user_key"):
                out(f"MEEGLE_{key.upper()}={details[key]}")
            out(
                f"# project_key {details['project_key']} (simple_name {details['simple_name']}), "
                f"{args.seed_items} seeded work items, rate limits "
                f"{'off' if args.no_rate_limits else 'on (15 QPS, 1 QPS batch update)'}"
            )
            for line in seed_summary(fake):
                out(f"# {line}")
            out("# Ctrl-C stops it")
        await stop.wait()
    finally:
        await fake.close()


def connection_details(fake: Any) -> dict[str, Any]:
    """What a client needs to reach a started ``FakeMeegle``."""
    return {
        "base_url": fake.base_url,
        "plugin_id": fake.plugin_id,
        "plugin_secret": fake.plugin_secret,
        "user_key": fake.user_key,
        "project_key": fake.project_key,
        "simple_name": fake.simple_name,
        "port": fake.port,
    }


def seed_summary(fake: Any) -> list[str]:
    """What a started ``FakeMeegle`` seeded, one line each: spaces, types, a few ids, options.

    The values the docs' examples use (and ``--print-env`` prints as comments).
    """
    store = fake.store
    lines = [
        "spaces: "
        + ", ".join(
            f"{key} (simple_name {space.simple_name}, {space.name!r})"
            for key, space in store.spaces.items()
        )
    ]
    first = store.spaces[fake.project_key]
    kinds = []
    for conf in first.types.values():
        notes = ["state flow" if conf.flow_mode == "stateflow" else "node flow"]
        if conf.resource_enabled:
            notes.append("resource library")
        if conf.disabled:
            notes.append("disabled")
        kinds.append(f"{conf.key} ({', '.join(notes)})")
    lines.append("work item types (in both spaces): " + ", ".join(kinds))
    for project_key in store.spaces:
        for conf in store.spaces[project_key].types.values():
            ids = sorted(
                item.id
                for item in store.items.values()
                if item.project_key == project_key and item.type_key == conf.key
            )
            if ids:
                what = "resource instances" if conf.resource_enabled else "ids"
                shown = " ".join(str(i) for i in ids[:3])
                lines.append(f"{project_key} {conf.key} {what}: {shown} ... ({len(ids)} in all)")
    priority = first.types["story"].fields["priority"]
    options = ", ".join(f"{o['label']}={o['value']}" for o in priority.options)
    lines.append(f"priority option ids (label=value): {options}")
    lines.append(f"user_key {fake.user_key} and {len(store.users) - 1} more users")
    return lines


def _close_stdout() -> None:
    """Let a ``$(...)`` that started us in the background finish: stdout now goes nowhere."""
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
