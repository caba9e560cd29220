"""Progress on stderr (verifier.collect.progress): a line every few seconds off a terminal
(CI logs), a bar on one."""

from __future__ import annotations

import io

from tests.verifier.collect.conftest import FakeClock
from verifier.collect.progress import LINE_INTERVAL_SECONDS, ProgressReporter


def test_lines_off_a_terminal_and_a_bar_on_one(clock: FakeClock) -> None:
    lines = io.StringIO()
    reporter = ProgressReporter(lines, tty=False, clock=clock)
    reporter.start_region("us-east-1")
    for done in range(1, 101):
        reporter("signed objects", done, 100)
    assert lines.getvalue().splitlines() == [
        "audit us-east-1: signed objects 1/100",
        "audit us-east-1: signed objects 100/100",
    ]
    bar = io.StringIO()
    tty = ProgressReporter(bar, tty=True, clock=clock)
    tty("signed objects", 50, 100)
    assert "\r" in bar.getvalue() and "[############............] 50/100" in bar.getvalue()
    tty.done()
    assert bar.getvalue().endswith("\r")


def test_a_line_every_interval_and_on_each_new_phase(clock: FakeClock) -> None:
    lines = io.StringIO()
    reporter = ProgressReporter(lines, tty=False, clock=clock)
    reporter.start_region("eu-west-1")
    reporter("functions", 50, 0)
    clock.now += LINE_INTERVAL_SECONDS
    reporter("functions", 900, 0)  # total unknown yet
    reporter("jobs", 1, 10)
    assert lines.getvalue().splitlines() == [
        "audit eu-west-1: functions 50",
        "audit eu-west-1: functions 900",
        "audit eu-west-1: jobs 1/10",
    ]


def test_a_message_clears_the_bar_first(clock: FakeClock) -> None:
    bar = io.StringIO()
    reporter = ProgressReporter(bar, tty=True, clock=clock)
    reporter("jobs", 1, 2)
    reporter.message("listing aliases")
    assert bar.getvalue().endswith("\r" + " " * 78 + "\rlisting aliases\n")
