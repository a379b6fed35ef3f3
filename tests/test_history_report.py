"""Reports from a known history: exact lines and sentence, a CSV that reads back, a readable chart."""

from __future__ import annotations

import csv
import io
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fakes import AnyRecord
from voiceguide.history import EventRecord, HistoryStore, SessionRecord
from voiceguide.history_report import (
    PlotUnavailable,
    parse_csv,
    plot,
    summary_sentence,
    text_lines,
    to_csv,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class WallClock:
    """A wall clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def pain(phase: str, level: int | None) -> AnyRecord:
    return AnyRecord("pain", {"phase": phase, "level": level})


def step(index: int, outcome: str = "done") -> AnyRecord:
    return AnyRecord("step", {"step": index, "name": f"exercise {index}", "outcome": outcome, "seconds": 60.0})


# (routine, start, [(minutes into the session, entry)], minutes to the end or None if killed, outcome)
KNOWN = [
    ("heel-spur", "2026-11-12T08:00", [(1, pain("before", 7)), (11, pain("after", 6))], 12, "finished"),
    (
        "heel-spur",
        "2026-11-16T08:14",
        [(1, pain("before", 6)), (5, step(0)), (13, pain("after", 5))],
        14,
        "finished",
    ),
    (
        "heel-spur",
        "2026-11-18T19:02",
        [(1, pain("before", 5)), (3, step(0)), (5, step(1, "skipped")), (6, pain("during", 7))],
        6,
        "stopped_for_pain",
    ),
    (
        "foot-massage",
        "2026-11-19T07:30",
        [(2, AnyRecord("command", {"command": "quit", "source": "voice"}))],
        3,
        "quit",
    ),
    ("heel-spur", "2026-11-20T08:00", [(1, pain("before", 5)), (4, step(0))], None, ""),
    ("heel-spur", "2026-11-20T08:30", [(6, step(1)), (9, pain("after", 4))], 10, "finished"),
]


@pytest.fixture
def store(tmp_path: Path):
    clock = WallClock()
    with HistoryStore.open(tmp_path / "history.sqlite3", clock=clock) as store:
        previous = None
        for routine, start, entries, end, outcome in KNOWN:
            began = datetime.fromisoformat(start).replace(tzinfo=UTC)
            clock.now = began
            resumes = previous if start == "2026-11-20T08:30" else None
            session = store.start_session(routine, resumes=resumes)
            for minutes, entry in entries:
                clock.now = began + timedelta(minutes=minutes)
                session.record(entry)
            if end is not None:
                clock.now = began + timedelta(minutes=end)
                session.close(outcome)
            previous = session.session_id
        yield store


def test_text_lines_most_recent_first(store: HistoryStore) -> None:
    assert text_lines(store.sessions(), UTC) == [
        "2026-11-20 08:30  heel-spur  10 min  finished  resumed  pain 4 after",
        "2026-11-20 08:00  heel-spur  4 min  interrupted  pain 5 before",
        "2026-11-19 07:30  foot-massage  3 min  quit",
        "2026-11-18 19:02  heel-spur  6 min  stopped for pain  1 skipped  pain 5 before  pain 7 during",
        "2026-11-16 08:14  heel-spur  14 min  finished  pain 6 to 5",
        "2026-11-12 08:00  heel-spur  12 min  finished  pain 7 to 6",
    ]
    assert text_lines(store.sessions(limit=1), timezone(timedelta(hours=-9))) == [
        "2026-11-19 23:30  heel-spur  10 min  finished  resumed  pain 4 after"
    ]


def test_text_lines_for_an_empty_history() -> None:
    assert text_lines([]) == ["No sessions recorded yet."]


def test_the_spoken_summary_covers_the_past_seven_days(store: HistoryStore) -> None:
    assert summary_sentence(store.sessions(), NOW) == (
        "In the past 7 days: 5 sessions, 1 stopped for pain, pain down from 6 to 4."
    )
    assert summary_sentence(store.sessions(), NOW + timedelta(days=30)) == "No sessions in the past 7 days."


def session_with(*levels: tuple[str, int | None], outcome: str = "finished") -> SessionRecord:
    events = tuple(
        EventRecord(NOW - timedelta(hours=1, minutes=-index), "pain", phase=phase, level=level)
        for index, (phase, level) in enumerate(levels)
    )
    return SessionRecord(1, "heel-spur", NOW - timedelta(hours=1), NOW, outcome, None, events)


@pytest.mark.parametrize(
    ("sessions", "sentence"),
    [
        ([session_with()], "In the past 7 days: 1 session, no pain check-ins."),
        (
            [session_with(("during", None), outcome="quit")],
            "In the past 7 days: 1 session, no pain check-ins.",
        ),
        ([session_with(("before", 3))], "In the past 7 days: 1 session, pain at 3."),
        ([session_with(("before", 3), ("after", 5))], "In the past 7 days: 1 session, pain up from 3 to 5."),
        (
            [session_with(("before", 4), ("during", 8), ("after", 4), outcome="stopped_for_pain")],
            "In the past 7 days: 1 session, 1 stopped for pain, pain steady at 4.",
        ),
    ],
)
def test_summary_wording(sessions: list[SessionRecord], sentence: str) -> None:
    assert summary_sentence(sessions, NOW) == sentence


def test_csv_export_reads_back_the_same_sessions(store: HistoryStore) -> None:
    sessions = store.sessions()
    text = to_csv(sessions)
    assert parse_csv(text) == sessions

    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == sum(len(session.events) for session in sessions)
    assert rows[-1] == {
        "session": "1",
        "routine": "heel-spur",
        "started_utc": "2026-11-12T08:00:00.000Z",
        "ended_utc": "2026-11-12T08:12:00.000Z",
        "ended_how": "finished",
        "resumed_from": "",
        "time_utc": "2026-11-12T08:11:00.000Z",
        "event": "pain",
        "step": "",
        "exercise": "",
        "label": "",
        "step_outcome": "",
        "seconds": "",
        "pain_phase": "after",
        "pain_level": "6",
        "command": "",
        "source": "",
        "other": "",
    }


def test_a_session_without_events_still_has_its_row() -> None:
    lone = SessionRecord(7, "heel-spur", NOW, None, "interrupted", None)
    text = to_csv([lone])
    assert text.splitlines()[1] == "7,heel-spur,2026-11-20T12:00:00.000Z,,interrupted" + "," * 13
    assert parse_csv(text) == [lone]


def test_a_csv_with_another_header_is_refused() -> None:
    with pytest.raises(ValueError, match="not a voiceguide history CSV"):
        parse_csv("date,pain\n2026-11-20,4\n")


def moments() -> st.SearchStrategy[datetime]:
    """Times as the store keeps them: UTC, to the millisecond."""
    return st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)).map(
        lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000, tzinfo=UTC)
    )


def words() -> st.SearchStrategy[str | None]:
    return st.none() | st.text(min_size=1)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=5,
)
events = st.builds(
    EventRecord,
    at=moments(),
    kind=st.text(min_size=1),
    step=st.none() | st.integers(-(2**63), 2**63 - 1),
    name=words(),
    label=words(),
    outcome=words(),
    seconds=st.none() | st.floats(allow_nan=False, allow_infinity=False),
    phase=words(),
    level=st.none() | st.integers(0, 10),
    command=words(),
    source=words(),
    extra=st.dictionaries(st.text(), json_values, max_size=3),
)
sessions = st.lists(
    st.builds(
        SessionRecord,
        id=st.integers(1, 10**9),
        routine=st.text(),
        started_at=moments(),
        ended_at=st.none() | moments(),
        outcome=st.sampled_from(["finished", "quit", "stopped_for_pain", "interrupted"]),
        resumed_from=st.none() | st.integers(1, 10**9),
        events=st.lists(events, max_size=4).map(tuple),
    ),
    max_size=4,
    unique_by=lambda session: session.id,
)


@given(sessions)
def test_any_history_round_trips_through_csv(records: list[SessionRecord]) -> None:
    assert parse_csv(to_csv(records)) == records


def test_the_plot_is_a_png(store: HistoryStore, tmp_path: Path) -> None:
    target = tmp_path / "history.png"
    plot(store.sessions(), target, UTC)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_empty_history_has_no_chart(tmp_path: Path) -> None:
    with pytest.raises(PlotUnavailable, match="^There are no sessions to draw yet.$"):
        plot([], tmp_path / "history.png")
    assert not (tmp_path / "history.png").exists()


def test_plotting_without_matplotlib_says_how_to_install_it(
    store: HistoryStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what an import finds when it is not installed
    with pytest.raises(PlotUnavailable, match=r"pip install 'voiceguide\[plot\]'"):
        plot(store.sessions(), tmp_path / "history.png")
    assert not (tmp_path / "history.png").exists()
