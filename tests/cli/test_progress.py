"""The progress renderer: in place on a terminal, periodic plain lines elsewhere, or silent."""

from __future__ import annotations

import io

from meegle_async.cli.progress import Progress, format_duration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_format_duration() -> None:
    assert format_duration(7.44) == "7.4s"
    assert format_duration(125) == "2m05s"
    assert format_duration(3720) == "1h02m"
    assert format_duration(-1) == "?"


def test_line_shows_done_total_rate_and_eta() -> None:
    clock = Clock()
    bar = Progress(io.StringIO(), tty=False, clock=clock).bar("details", 5000)
    clock.now += 2.0
    bar.advance(1000)
    line = bar.line()
    assert "1,000/5,000 items" in line
    assert " 20.0%" in line
    assert "500.0/s" in line
    assert "ETA 8.0s" in line
    assert "elapsed 2.0s" in line
    assert "[####--------------------]" in line


def test_plain_lines_when_not_a_terminal_are_periodic() -> None:
    clock = Clock()
    out = io.StringIO()
    bar = Progress(out, tty=False, plain_interval=2.0, clock=clock).bar("x", 10)
    bar.refresh(force=True)
    for _ in range(5):
        clock.now += 0.5
        bar.advance(1)
    bar.close()
    lines = out.getvalue().splitlines()
    # the first line, one after 2 s, and the final one; no carriage returns
    assert len(lines) == 3
    assert "\r" not in out.getvalue()
    assert "5/10 items" in lines[-1]
    assert "ETA" not in lines[-1]


def test_terminal_redraws_in_place() -> None:
    clock = Clock()
    out = io.StringIO()
    bar = Progress(out, tty=True, tty_interval=0.1, columns=200, clock=clock).bar(
        "x", 3, unit="tasks"
    )
    for _ in range(3):
        clock.now += 0.2
        bar.advance(1)
    bar.note("done")
    bar.close()
    text = out.getvalue()
    assert text.count("\r") == 4
    assert text.count("\n") == 1
    assert text.endswith("\n")
    assert "3/3 tasks" in text.rsplit("\r", 1)[1]
    assert "done" in text.rsplit("\r", 1)[1]


def test_tty_detected_from_the_stream() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert Progress(Tty()).tty
    assert not Progress(io.StringIO()).tty


def test_quiet_writes_nothing() -> None:
    out = io.StringIO()
    bar = Progress(out, quiet=True).bar("x", 2)
    bar.advance(2)
    bar.close()
    assert out.getvalue() == ""


def test_without_total_counts_only() -> None:
    clock = Clock()
    bar = Progress(io.StringIO(), tty=False, clock=clock).bar("records", None, unit="records")
    clock.now += 1
    bar.advance(30)
    assert "30 records" in bar.line()
    assert "ETA --" in bar.line()


async def test_context_manager_ticks_and_closes() -> None:
    import asyncio

    out = io.StringIO()
    async with Progress(out, tty=False, plain_interval=0.02).bar("x", 4) as bar:
        await asyncio.sleep(0.1)
        bar.advance(4)
    lines = out.getvalue().splitlines()
    assert len(lines) >= 3  # first, at least one tick while nothing advanced, final
    assert "4/4 items" in lines[-1]
    assert bar.finished is not None


def test_terminal_lines_are_cut_to_the_width() -> None:
    out = io.StringIO()
    bar = Progress(out, tty=True, columns=40).bar("a long label", 5000)
    bar.note("a note that would make the line wrap on a narrow terminal")
    bar.close()
    assert all(len(part.rstrip("\n")) <= 39 for part in out.getvalue().split("\r"))


def test_a_resumed_bar_counts_earlier_items_but_rates_this_run_only() -> None:
    clock = Clock()
    bar = Progress(io.StringIO(), tty=False, clock=clock).bar("details", 5000)
    bar.resume_from(3000)  # done by the interrupted run
    assert bar.rate == 0.0
    assert bar.eta is None
    clock.now += 2.0
    bar.advance(100)
    line = bar.line()
    assert "3,100/5,000 items" in line
    assert "50.0/s" in line  # 100 items in 2 s, not 3,100
    assert "ETA 38.0s" in line  # 1,900 left at 50/s
