"""What the history tells the user and their physiotherapist: lines, one spoken sentence, CSV, a chart.

Everything takes SessionRecords (HistoryStore.sessions()) and the time or time zone to use, so the
output is fixed by its arguments. Text is plain words for screen readers: no colour, no alignment
padding, no symbols read aloud as punctuation.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from voiceguide.history import EventRecord, SessionRecord, iso_utc
from voiceguide.messages import Outcome, StepOutcome

SUMMARY_DAYS = 7
CSV_COLUMNS = (
    "session",
    "routine",
    "started_utc",
    "ended_utc",
    "ended_how",
    "resumed_from",
    "time_utc",
    "event",
    "step",
    "exercise",
    "label",
    "step_outcome",
    "seconds",
    "pain_phase",
    "pain_level",
    "command",
    "source",
    "other",
)
# CSV column -> EventRecord field, with the type to parse it back as.
_EVENT_FIELDS: dict[str, tuple[str, type]] = {
    "step": ("step", int),
    "exercise": ("name", str),
    "label": ("label", str),
    "step_outcome": ("outcome", str),
    "seconds": ("seconds", float),
    "pain_phase": ("phase", str),
    "pain_level": ("level", int),
    "command": ("command", str),
    "source": ("source", str),
}


class PlotUnavailable(Exception):
    """The chart cannot be drawn; the message is one sentence saying how to fix it."""


def ended_words(outcome: str) -> str:
    """How a session ended in plain words (stopped for pain), as a screen reader reads them best."""
    return outcome.replace("_", " ")


def text_lines(sessions: Iterable[SessionRecord], tz: tzinfo | None = None) -> list[str]:
    """One line per session, in the order given (HistoryStore.sessions() gives most recent first).

    e.g. "2026-11-20 08:14  heel-spur  14 min  finished  pain 6 to 4"; times in `tz` (None: local).
    """
    lines = [_line(session, tz) for session in sessions]
    return lines or ["No sessions recorded yet."]


def _line(session: SessionRecord, tz: tzinfo | None) -> str:
    minutes = round((session.last_at - session.started_at).total_seconds() / 60)
    fields = [
        f"{session.started_at.astimezone(tz):%Y-%m-%d %H:%M}",
        session.routine,
        f"{minutes} min",
        ended_words(session.outcome),
    ]
    if session.resumed_from is not None:
        fields.append("resumed")
    skipped = sum(1 for event in session.events if event.kind == "step" and event.outcome == StepOutcome.SKIPPED)
    if skipped:
        fields.append(f"{skipped} skipped")
    fields.extend(_pain_fields(session))
    return "  ".join(fields)


def _pain_fields(session: SessionRecord) -> list[str]:
    before = _levels(session, "before")
    after = _levels(session, "after")
    fields = []
    if before and after:
        fields.append(f"pain {before[0]} to {after[-1]}")
    elif before:
        fields.append(f"pain {before[0]} before")
    elif after:
        fields.append(f"pain {after[-1]} after")
    if _pain_events(session, "during"):
        during = _levels(session, "during")
        fields.append(f"pain {max(during)} during" if during else "pain during")
    return fields


def _pain_events(session: SessionRecord, phase: str) -> list[EventRecord]:
    return [event for event in session.events if event.kind == "pain" and event.phase == phase]


def _levels(session: SessionRecord, phase: str) -> list[int]:
    return [event.level for event in _pain_events(session, phase) if event.level is not None]


def summary_sentence(sessions: Iterable[SessionRecord], now: datetime | None = None) -> str:
    """One sentence to speak for `voiceguide history --say`, about the last SUMMARY_DAYS days.

    The pain trend runs from the first pain reported before or after a session in that time to
    the last one, e.g. "In the past 7 days: 4 sessions, pain down from 6 to 4."
    """
    now = now or datetime.now().astimezone()
    recent = sorted(
        (session for session in sessions if session.started_at > now - timedelta(days=SUMMARY_DAYS)),
        key=lambda session: session.started_at,
    )
    if not recent:
        return f"No sessions in the past {SUMMARY_DAYS} days."
    parts = [f"{len(recent)} session{'s' if len(recent) != 1 else ''}"]
    stopped = sum(1 for session in recent if session.outcome == Outcome.STOPPED_FOR_PAIN)
    if stopped:
        parts.append(f"{stopped} stopped for pain")
    readings = [
        event.level
        for session in recent
        for event in sorted(session.events, key=lambda event: event.at)
        if event.kind == "pain" and event.phase in ("before", "after") and event.level is not None
    ]
    parts.append(_trend(readings))
    return f"In the past {SUMMARY_DAYS} days: {', '.join(parts)}."


def _trend(readings: Sequence[int]) -> str:
    if not readings:
        return "no pain check-ins"
    first, last = readings[0], readings[-1]
    if len(readings) == 1:
        return f"pain at {first}"
    if last < first:
        return f"pain down from {first} to {last}"
    if last > first:
        return f"pain up from {first} to {last}"
    return f"pain steady at {first}"


def to_csv(sessions: Iterable[SessionRecord]) -> str:
    """Everything, one row per event with its session's columns repeated (one row for a session
    with no events), so a spreadsheet can sort and filter it. Times are ISO-8601 UTC."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for session in sessions:
        head = [
            session.id,
            session.routine,
            iso_utc(session.started_at),
            "" if session.ended_at is None else iso_utc(session.ended_at),
            session.outcome,
            _cell(session.resumed_from),
        ]
        if not session.events:
            writer.writerow(head + [""] * (len(CSV_COLUMNS) - len(head)))
        for event in session.events:
            fields = [_cell(getattr(event, name)) for name, _ in _EVENT_FIELDS.values()]
            other = json.dumps(event.extra, sort_keys=True) if event.extra else ""
            writer.writerow([*head, iso_utc(event.at), event.kind, *fields, other])
    return out.getvalue()


def parse_csv(text: str) -> list[SessionRecord]:
    """Read back what to_csv wrote: the same sessions and events, in the same order."""
    rows = csv.DictReader(io.StringIO(text, newline=""))
    if tuple(rows.fieldnames or ()) != CSV_COLUMNS:
        raise ValueError("not a voiceguide history CSV: the header row differs")
    sessions: dict[int, SessionRecord] = {}
    events: dict[int, list[EventRecord]] = {}
    for row in rows:
        key = int(row["session"])
        if key not in sessions:
            sessions[key] = SessionRecord(
                id=key,
                routine=row["routine"],
                started_at=datetime.fromisoformat(row["started_utc"]),
                ended_at=_parse(row["ended_utc"], datetime.fromisoformat),
                outcome=row["ended_how"],
                resumed_from=_parse(row["resumed_from"], int),
            )
            events[key] = []
        if row["event"]:
            fields = {name: _parse(row[column], kind) for column, (name, kind) in _EVENT_FIELDS.items()}
            events[key].append(
                EventRecord(
                    at=datetime.fromisoformat(row["time_utc"]),
                    kind=row["event"],
                    **fields,
                    extra=json.loads(row["other"] or "{}"),
                )
            )
    return [replace(session, events=tuple(events[key])) for key, session in sessions.items()]


def _local(moment: datetime, tz: tzinfo | None) -> datetime:
    """Naive local time: matplotlib would otherwise draw aware times in UTC."""
    return moment.astimezone(tz).replace(tzinfo=None)


def _cell(value: Any) -> Any:
    return "" if value is None else value


def _parse(cell: str, kind: Any) -> Any:
    return None if cell == "" else kind(cell)


def plot(sessions: Sequence[SessionRecord], path: Path, tz: tzinfo | None = None) -> None:
    """Draw pain before/after each session and sessions per day over time into a PNG.

    Needs the optional extra `plot` (matplotlib); raises PlotUnavailable if it is missing or there is
    nothing to draw. Before and after differ in marker and line style, not only in colour; colours
    are safe for colour blindness.
    """
    if not sessions:
        raise PlotUnavailable("There are no sessions to draw yet.")
    try:
        from matplotlib import dates, rc_context
        from matplotlib.figure import Figure
    except ImportError as error:
        raise PlotUnavailable(
            "Drawing a chart needs matplotlib; install it with: pip install 'voiceguide[plot]'."
        ) from error
    ordered = sorted(sessions, key=lambda session: session.started_at)
    with rc_context({"font.size": 15, "axes.linewidth": 1.5, "lines.linewidth": 2.5, "lines.markersize": 10}):
        figure = Figure(figsize=(11, 8), layout="constrained")
        pain_axes, count_axes = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        figure.suptitle("voiceguide history: pain and sessions", fontsize=18, fontweight="bold")
        for phase, marker, style, colour, pick in (
            ("before", "o", "-", "#D55E00", 0),
            ("after", "s", "--", "#0072B2", -1),
        ):
            points = [
                (_local(session.started_at, tz), levels[pick])
                for session in ordered
                if (levels := _levels(session, phase))
            ]
            pain_axes.plot(
                [when for when, _ in points],
                [level for _, level in points],
                marker=marker,
                linestyle=style,
                color=colour,
                label=f"pain {phase} the session",
            )
        pain_axes.set_ylim(-0.5, 10.5)
        pain_axes.set_yticks(range(0, 11, 2))
        pain_axes.set_ylabel("pain, 0 to 10")
        pain_axes.grid(True, alpha=0.4)
        pain_axes.legend(loc="best")
        days = Counter(_local(session.started_at, tz).date() for session in ordered)
        finished = Counter(
            _local(session.started_at, tz).date() for session in ordered if session.outcome == Outcome.FINISHED
        )
        day_list = sorted(days)
        noons = [datetime.combine(day, time(12)) for day in day_list]  # a day's bar stands over the day
        done = [finished[day] for day in day_list]
        count_axes.bar(noons, done, width=0.8, color="#009E73", label="finished")
        count_axes.bar(
            noons,
            [days[day] - finished[day] for day in day_list],
            width=0.8,
            bottom=done,
            color="#E69F00",
            hatch="//",
            edgecolor="black",
            label="ended early",
        )
        count_axes.set_ylabel("sessions")
        count_axes.set_ylim(0, max(days.values()) + 0.5)
        count_axes.yaxis.get_major_locator().set_params(integer=True)
        count_axes.legend(loc="upper right")
        # at least a week wide, so the date labels never repeat and one session is not one huge bar
        last = max(day_list[-1], day_list[0] + timedelta(days=SUMMARY_DAYS - 1))
        count_axes.set_xlim(
            datetime.combine(day_list[0], time()), datetime.combine(last, time()) + timedelta(days=1)
        )
        count_axes.xaxis.set_major_locator(dates.AutoDateLocator(minticks=3, maxticks=10))
        count_axes.xaxis.set_major_formatter(dates.DateFormatter("%b %d"))
        figure.savefig(path, dpi=100)
