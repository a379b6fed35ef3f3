"""The plan of a daily routine: a full start the first time, a short one after; no needless repeats."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from voiceguide.library import locate
from voiceguide.plan import Intro, PartKind, build_plan
from voiceguide.preview import preview
from voiceguide.routine import load_routine, parse_routine

DATA = Path(__file__).parent / "data"
HEEL_SPUR = load_routine(locate("heel-spur"))


def transcript(intro: Intro) -> list[tuple[int, str]]:
    """(seconds, text) of heel-spur's preview lines."""
    lines = preview(HEEL_SPUR, intro=intro).transcript.splitlines()
    return [(int(m[1]) * 60 + int(m[2]), m[3]) for line in lines if (m := re.match(r"\[(\d+):(\d+)\] (.*)", line))]


def test_a_later_session_starts_short_and_reaches_the_first_exercise_within_25_seconds():
    later = transcript(Intro.SHORT)
    assert later[0] == (0, ("Heel spur exercises, about 17 minutes. Keep any pain below five out of ten, and stop an "
                            "exercise that hurts sharply. Say next to skip, help for the commands, safety for the "
                            "safety notes."))
    first_exercise = next(at for at, text in later if text.startswith("Plantar fascia stretch."))
    assert first_exercise <= 25
    assert "Chair by the wall, towel and ball at hand, bare feet. Say ready." in [text for _, text in later]


def test_the_first_session_gives_the_whole_introduction_and_says_how_to_skip_it():
    first = transcript(Intro.FULL)
    assert first[0][1].startswith("Heel spur exercises. Say next to skip this introduction. A gentle set")
    assert all(note in first[0][1] for note in HEEL_SPUR.safety)


def test_one_wait_for_ready_the_closing_words_once_and_cues_and_names_not_repeated_at_every_set():
    said = [text for _, text in transcript(Intro.FULL)]
    assert said.count("(you say: ready)") == sum(1 for step in HEEL_SPUR.steps if step.kind == "ready")
    assert not any("Say ready when you are set." in text for text in said)
    assert not any("That is the whole routine" in text for text in said)
    assert sum(text.startswith("Plantar fascia stretch.") for text in said) == 1  # 3 sets, 2 sides: named once
    assert said.count("Keep it steady, with no bouncing.") == 2  # in the 1st and 4th of its six parts, not all six


def test_the_sides_are_apart_by_the_routines_switch_time_with_a_default():
    text = ("name: t\ntitle: T\nsummary: S.\ndefaults: {{switch: {default}}}\nsteps:\n"
            "  - {{kind: hold, name: A, text: Hold., duration: 10s, sides: true{own}}}\n")
    for default, own, seconds in (("5s", "", 5.0), ("5s", ", switch: 12s", 12.0), ("1m", "", 60.0)):
        parts = build_plan(parse_routine(text.format(default=default, own=own), "t.yaml"))
        switch = [part for part in parts if part.opening == "Switch sides."]
        assert [part.duration for part in switch] == [seconds]
        assert switch[0].kind is PartKind.TIMED and switch[0].label == "A, changing sides"
    defaults = build_plan(parse_routine("name: t\ntitle: T\nsummary: S.\nsteps:\n"
                                        "  - {kind: reps, name: A, text: Up., reps: 2, sides: true}\n", "t.yaml"))
    assert [part.duration for part in defaults if part.opening == "Switch sides."] == [5.0]


def test_the_short_start_falls_back_to_the_first_sentence_of_the_safety_notes():
    routine = parse_routine("name: t\ntitle: T\nsummary: S.\nsafety: [Stop if it hurts. Breathe out as you rise.]\n"
                            "steps:\n  - {kind: say, text: Hello.}\n", "t.yaml")
    assert build_plan(routine, intro=Intro.SHORT)[0].opening == (
        "T, about 1 minute. Stop if it hurts. Say next to skip, help for the commands, safety for the safety notes.")


def test_preview_shows_the_start_the_history_calls_for_unless_told(tmp_path: Path):
    history = tmp_path / "history.sqlite3"

    def first_line(*flags: str) -> str:
        shown = subprocess.run([sys.executable, "-m", "voiceguide", str(DATA / "tiny.yaml"), "--preview",
                                "--history", str(history), *flags], capture_output=True, text=True, check=True)
        return shown.stdout.splitlines()[0]

    assert first_line() == "[00:00] Tiny. Say next to skip this introduction. One short hold."
    subprocess.run([sys.executable, "-m", "voiceguide", str(DATA / "tiny.yaml"), "--text", "--keys-only",
                    "--no-checkin", "--history", str(history)], input="ready\n", capture_output=True, text=True, check=True)
    assert first_line() == ("[00:00] Tiny, about 1 minute. Say next to skip, help for the commands, safety for the "
                            "safety notes.")
    assert first_line("--intro", "full") == "[00:00] Tiny. Say next to skip this introduction. One short hold."
