"""A part's time and its countdown, alone: exact figures, and properties over any run of starts and stops."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from voiceguide.messages import Priority
from voiceguide.part_timer import PartTimer
from voiceguide.plan import Part, PartKind, Scheduled


def hold(duration: float = 20.0) -> Part:
    schedule = (Scheduled(10, "Keep it steady.", Priority.INSTRUCTION),
                Scheduled(10, "10 seconds.", Priority.TICK),
                *(Scheduled(second, f"{second}.", Priority.TICK) for second in (3, 2, 1)))
    return Part(0, "Stretch", "Stretch", PartKind.TIMED, "Hold.", "Hold.", "Hold.", duration=duration,
                schedule=schedule)


def texts(items: list[Scheduled]) -> list[str]:
    return [item.text for item in items]


def test_each_line_is_due_at_its_time_counted_back_from_the_end() -> None:
    timer = PartTimer(hold())
    assert timer.next_deadline() is None  # stands still until started
    timer.start(100.0)
    assert timer.next_deadline() == 110.0
    assert timer.due(109.9) == ([], False)
    assert texts(timer.due(110.0)[0]) == ["Keep it steady.", "10 seconds."]
    assert [timer.next_deadline(), timer.due(117.0)[0][0].text] == [117.0, "3."]
    assert timer.due(120.0) == ([Scheduled(1, "1.", Priority.TICK)], True)  # "2." is past: not said late
    assert timer.next_deadline() is None and timer.left(125.0) == 0.0


def test_of_several_counts_due_at_once_only_the_latest_is_said() -> None:
    timer = PartTimer(hold())
    timer.start(0.0)
    assert texts(timer.due(18.5)[0]) == ["Keep it steady.", "2."]  # "10 seconds." and "3." are past


def test_a_stop_keeps_the_time_left_and_a_restart_says_nothing_that_was_due_before() -> None:
    timer = PartTimer(hold())
    timer.start(0.0)
    timer.due(12.0)
    timer.stop(12.5)
    assert timer.left(99.0) == 7.5 and timer.partly_run and timer.next_deadline() is None
    timer.start(100.0)
    assert timer.next_deadline() == 104.5  # "3." at 3 s before the end; nothing from before the stop
    due, over = timer.due(107.5)
    assert texts(due) == ["1."] and over


@given(st.lists(st.tuples(st.sampled_from(["start", "stop", "due"]), st.floats(0.0, 6.0)), max_size=40))
def test_any_run_says_each_line_at_most_once_in_order_and_ends_after_exactly_its_time(steps) -> None:
    """Whatever the starts, stops and waits: the time left never grows, stands still while stopped, and
    the part is over exactly when it has run for its duration; no line is said twice or out of order."""
    timer, now, said = PartTimer(hold()), 0.0, []
    ran, since = 0.0, None  # running time before the last start, and that start
    for action, wait in steps:
        before, now = timer.left(now), now + wait
        assert timer.left(now) <= before and (timer.running or timer.left(now) == before)
        if action == "start" and not timer.running:
            timer.start(now)
            since = now
        elif action == "stop" and timer.running:
            timer.stop(now)
            ran, since = ran + now - since, None
        elif action == "due":
            due, over = timer.due(now)
            said += due
            running_time = ran + (now - since if since is not None else 0.0)
            assert over == (since is not None and running_time >= 20.0 - 1e-6)
            if over:
                break
    remaining = [item.remaining for item in said]
    assert remaining == sorted(remaining, reverse=True) and len({id(item) for item in said}) == len(said)
