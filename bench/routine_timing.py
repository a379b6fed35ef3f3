"""A whole routine played for real through a private PulseAudio: start-up to first audible sample, and
how well the holds keep time over the whole routine.

    .venv/bin/python bench/routine_timing.py [--routine heel-spur] [--starts 5] [--start-only]

Start-up: `voiceguide ROUTINE` is launched as a subprocess and the first audible sample on the speaker's
monitor is dated on the monotonic clock; once with an empty phrase cache, then with the cache warm.

To the first exercise: a first and then a later session of the routine (one history file), answered at
once as --preview does (a pain level at the question, "ready" whenever asked): seconds from launch until
the first exercise's opening is heard. `--start-only` stops after these figures.

Drift: the routine runs to its end (the bench types "ready" whenever asked, nothing else). For every
hold, the closing word ("Release.", "Switch sides.") should be heard exactly the hold's duration after
the hold began, and every countdown word at its own moment before that; the figures are the audible
time minus that target, read from the event log and checked against the recording.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.audio.rig import PulseRig, Recording
from tests.audio.speaking import THRESHOLD_DB, level_db, onset
from voiceguide.library import locate
from voiceguide.plan import PartKind, build_plan
from voiceguide.routine import load_routine

VOICEGUIDE = [sys.executable, "-m", "voiceguide"]
QUIET_FLAGS = ["--keys-only", "--no-checkin", "--no-history"]


def summary(values: list[float]) -> str:
    if not values:
        return "none"
    array = np.array(values) * 1000
    return (f"median {np.median(array):.0f} ms, p95 {np.percentile(array, 95):.0f} ms, "
            f"max {array.max():.0f} ms, min {array.min():.0f} ms (n={len(array)})")


def first_audible(rig: PulseRig, since: float, timeout: float = 15.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.1)
        try:
            return onset(rig.monitor.recording(since), since)
        except AssertionError:
            continue
    raise RuntimeError("nothing was heard")


def start_up(rig: PulseRig, routine: str, starts: int, env: dict[str, str]) -> list[float]:
    """Seconds from launching the process to its first audible sample, one per start."""
    delays = []
    for _ in range(starts):
        time.sleep(1.0)
        launched = time.monotonic()
        process = subprocess.Popen([*VOICEGUIDE, routine, *QUIET_FLAGS], env=env, cwd=ROOT,
                                   stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            delays.append(first_audible(rig, launched) - launched)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=10)
    return delays


def to_first_exercise(routine: str, env: dict[str, str], events_file: Path) -> float:
    """Seconds from launch until the opening of the routine's first exercise is audible."""
    parts = build_plan(load_routine(locate(routine)))
    exercise = next(part.exercise for part in parts if part.kind is PartKind.TIMED and not part.is_rest)
    launched = time.monotonic()
    process = subprocess.Popen([*VOICEGUIDE, routine, "--keys-only", "--events", str(events_file)], env=env,
                               cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    for line in process.stdout:
        answer = "3" if "from zero to ten" in line else "ready" if "Say ready" in line else None
        if answer:
            process.stdin.write(answer + "\n")
            process.stdin.flush()
        if line.startswith(f"{exercise}."):
            break
    deadline = time.monotonic() + 60
    while not (heard := _heard_at(events_file, f"{exercise}.")):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the opening of {exercise} was never heard")
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=10)
    return heard - launched


def _heard_at(events_file: Path, opening: str) -> float | None:
    """When the event log says the first line starting with `opening` was heard (None: not yet)."""
    events = [json.loads(line) for line in events_file.read_text().splitlines() if line.endswith("}")]
    said = {e["id"] for e in events if e["event"] == "say" and e["text"].startswith(opening)}
    return next((e["t"] for e in events if e["event"] == "speech_start" and e["id"] in said), None)


def play_to_the_end(rig: PulseRig, routine: str, env: dict[str, str], events_file: Path) -> tuple[list[dict], float]:
    started = time.monotonic()
    process = subprocess.Popen([*VOICEGUIDE, routine, *QUIET_FLAGS, "--events", str(events_file)], env=env,
                               cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    for line in process.stdout:
        if "Say ready" in line:
            process.stdin.write("ready\n")
            process.stdin.flush()
    process.wait(timeout=30)
    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    return events, time.monotonic() - started


def timing_errors(events: list[dict], routine: str, heard: Recording) -> dict[str, list[float]]:
    """Audible minus intended time for closings and countdown words; the event log's audible times
    against the recording's onsets."""
    parts = build_plan(load_routine(locate(routine)))
    audible = {event["id"]: event["t"] for event in events if event["event"] == "speech_start"}
    said = [event for event in events if event["event"] == "say"]
    errors: dict[str, list[float]] = {"closing": [], "countdown": [], "logged vs recorded onset": [], "dropped": []}
    timing_started: dict[int, float] = {}
    previous_phase = None
    for event in events:
        if event["event"] == "state":
            if event["phase"] == "timing" and previous_phase != "timing":
                timing_started.setdefault(event["part"], event["t"])
            previous_phase = event["phase"]
    used: set[int] = set()
    for index, began in timing_started.items():
        part = parts[index]
        if part.kind is not PartKind.TIMED:
            continue
        end = began + part.duration
        targets = [(end - item.remaining, item.text, "countdown") for item in part.schedule]
        if part.closing:
            targets.append((end, part.closing, "closing"))
        for target, text, kind in targets:
            match = next((s for s in said if s["text"] == text and s["id"] not in used and s["t"] >= began - 0.01
                          and s["t"] < end + 1), None)
            if match is None or match["id"] not in audible:
                errors["dropped"].append(target)
                continue
            used.add(match["id"])
            errors[kind].append(audible[match["id"]] - target)
    for at in audible.values():
        if level_db(heard.between(at - 0.15, at - 0.05)) < THRESHOLD_DB:  # an onset can only be seen after quiet
            errors["logged vs recorded onset"].append(abs(onset(heard, at - 0.05) - at))
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routine", default="heel-spur")
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--start-only", action="store_true", help="only the start-up figures, not a whole routine")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, PulseRig(Path(folder) / "pulse") as rig:
        home = Path(folder)
        env = {**rig.env, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(home / "cache"),
               "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data")}
        cold = start_up(rig, options.routine, 1, env)
        warm = start_up(rig, options.routine, options.starts, env)
        print(f"start-up to first audible sample, empty phrase cache: {summary(cold)}")
        print(f"start-up to first audible sample, warm cache: {summary(warm)}")
        for session in ("first", "later"):
            seconds = to_first_exercise(options.routine, env, home / f"start-{session}.jsonl")
            print(f"launch to the first exercise heard, {session} session, instant answers: {seconds:.1f} s")
        sys.stdout.flush()
        if options.start_only:
            return
        began = time.monotonic()
        events, wall = play_to_the_end(rig, options.routine, env, home / "events.jsonl")
        heard = rig.monitor.recording(began)
        errors = timing_errors(events, options.routine, heard)
        print(f"{options.routine} played to the end in {wall / 60:.1f} minutes")
        print(f"closing word heard minus hold end: {summary(errors['closing'])}")
        print(f"countdown word heard minus its moment: {summary(errors['countdown'])}")
        print(f"countdown words not spoken (an instruction was still speaking): {len(errors['dropped'])}")
        print(f"event log's audible time vs recorded onset: {summary(errors['logged vs recorded onset'])}")


if __name__ == "__main__":
    main()
