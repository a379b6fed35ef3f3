"""The session history on real SQLite files: what is written, what survives a kill, what is set aside."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import voiceguide
from tests.fakes import AnyRecord
from voiceguide.history import (
    SCHEMA_VERSION,
    EventRecord,
    HistoryError,
    HistoryStore,
    ResumePoint,
    SessionRecord,
    SessionRecorder,
    default_path,
)
from voiceguide.history_report import text_lines

START = datetime(2026, 11, 20, 8, 14, tzinfo=UTC)


class WallClock:
    """A wall clock that moves only when told to."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def only_session(path: Path) -> SessionRecord:
    with HistoryStore.open(path) as store:
        (session,) = store.sessions()
    return session


def test_a_finished_session_reads_back_exactly(tmp_path: Path) -> None:
    clock = WallClock()
    with HistoryStore.open(tmp_path / "history.sqlite3", clock=clock) as store:
        assert store.notice is None
        session = store.start_session("heel-spur")
        for seconds, entry in [
            (1, AnyRecord("pain", {"phase": "before", "level": 6})),
            (2, AnyRecord("part", {"step": 0, "name": "Towel stretch", "label": "Towel stretch, set 1 of 2"})),
            (30, AnyRecord("pause", {})),
            (45, AnyRecord("resume", {"paused_seconds": 15.0})),
            (46, AnyRecord("command", {"command": "next", "source": "voice"})),
            (47, AnyRecord("step", {"step": 0, "name": "Towel stretch", "outcome": "done", "seconds": 45.0})),
            (50, AnyRecord("pain", {"phase": "after", "level": 4})),
        ]:
            clock.now = at(seconds)
            session.record(entry)
        clock.now = at(51)
        session.close("finished")

    assert only_session(tmp_path / "history.sqlite3") == SessionRecord(
        id=session.session_id,
        routine="heel-spur",
        started_at=START,
        ended_at=at(51),
        outcome="finished",
        resumed_from=None,
        events=(
            EventRecord(at(1), "pain", phase="before", level=6),
            EventRecord(at(2), "part", step=0, name="Towel stretch", label="Towel stretch, set 1 of 2"),
            EventRecord(at(30), "pause"),
            EventRecord(at(45), "resume", seconds=15.0),
            EventRecord(at(46), "command", command="next", source="voice"),
            EventRecord(at(47), "step", step=0, name="Towel stretch", outcome="done", seconds=45.0),
            EventRecord(at(50), "pain", phase="after", level=4),
        ),
    )


def test_times_are_stored_as_iso_utc_text(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    clock = WallClock(datetime(2026, 11, 20, 9, 14, 3, 120000, tzinfo=timezone(timedelta(hours=1))))
    with HistoryStore.open(path, clock=clock) as store:
        store.start_session("heel-spur").close("quit")
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT started_at, ended_at, outcome FROM sessions").fetchall() == [
            ("2026-11-20T08:14:03.120Z", "2026-11-20T08:14:03.120Z", "quit")
        ]
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert raw.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def test_unknown_kinds_and_odd_values_are_kept_as_generic_events(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "history.sqlite3", clock=WallClock()) as store:
        session = store.start_session("heel-spur")
        session.record(AnyRecord("cheer", {"text": "well done", "volume": 3}))
        session.record(AnyRecord("pain", {"phase": "during", "level": None}))
        session.record(AnyRecord("step", {"step": "three", "level": True, "name": "", "when": object}))
        session.record(AnyRecord("part", {"step": 2**70}))
        (read,) = store.sessions()
    assert read.events == (
        EventRecord(START, "cheer", extra={"text": "well done", "volume": 3}),
        EventRecord(START, "pain", phase="during"),
        EventRecord(START, "step", extra={"step": "three", "level": True, "when": str(object)}),
        EventRecord(START, "part", extra={"step": 2**70}),
    )


def test_an_unknown_outcome_is_refused(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        session = store.start_session("heel-spur")
        with pytest.raises(ValueError, match="unknown session outcome"):
            session.close("exploded")
        assert store.sessions()[0].ended_at is None


def test_each_event_is_visible_to_another_reader_as_it_happens(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as writer, HistoryStore.open(path) as reader:
        session = writer.start_session("heel-spur")
        assert reader.sessions()[0].outcome == "running"
        session.record(AnyRecord("pause", {}))
        assert [event.kind for event in reader.sessions()[0].events] == ["pause"]
        session.close("quit")
        assert reader.sessions()[0].outcome == "quit"


def record_steps(
    store: HistoryStore, clock: WallClock, outcomes: list[tuple[int, str]], *, resumes: int | None = None
) -> SessionRecorder:
    session = store.start_session("heel-spur", resumes=resumes)
    for step, outcome in outcomes:
        clock.advance(60)
        session.record(
            AnyRecord("step", {"step": step, "name": f"step {step}", "outcome": outcome, "seconds": 60.0})
        )
    return session


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [("quit", ResumePoint(1, START, 2, frozenset({0, 1}))), ("stopped_for_pain", None), ("finished", None)],
)
def test_resume_offers_a_quit_session_but_not_a_pain_stop_or_a_finished_one(
    tmp_path: Path, outcome: str, expected: ResumePoint | None
) -> None:
    clock = WallClock()
    with HistoryStore.open(tmp_path / "history.sqlite3", clock=clock) as store:
        record_steps(store, clock, [(-1, "done"), (0, "done"), (1, "done")]).close(outcome)
        assert store.resume_point("heel-spur", now=at(3600)) == expected
        assert store.resume_point("foot-massage", now=at(3600)) is None


def test_a_resumed_session_continues_from_the_first_step_not_done_in_the_whole_chain(tmp_path: Path) -> None:
    clock = WallClock()
    with HistoryStore.open(tmp_path / "history.sqlite3", clock=clock) as store:
        first = record_steps(store, clock, [(0, "done"), (1, "skipped"), (2, "done")])
        first.close("quit")
        point = store.resume_point("heel-spur", now=at(3600))
        assert point == ResumePoint(first.session_id, START, 1, frozenset({0, 2}))

        second = record_steps(store, clock, [(1, "done")], resumes=point.session_id)
        assert store.resume_point("heel-spur", now=at(3600)) is None  # still running
        second_id = second.session_id
        del second  # as when its process is killed: no close, and the system drops its lock
        assert store.resume_point("heel-spur", now=at(3600)) == ResumePoint(
            second_id, START + timedelta(seconds=180), 3, frozenset({0, 1, 2})
        )
        sessions = store.sessions()
    assert [(s.id, s.outcome, s.resumed_from) for s in sessions] == [
        (second_id, "interrupted", first.session_id),
        (first.session_id, "quit", None),
    ]
    assert text_lines(sessions, UTC) == [
        "2026-11-20 08:17  heel-spur  1 min  interrupted  resumed",
        "2026-11-20 08:14  heel-spur  3 min  quit  1 skipped",
    ]


def test_resume_only_offers_a_session_from_today_in_local_time(tmp_path: Path) -> None:
    clock = WallClock(datetime(2026, 11, 20, 23, 30, tzinfo=UTC))
    with HistoryStore.open(tmp_path / "history.sqlite3", clock=clock) as store:
        record_steps(store, clock, [(0, "done")]).close("quit")
        tokyo = timezone(timedelta(hours=9))  # 08:30 on the 21st there
        assert store.resume_point("heel-spur", now=datetime(2026, 11, 21, 9, 0, tzinfo=tokyo)) is not None
        assert store.resume_point("heel-spur", now=datetime(2026, 11, 21, 0, 10, tzinfo=UTC)) is None


def test_a_session_killed_mid_routine_leaves_a_consistent_record_read_as_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    script = tmp_path / "child.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys, time
            from pathlib import Path
            from voiceguide.history import HistoryStore
            from tests.fakes import AnyRecord

            session = HistoryStore.open(Path(sys.argv[1])).start_session("heel-spur")
            session.record(AnyRecord("pain", {"phase": "before", "level": 5}))
            session.record(AnyRecord("step", {"step": 0, "name": "Towel stretch", "outcome": "done", "seconds": 60.0}))
            print("ready", flush=True)
            for rep in range(10_000):
                session.record(AnyRecord("part", {"step": 1, "name": "Calf raises", "label": f"rep {rep}"}))
                time.sleep(0.002)
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(Path(voiceguide.__file__).parent.parent)}
    child = subprocess.Popen(
        [sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        while not _recorded_parts(path):
            time.sleep(0.01)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as raw:
        assert raw.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    session = only_session(path)
    assert (session.outcome, session.ended_at) == ("interrupted", None)
    assert [event.kind for event in session.events[:2]] == ["pain", "step"]
    labels = [event.label for event in session.events[2:]]
    assert labels == [f"rep {rep}" for rep in range(len(labels))] and labels
    assert text_lines([session])[0].split("  ")[1:4] == ["heel-spur", "0 min", "interrupted"]
    with HistoryStore.open(path) as store:
        point = store.resume_point("heel-spur")
    assert point is not None and (point.session_id, point.step) == (session.id, 1)


def _recorded_parts(path: Path) -> int:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as raw:
        return raw.execute("SELECT count(*) FROM events WHERE kind = 'part'").fetchone()[0]


def _real_history(path: Path) -> None:
    with HistoryStore.open(path) as store:
        session = store.start_session("heel-spur")
        for rep in range(300):
            session.record(AnyRecord("part", {"step": 0, "name": "Calf raises", "label": f"rep {rep} " + "x" * 50}))
        session.close("finished")


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _truncated(path: Path) -> None:
    _real_history(path)
    path.write_bytes(path.read_bytes()[: 3 * 4096 + 100])


@pytest.mark.parametrize("damage", [_random_bytes, _truncated])
def test_a_corrupt_file_is_set_aside_untouched_and_a_new_one_started(tmp_path: Path, damage) -> None:
    path = tmp_path / "history.sqlite3"
    damage(path)
    original = path.read_bytes()
    clock = WallClock(datetime(2026, 11, 20, 8, 14, 5, tzinfo=UTC))

    with HistoryStore.open(path, clock=clock) as store:
        aside = tmp_path / "history.sqlite3.corrupt-20261120T081405Z"
        assert store.notice == (
            f"The history file {path} could not be read, so it was renamed to {aside.name}"
            " and a new one was started."
        )
        store.start_session("heel-spur").close("finished")
        assert [s.outcome for s in store.sessions()] == ["finished"]
    assert aside.read_bytes() == original


def test_a_file_from_a_newer_version_is_set_aside_with_its_wal_files(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    newer = f"""
import os, signal, sqlite3
db = sqlite3.connect({str(path)!r}, isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("CREATE TABLE sessions (id INTEGER PRIMARY KEY, everything TEXT)")
db.execute("INSERT INTO sessions (everything) VALUES ('from the future')")
db.execute("PRAGMA user_version = {SCHEMA_VERSION + 1}")
os.kill(os.getpid(), signal.SIGKILL)  # leaves the -wal and -shm files behind
"""
    subprocess.run([sys.executable, "-c", newer], check=False)
    originals = {suffix: Path(f"{path}{suffix}").read_bytes() for suffix in ("", "-wal")}
    assert Path(f"{path}-shm").exists()

    with HistoryStore.open(path, clock=WallClock()) as store:
        assert store.notice is not None
        assert "was written by a newer version of voiceguide" in store.notice
        assert store.sessions() == []
    aside = tmp_path / "history.sqlite3.newer-20261120T081400Z"
    for suffix, content in originals.items():
        assert Path(f"{aside}{suffix}").read_bytes() == content
    assert Path(f"{aside}-shm").exists()
    with sqlite3.connect(f"file:{aside}?mode=ro", uri=True) as raw:
        assert raw.execute("SELECT everything FROM sessions").fetchall() == [("from the future",)]


def test_setting_aside_twice_in_one_second_keeps_both(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    contents = [os.urandom(4096), os.urandom(4096)]
    for content in contents:
        path.write_bytes(content)
        HistoryStore.open(path, clock=WallClock()).close()
    assert (tmp_path / "history.sqlite3.corrupt-20261120T081400Z").read_bytes() == contents[0]
    assert (tmp_path / "history.sqlite3.corrupt-20261120T081400Z-2").read_bytes() == contents[1]


def test_a_sqlite_file_that_is_not_a_history_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE recipes (name TEXT)")
    raw.close()
    with HistoryStore.open(path, clock=WallClock()) as store:
        assert store.notice is not None and "is not a voiceguide history" in store.notice


def test_a_place_where_no_file_can_be_made_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=r"^Cannot open the history file .*\.$"):
        HistoryStore.open(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(HistoryError, match=r"^Cannot use the history file .*\.$"):
        HistoryStore.open(tmp_path / "file" / "history.sqlite3")


# The first released schema, frozen: files in the wild look like this.
V1_SCHEMA = """
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY, routine TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, outcome TEXT
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id), at TEXT NOT NULL,
    kind TEXT NOT NULL, step INTEGER, name TEXT, label TEXT, outcome TEXT, seconds REAL, phase TEXT,
    level INTEGER, command TEXT, source TEXT, extra TEXT
);
CREATE INDEX events_by_session ON events(session_id, id);
INSERT INTO sessions VALUES (1, 'heel-spur', '2026-11-19T08:00:00.000Z', '2026-11-19T08:12:00.000Z', 'finished');
INSERT INTO sessions VALUES (2, 'heel-spur', '2026-11-20T08:00:00.000Z', NULL, NULL);
INSERT INTO events VALUES
    (1, 1, '2026-11-19T08:01:00.000Z', 'pain', NULL, NULL, NULL, NULL, NULL, 'before', 6, NULL, NULL, NULL),
    (2, 2, '2026-11-20T08:02:00.000Z', 'step', 0, 'Towel stretch', NULL, 'done', 60.0,
     NULL, NULL, NULL, NULL, '{"note": "kept"}');
PRAGMA user_version = 1;
"""


def test_a_v1_file_is_migrated_keeping_its_sessions(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.executescript(V1_SCHEMA)
    raw.close()

    clock = WallClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    with HistoryStore.open(path, clock=clock) as store:
        assert store.notice is None
        before = store.sessions()
        point = store.resume_point("heel-spur", now=clock.now)
        assert point is not None
        store.start_session("heel-spur", resumes=point.session_id).close("finished")
        after = store.sessions()
    assert SCHEMA_VERSION == 2
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (2,)
    assert [(s.id, s.outcome, s.resumed_from) for s in before] == [
        (2, "interrupted", None),
        (1, "finished", None),
    ]
    assert before[0].events == (
        EventRecord(
            datetime(2026, 11, 20, 8, 2, tzinfo=UTC),
            "step",
            step=0,
            name="Towel stretch",
            outcome="done",
            seconds=60.0,
            extra={"note": "kept"},
        ),
    )
    assert before[1].events == (
        EventRecord(datetime(2026, 11, 19, 8, 1, tzinfo=UTC), "pain", phase="before", level=6),
    )
    assert (point.session_id, point.step) == (2, 1)
    assert [(s.id, s.resumed_from) for s in after] == [(3, 2), (2, None), (1, None)]


def test_a_migrated_file_has_the_same_schema_as_a_new_one(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as raw:
        raw.executescript(V1_SCHEMA)
    raw.close()
    HistoryStore.open(old).close()
    HistoryStore.open(tmp_path / "new.sqlite3").close()

    def schema(path: Path) -> list[tuple[str, str]]:
        with sqlite3.connect(path) as raw:
            columns = raw.execute(
                "SELECT m.name, p.name || ' ' || p.type FROM sqlite_schema m, pragma_table_info(m.name) p"
                " ORDER BY m.name, p.cid"
            ).fetchall()
            indexes = raw.execute("SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index'").fetchall()
        return sorted(columns + indexes)

    assert schema(old) == schema(tmp_path / "new.sqlite3")


def test_the_default_file_lives_in_the_user_data_folder() -> None:
    assert default_path().parts[-2:] == ("voiceguide", "history.sqlite3")
