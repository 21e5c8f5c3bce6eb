"""``meegle-async`` entry: subcommands found by module, help, version, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from meegle_async import __version__
from meegle_async.cli import build_parser, main


def test_subcommands_are_registered_by_their_modules() -> None:
    parser = build_parser()
    actions = [a for a in parser._actions if a.dest == "command"]
    assert set(actions[0].choices) >= {"demo", "fake-server"}  # type: ignore[arg-type]


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "demo" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_bad_arguments_are_usage_errors() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--items", "0"])
    assert exc.value.code == 2


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "meegle_async", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert "fake-server" in done.stdout
    assert "demo" in done.stdout


def test_library_never_imports_cli_or_testing() -> None:
    code = (
        "import sys, meegle_async, meegle_async.client;"
        "bad = [m for m in sys.modules if m.split('.')[:2] in "
        "(['meegle_async', 'cli'], ['meegle_async', 'testing'])];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout
