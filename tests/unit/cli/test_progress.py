"""sync/remove progress: plain lines off a terminal, a live count and estimate on one."""

from __future__ import annotations

import io

from sagewatch_cli.progress import Progress, format_duration


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_off_a_terminal_each_endpoint_is_one_plain_line() -> None:
    out = io.StringIO()
    progress = Progress(4, out, verb="syncing", live=False)
    for name in ("a", "b", "c", "d"):
        progress.step(name, "onboarded (+6 ~0 -0, dashboard create)")
    progress.close()
    assert out.getvalue().splitlines() == [
        f"[{i}/4] {n}: onboarded (+6 ~0 -0, dashboard create)" for i, n in enumerate("abcd", 1)
    ]
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()


def test_on_a_terminal_a_status_line_counts_and_estimates_the_time_left() -> None:
    out, clock = io.StringIO(), _Clock()
    progress = Progress(100, out, verb="syncing", live=True, clock=clock)
    assert progress.status_line() == "syncing: 0/100 endpoint(s) done"
    clock.now = 10.0
    progress.step("a", "onboarded")
    assert progress.estimate_seconds() is None  # one endpoint: too early to say
    clock.now = 20.0
    progress.step("b", "onboarded")
    # 10 s per endpoint so far, 98 left.
    assert progress.estimate_seconds() == 980.0
    assert out.getvalue().endswith("\r\x1b[Ksyncing: 2/100 endpoint(s) done, about 16 min 20 s left")
    assert "\r\x1b[K[  2/100] b: onboarded\n" in out.getvalue()  # counts right-aligned
    progress.close()
    assert out.getvalue().endswith("\r\x1b[K")


def test_no_estimate_for_a_short_run() -> None:
    clock = _Clock()
    progress = Progress(3, io.StringIO(), verb="removing", live=True, clock=clock)
    for _ in range(2):
        clock.now += 0.5
        progress.advance()
    assert progress.estimate_seconds() is None and progress.status_line() == "removing: 2/3 endpoint(s) done"


def test_durations_read_as_a_person_waits() -> None:
    assert [format_duration(s) for s in (4.4, 60, 185, 3600, 4800)] == [
        "4 s",
        "1 min",
        "3 min 5 s",
        "1 h",
        "1 h 20 min",
    ]
