"""The session history: every routine played, what was done, paused, skipped and how much it hurt.

One SQLite file (standard library only). Each event is its own transaction, written as it happens, in
WAL mode with a full sync, so Ctrl-C, a crash or kill -9 leaves a truthful partial record: a session
that never got an end is read back as "running" while the process playing it still holds its lock
file (an flock, which the system drops when that process dies), else as "interrupted". A file that
cannot be read, or that a newer voiceguide wrote, is renamed aside untouched (with its -wal/-shm
files) and a new one is started, so the routine always runs. Turning history off means the player simply gets no History at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import platformdirs

from voiceguide.messages import Log, Outcome, StepOutcome

WallClock = Callable[[], datetime]
"""Returns the current time as an aware datetime; passed in so tests fix the clock."""

OUTCOMES = tuple(Outcome)
RUNNING = "running"  # read back for a session without an end whose process is still playing it
RESUMABLE = (Outcome.QUIT, Outcome.INTERRUPTED)  # a session stopped for pain, or still running, is not offered

# Each step takes the schema from the previous version to the next; user_version counts the steps done.
# Never edit a released step: files in the wild were made by it. Add a new one instead.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # v1: sessions and their events
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            routine TEXT NOT NULL,
            started_at TEXT NOT NULL,  -- ISO-8601 UTC, e.g. 2026-11-20T08:14:03.120Z
            ended_at TEXT,             -- NULL until the session is closed: interrupted if it stays so
            outcome TEXT               -- finished, quit, stopped_for_pain, interrupted
        )""",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            at TEXT NOT NULL,
            kind TEXT NOT NULL,        -- part, step, pause, resume, pain, command, or any later kind
            step INTEGER,
            name TEXT,
            label TEXT,
            outcome TEXT,              -- a step's: done or skipped
            seconds REAL,              -- how long the step took, or the pause that just ended
            phase TEXT,                -- a pain check-in's: before, after, during
            level INTEGER,             -- pain 0-10; NULL when "it hurts" came without a number
            command TEXT,
            source TEXT,
            extra TEXT                 -- JSON of whatever else the entry carried
        )""",
        "CREATE INDEX events_by_session ON events(session_id, id)",
    ),
    (  # v2: a session can continue an earlier one (voiceguide NAME --resume)
        "ALTER TABLE sessions ADD COLUMN resumed_from INTEGER REFERENCES sessions(id)",
        "CREATE INDEX sessions_by_routine ON sessions(routine, started_at)",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)

# Log data keys stored in their own column, with the type they must have to go there.
_COLUMN_TYPES: dict[str, type] = {
    "step": int,
    "name": str,
    "label": str,
    "outcome": str,
    "seconds": float,
    "phase": str,
    "level": int,
    "command": str,
    "source": str,
}
_COLUMNS = tuple(_COLUMN_TYPES)
_INSERT_EVENT = (
    f"INSERT INTO events (session_id, at, kind, {', '.join(_COLUMNS)}, extra)"
    f" VALUES (?, ?, ?, {', '.join('?' for _ in _COLUMNS)}, ?)"
)
_ALIASES = {"paused_seconds": "seconds"}
_SIDECARS = ("-wal", "-shm", "-journal")


class HistoryError(Exception):
    """History cannot be used at all (e.g. the folder is not writable); the message is one sentence.

    The routine should go on without history.
    """


def default_path() -> Path:
    """Where the history lives unless --history says otherwise."""
    return Path(platformdirs.user_data_dir("voiceguide")) / "history.sqlite3"


def played_before(routine: str, path: Path | None = None) -> bool:
    """Whether the history holds a session of `routine`. Only reads: a missing or unreadable file is a no."""
    path = default_path() if path is None else path
    if not path.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
            found = connection.execute("SELECT 1 FROM sessions WHERE routine = ? LIMIT 1", (routine,)).fetchone()
    except sqlite3.Error:
        return False
    return found is not None


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class EventRecord:
    """One recorded Log, as read back. Fields the entry did not carry are None."""

    at: datetime
    kind: str
    step: int | None = None
    name: str | None = None
    label: str | None = None
    outcome: str | None = None
    seconds: float | None = None
    phase: str | None = None
    level: int | None = None
    command: str | None = None
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionRecord:
    """One session as read back; `outcome` is "running" or "interrupted" when it has no end yet."""

    id: int
    routine: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str
    resumed_from: int | None
    events: tuple[EventRecord, ...] = ()

    @property
    def last_at(self) -> datetime:
        """The end, or for an interrupted session the last thing known to have happened."""
        if self.ended_at is not None:
            return self.ended_at
        return max((event.at for event in self.events), default=self.started_at)

    def done_steps(self) -> frozenset[int]:
        return frozenset(
            event.step
            for event in self.events
            if event.kind == "step" and event.outcome == StepOutcome.DONE and event.step is not None and event.step >= 0
        )


@dataclass(frozen=True)
class ResumePoint:
    """Where `voiceguide NAME --resume` continues: `step` is the first step (0-based) not done.

    `done` holds every step done in that session and in the sessions it itself resumed, so the
    player may also pass over later steps already done. `step` can be past the routine's last step.
    """

    session_id: int
    started_at: datetime
    step: int
    done: frozenset[int]


class SessionRecorder:
    """The History port for one session: writes each Log as it arrives, in its own transaction."""

    def __init__(self, connection: sqlite3.Connection, path: Path, session_id: int, clock: WallClock,
                 running: IO[bytes]) -> None:
        self._connection = connection
        self._path = path
        self._clock = clock
        self._running = running  # holds the session's lock: see _running_lock
        self.session_id = session_id

    def record(self, entry: Log) -> None:
        """Store the entry stamped now; keys and kinds we do not know go to `extra`, never an error.

        Raises HistoryError if the file cannot be written (disk full, locked too long).
        """
        columns, extra = _split(entry.data)
        _write(
            self._connection,
            self._path,
            _INSERT_EVENT,
            (
                self.session_id,
                iso_utc(self._clock()),
                entry.kind,
                *(columns.get(name) for name in _COLUMNS),
                json.dumps(extra, sort_keys=True, default=str) if extra else None,
            ),
        )

    def close(self, outcome: str) -> None:
        """Give the session its end; `outcome` is one of OUTCOMES."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown session outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
        _write(
            self._connection,
            self._path,
            "UPDATE sessions SET ended_at = ?, outcome = ? WHERE id = ?",
            (iso_utc(self._clock()), outcome, self.session_id),
        )
        with contextlib.suppress(OSError):
            Path(self._running.name).unlink()
        self._running.close()


class HistoryStore:
    """One open history file: starts sessions, reads them back, finds where to resume.

    `notice` is one sentence for the user when a bad file was set aside on opening, else None.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path, clock: WallClock, notice: str | None):
        self._connection = connection
        self._clock = clock
        self.path = path
        self.notice = notice

    @classmethod
    def open(cls, path: Path | None = None, *, clock: WallClock = utc_now) -> HistoryStore:
        """Open or create the file (default_path() if None), migrating an older schema.

        A corrupt file or one from a newer schema is renamed aside and replaced (see `notice`).
        Raises HistoryError when no history file can be had at all.
        """
        path = default_path() if path is None else path
        notice = None
        problem = _unusable(path)
        if problem is not None:
            kind, reason = problem
            aside = _set_aside(path, kind, clock())
            notice = f"The history file {path} {reason}, so it was renamed to {aside.name} and a new one was started."
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as error:
            raise HistoryError(f"Cannot use the history file {path}: {error}.") from error
        try:
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA busy_timeout = 5000")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")  # events are rare: sync each one
            connection.execute("PRAGMA foreign_keys = ON")
            _migrate(connection)
        except sqlite3.Error as error:
            connection.close()
            raise HistoryError(f"Cannot use the history file {path}: {error}.") from error
        return cls(connection, path, clock, notice)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._connection.close()

    def start_session(self, routine: str, *, resumes: int | None = None) -> SessionRecorder:
        """Begin a session of `routine` now; `resumes` is the id of the session it continues.

        Its lock is taken before the new row is committed, so no reader ever sees it without one.
        """
        try:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._connection.execute(
                    "INSERT INTO sessions (routine, started_at, resumed_from) VALUES (?, ?, ?)",
                    (routine, iso_utc(self._clock()), resumes),
                )
                assert cursor.lastrowid is not None
                lock_path = self._running_lock(cursor.lastrowid)
                lock_path.parent.mkdir(exist_ok=True)
                running = lock_path.open("wb")
                fcntl.flock(running, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")
        except (sqlite3.Error, OSError) as error:
            raise HistoryError(f"Cannot write to the history file {self.path}: {error}.") from error
        return SessionRecorder(self._connection, self.path, cursor.lastrowid, self._clock, running)

    def _running_lock(self, session_id: int) -> Path:
        """The file a session's process keeps locked while it plays (one folder beside the history)."""
        return self.path.with_name(f"{self.path.name}.running") / f"{session_id}.lock"

    def _still_running(self, session_id: int) -> bool:
        try:
            with self._running_lock(session_id).open("rb") as lock:
                fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except FileNotFoundError:
            return False
        except BlockingIOError:
            return True
        except OSError:
            return False  # a folder we cannot use: no session can be running with a lock there
        return False

    def sessions(self, *, limit: int | None = None) -> list[SessionRecord]:
        """Sessions with their events, most recent first."""
        return self._load("ORDER BY started_at DESC, id DESC LIMIT ?", (-1 if limit is None else limit,))

    def resume_point(self, routine: str, now: datetime | None = None) -> ResumePoint | None:
        """Where to continue `routine`, if its latest session began today and was quit or interrupted.

        "Today" is the local date; an aware `now` fixes both the clock and the time zone.
        """
        latest = self._load("WHERE routine = ? ORDER BY started_at DESC, id DESC LIMIT 1", (routine,))
        if not latest or latest[0].outcome not in RESUMABLE:
            return None
        session = latest[0]
        today = (now or datetime.now().astimezone()).date()
        if session.started_at.astimezone(now.tzinfo if now else None).date() != today:
            return None
        done = frozenset().union(*(earlier.done_steps() for earlier in self._chain(session)))
        step = next(index for index in count() if index not in done)
        return ResumePoint(session.id, session.started_at, step, done)

    def _chain(self, session: SessionRecord) -> Iterable[SessionRecord]:
        """The session and the ones it resumed, back to the first; ids only go down, so no cycles."""
        yield session
        while session.resumed_from is not None and session.resumed_from < session.id:
            found = self._load("WHERE id = ?", (session.resumed_from,))
            if not found:
                return
            session = found[0]
            yield session

    def _load(self, clause: str, params: tuple[Any, ...]) -> list[SessionRecord]:
        """The sessions `SELECT * FROM sessions {clause}` picks, with their events.

        Both reads share one transaction, so a session written meanwhile cannot appear in only one.
        """
        try:
            self._connection.execute("BEGIN")
            try:
                rows = self._connection.execute(f"SELECT * FROM sessions {clause}", params).fetchall()
                picked = self._connection.execute(
                    f"SELECT * FROM events WHERE session_id IN (SELECT id FROM sessions {clause}) ORDER BY id",
                    params,
                ).fetchall()
            finally:
                self._connection.execute("COMMIT")
        except sqlite3.Error as error:
            raise HistoryError(f"Cannot read the history file {self.path}: {error}.") from error
        events: dict[int, list[EventRecord]] = {row["id"]: [] for row in rows}
        for event in picked:
            events[event["session_id"]].append(_event_record(event))
        return [
            _session_record(row, events[row["id"]], running=row["outcome"] is None and self._still_running(row["id"]))
            for row in rows
        ]


def _split(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Known keys of the right type go to their columns; everything else is kept in `extra`."""
    columns: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in data.items():
        column = _ALIASES.get(key, key)
        wanted = _COLUMN_TYPES.get(column)
        blank = value is None or (isinstance(value, str) and not value)  # "" says nothing: stored as none
        if wanted is not None and column not in columns and (blank or _fits(value, wanted)):
            columns[column] = None if blank else wanted(value)
        else:
            extra[key] = value
    return columns, extra


def _fits(value: Any, wanted: type) -> bool:
    if isinstance(value, bool):
        return False
    if wanted is float:
        return isinstance(value, int | float)
    if wanted is int:
        return isinstance(value, int) and -(2**63) <= value < 2**63  # what an SQLite integer holds
    return isinstance(value, wanted)


def _write(connection: sqlite3.Connection, path: Path, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
    """One statement, one transaction (the connection is in autocommit mode)."""
    try:
        return connection.execute(sql, params)
    except sqlite3.Error as error:
        raise HistoryError(f"Cannot write to the history file {path}: {error}.") from error


def _migrate(connection: sqlite3.Connection) -> None:
    """Bring the schema to SCHEMA_VERSION, one step per transaction, safe against a second process."""
    while True:
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version >= SCHEMA_VERSION:
                connection.execute("COMMIT")
                return
            for statement in _MIGRATIONS[version]:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version + 1}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise


def _unusable(path: Path) -> tuple[str, str] | None:
    """Why an existing file must be set aside, as (suffix kind, reason), or None if it can be used.

    Probes read-only, so the main file and its WAL are left exactly as they are.
    """
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        probe = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise HistoryError(f"Cannot open the history file {path}: {error}.") from error
    try:
        version = probe.execute("PRAGMA user_version").fetchone()[0]
        tables = probe.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
        healthy = probe.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    except sqlite3.DatabaseError as error:
        if error.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            raise HistoryError(f"Cannot open the history file {path}: {error}.") from error
        return "corrupt", "could not be read"
    finally:
        probe.close()
    if not healthy:
        return "corrupt", "is damaged"
    if version > SCHEMA_VERSION:
        return "newer", "was written by a newer version of voiceguide"
    if version == 0 and tables:
        return "corrupt", "is not a voiceguide history"
    return None


def _set_aside(path: Path, kind: str, now: datetime) -> Path:
    """Rename the file and its sidecars to PATH.KIND-YYYYmmddTHHMMSSZ, never over an existing file."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    for attempt in count(1):
        aside = path.with_name(f"{path.name}.{kind}-{stamp}" + (f"-{attempt}" if attempt > 1 else ""))
        if not any(Path(f"{aside}{suffix}").exists() for suffix in ("", *_SIDECARS)):
            break
    try:
        for suffix in ("", *_SIDECARS):
            source = Path(f"{path}{suffix}")
            if source.exists():
                source.rename(f"{aside}{suffix}")
    except OSError as error:
        raise HistoryError(f"Cannot set aside the unreadable history file {path}: {error}.") from error
    return aside


def iso_utc(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and a Z: fixed width, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("history times must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _event_record(row: sqlite3.Row) -> EventRecord:
    columns = {name: row[name] for name in _COLUMNS}
    at = _time(row["at"])
    assert at is not None
    return EventRecord(at=at, kind=row["kind"], **columns, extra=json.loads(row["extra"] or "{}"))


def _session_record(row: sqlite3.Row, events: list[EventRecord], *, running: bool) -> SessionRecord:
    started = _time(row["started_at"])
    assert started is not None
    return SessionRecord(
        id=row["id"],
        routine=row["routine"],
        started_at=started,
        ended_at=_time(row["ended_at"]),
        outcome=row["outcome"] or (RUNNING if running else Outcome.INTERRUPTED),
        resumed_from=row["resumed_from"],
        events=tuple(events),
    )
