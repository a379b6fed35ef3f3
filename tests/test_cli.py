"""The voiceguide command as a user runs it: a real process, its output and its exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from voiceguide.plan import estimated_speech_seconds

DATA = Path(__file__).parent / "data"
SKIP_TO_END = "n\nn\n"  # tiny.yaml's hold and closing words skipped: for tests of anything but its timing


def voiceguide(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voiceguide", *args], input=stdin, capture_output=True, text=True, check=False,
                          timeout=timeout, env={**os.environ, "NO_COLOR": "1"})


def test_version_and_help_explain_the_spoken_commands():
    assert voiceguide("--version").stdout.strip() == "voiceguide 0.1.0"
    shown = voiceguide("--help")
    assert shown.returncode == 0
    for words in ("pause", "resume", "repeat", "how long", "exit codes", "--preview", "--text"):
        assert words in shown.stdout or words.replace("how long", "time") in shown.stdout


def test_usage_errors_exit_2_with_one_line():
    result = voiceguide()
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith("see 'voiceguide --help'.")
    assert voiceguide("heel-spur", "--cues", "loud").returncode == 2


def test_unknown_routine_exits_66_without_a_traceback():
    result = voiceguide("no-such-routine")
    assert result.returncode == 66
    assert result.stderr.startswith("no-such-routine: no routine has this name; known routines: foot-massage, ")
    assert "Traceback" not in result.stderr


def test_invalid_routine_exits_65(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\ntitle: Bad\nsummary: S.\nsteps: []\n")
    result = voiceguide(str(path), "--preview")
    assert (result.returncode, result.stderr) == (65, f"{path}:4:1: steps: this list is empty; add at least one step\n")


def test_validate_prints_ok_or_problems(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- not a routine\n")
    good = voiceguide("validate", str(DATA / "small.yaml"))
    assert (good.returncode, good.stdout) == (0, f"{DATA / 'small.yaml'}: OK\n")
    mixed = voiceguide("validate", str(DATA / "small.yaml"), str(bad), str(tmp_path / "missing.yaml"))
    assert mixed.returncode == 65
    assert mixed.stdout.splitlines()[1].startswith(f"{bad}:1:1: the file holds a list")
    assert voiceguide("validate", str(tmp_path / "missing.yaml")).returncode == 66


def test_list_shows_each_routine_with_title_and_minutes():
    lines = voiceguide("list").stdout.splitlines()
    names = [line.split("  ")[0] for line in lines]
    assert names[:4] == ["foot-massage", "heel-spur", "high-heels", "morning-legs"]
    assert all(" min  (built-in)" in line for line in lines[:4])


def test_show_prints_the_routine_as_plain_text():
    result = voiceguide("show", "heel-spur")
    assert result.returncode == 0
    assert result.stdout.startswith("Heel spur exercises\n")
    assert "Steps:" in result.stdout and "Safety, spoken before the first session and when you say safety:" in result.stdout
    assert "\x1b[" not in result.stdout


def test_schema_is_json_schema_of_the_format():
    schema = json.loads(voiceguide("schema").stdout)
    assert schema["title"] == "voiceguide routine"
    assert {"name", "title", "steps"} <= set(schema["required"])


def test_preview_prints_a_timed_transcript_and_the_total():
    result = voiceguide(str(DATA / "tiny.yaml"), "--preview", "--no-checkin", "--intro", "full")
    lines = result.stdout.splitlines()
    assert lines[0] == "[00:00] Tiny. Say next to skip this introduction. One short hold."
    assert lines[-1].startswith("Total: 00:")
    assert all(line.startswith(("[", "Total", "(you say")) for line in lines[:-1])


def test_text_mode_runs_in_real_time_driven_by_piped_lines(tmp_path):
    events = tmp_path / "events.jsonl"
    result = voiceguide(str(DATA / "tiny.yaml"), "--text", "--keys-only", "--no-checkin", "--intro", "full",
                        "--events", str(events), stdin="ready\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Tiny. Say next to skip this introduction. One short hold."
    opening = lines.index("Toe pull. Pull your toes. Hold for 2 seconds.")
    assert lines[opening + 1:opening + 2] == ["Begin."]
    assert lines[-1] == "Done."  # the routine's own closing words, said once
    said = {event["text"]: event["t"] for event in map(json.loads, events.read_text().splitlines())
            if event["event"] == "say"}
    # the reader gets the time the voice would take before the hold begins, and the hold its full time
    opening_time = estimated_speech_seconds("Toe pull. Pull your toes. Hold for 2 seconds.")
    assert said["Begin."] - said["Toe pull. Pull your toes. Hold for 2 seconds."] >= opening_time - 0.01
    assert said["Release."] - said["Begin."] >= 2.0


def test_unknown_typed_lines_are_explained_and_end_of_input_is_not_a_command():
    result = voiceguide(str(DATA / "tiny.yaml"), "--text", "--keys-only", "--no-checkin",
                        stdin=f"ready\nbanana\n{SKIP_TO_END}")
    assert "'banana' is not a command; type h and Enter for help." in result.stdout
    assert result.returncode == 0


def started(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "voiceguide", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def read_until(process: subprocess.Popen[str], fragment: str) -> list[str]:
    """The lines printed up to and including the first one containing `fragment`."""
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if fragment in line:
            return lines
    raise AssertionError(f"{fragment!r} was never printed; got {lines}")


def test_ctrl_c_exits_130():
    process = started(str(DATA / "small.yaml"), "--text", "--keys-only")
    read_until(process, "Small test.")  # the routine is playing
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 130
    assert "Traceback" not in err
    assert out.splitlines()[-1] == "Interrupted. Your session so far is saved."


@pytest.mark.parametrize("flag", ["--preview", "--text"])
def test_output_has_no_colour_or_cursor_codes(flag):
    result = voiceguide(str(DATA / "tiny.yaml"), flag, "--no-checkin", stdin=f"ready\n{SKIP_TO_END}")
    assert "\x1b" not in result.stdout


def converse(*args: str, answers: list[tuple[str, str]], timeout: float = 60) -> tuple[int, list[str]]:
    """Runs voiceguide and types each answer once a line containing its prompt has been printed."""
    process = subprocess.Popen([sys.executable, "-m", "voiceguide", *args], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    deadline = time.monotonic() + timeout
    pending = list(answers)
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if pending and pending[0][0] in line:
            process.stdin.write(pending.pop(0)[1] + "\n")
            process.stdin.flush()
        assert time.monotonic() < deadline, lines
    process.stdin.close()
    return process.wait(timeout=10), lines


def test_a_session_is_recorded_and_shown_by_history(tmp_path):
    database = tmp_path / "history.sqlite3"
    status, _ = converse(str(DATA / "tiny.yaml"), "--text", "--keys-only", "--history", str(database),
                         answers=[("pain, from zero", "3"), ("Say ready", ""), ("pain, from zero", "two")])
    assert status == 0
    shown = voiceguide("history", "--history", str(database))
    assert shown.returncode == 0
    (line,) = shown.stdout.splitlines()
    assert "  tiny  " in line and "finished" in line and "pain 3 to 2" in line
    exported = voiceguide("history", "--history", str(database), "--csv").stdout.splitlines()
    assert exported[0].startswith("session,routine,started_utc")
    assert any(",pain," in row and ",after,2," in row for row in exported)


def test_an_interrupted_session_resumes_at_its_step(tmp_path):
    database = tmp_path / "history.sqlite3"
    process = started(str(DATA / "small.yaml"), "--text", "--keys-only", "--no-checkin", "--history", str(database))
    process.stdin.write("ready\nskip\n")
    process.stdin.flush()
    read_until(process, "Raises.")  # the skip was taken
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=10)
    assert process.returncode == 130
    assert "interrupted" in voiceguide("history", "--history", str(database)).stdout
    resumed = voiceguide(str(DATA / "small.yaml"), "--text", "--keys-only", "--no-checkin", "--history", str(database),
                         "--resume", stdin="ready\nq\nq\n")
    lines = resumed.stdout.splitlines()
    assert lines[0] == "Resuming today's session at step 1: Calf stretch."
    assert "Calf stretch. Lean on the wall. Left side. Hold for 10 seconds." in lines


def test_no_history_records_nothing(tmp_path):
    database = tmp_path / "history.sqlite3"
    voiceguide(str(DATA / "tiny.yaml"), "--text", "--keys-only", "--no-checkin", "--no-history", "--history", str(database),
               stdin=f"ready\n{SKIP_TO_END}")
    assert not database.exists()


def test_a_damaged_history_is_set_aside_and_the_routine_still_runs(tmp_path):
    database = tmp_path / "history.sqlite3"
    database.write_bytes(b"this is not a database" * 100)
    result = voiceguide(str(DATA / "tiny.yaml"), "--text", "--keys-only", "--no-checkin", "--history", str(database),
                        stdin=f"ready\n{SKIP_TO_END}")
    assert result.returncode == 0, result.stderr
    assert "renamed to history.sqlite3.corrupt-" in result.stdout.splitlines()[0]
    (aside,) = tmp_path.glob("history.sqlite3.corrupt-*")
    assert aside.read_bytes() == b"this is not a database" * 100
    assert result.stdout.splitlines()[-1] == "Done."
    assert "  tiny  " in voiceguide("history", "--history", str(database)).stdout


def test_no_history_leaves_the_history_alone_even_to_choose_the_introduction(tmp_path):
    """A routine played before gets the short start; with --no-history the history is not read at all,
    so the session starts as a first one does, with the full introduction."""
    from voiceguide.history import HistoryStore

    database = tmp_path / "history.sqlite3"
    with HistoryStore.open(database) as store:
        store.start_session("tiny").close("finished")
    played = voiceguide(str(DATA / "tiny.yaml"), "--preview", "--no-checkin", "--history", str(database))
    assert "Say next to skip this introduction." not in played.stdout.splitlines()[0]
    unread = voiceguide(str(DATA / "tiny.yaml"), "--preview", "--no-checkin", "--no-history", "--history", str(database))
    assert unread.stdout.splitlines()[0] == "[00:00] Tiny. Say next to skip this introduction. One short hold."
