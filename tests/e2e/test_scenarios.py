"""The product as a user meets it: a real `voiceguide` process on real (PulseAudio) devices, steered only
by spoken commands. Each scenario checks both what could be heard (the speaker's recorded monitor) and
what the process decided (its `--events` log).
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.audio.rig import PulseRig, Server
from tests.audio.speaking import audible_seconds, audible_share, matching_until, onset
from tests.e2e.conftest import Launch
from tests.e2e.harness import (
    DATA,
    ECHO_ROUTINE,
    LAPTOP_LEAK_GAIN,
    SHORT_ROUTINE,
    VOICEGUIDE,
    Dialogue,
    Voice,
    VoiceguideRun,
    cached_speech,
    kind,
    saying,
    subprocess_env,
)

pytestmark = pytest.mark.audio

# What the recording shows is compared with the process's own times within `rig.server.dating_error`: 50 ms
# where the monitor is read at low latency (speech_start is PortAudio's estimate of when a sample reaches the
# sink; measured, recorded onsets land within 30 ms of it), the sink's 2 s blocks on PulseAudio's defaults.
# The start-up, pause and resume scenario runs on every server, so the tight bounds are checked where they
# can be measured and the default server is checked for everything else.
# From the pause decision to silence: the promise is 100 ms, which bench/speech.py measures ("cut", 45 ms
# median here) and the in-process tests hold to; a whole session on a loaded machine gets this much.
PAUSE_BOUND = 0.25
# Where the recording is dated to 50 ms, the process's own dating of what it plays is checked against it within
# this much more: a loaded server's latency reports wander (a busy PipeWire run heard "Release." 88 ms before
# the process dated it). How close they are on a quiet machine is bench/routine_timing.py's "logged vs recorded
# onset", and tests/test_player_audio.py holds the player to 30 ms.
DATING_UNDER_LOAD = 0.15


def test_start_hear_the_intro_and_safety_notes_say_ready_and_the_first_exercise_begins(
    rig: PulseRig, voice: Voice, launch: Launch
) -> None:
    run = launch(SHORT_ROUTINE, "--no-checkin", "--no-history")
    talk = Dialogue(run, voice)
    intro = run.events.wait_for(saying("Short test."))
    run.wait_for_line(intro["text"])
    # Before the introduction: which engine will listen and on which microphone, without claiming to listen.
    assert run.lines[0].startswith("Voice commands: pocketsphinx") and "listening" not in run.lines[0].lower()
    assert run.lines[1] == intro["text"]
    run.events.wait_for(kind("listening"), timeout=30)  # once the recognizer has loaded and hears the microphone
    run.wait_for_line("Listening now, with pocketsphinx.")  # ... and only then is listening claimed
    assert [line for line in run.lines if "listening" in line.lower()] == ["Listening now, with pocketsphinx."]
    assert "Stop at once if you feel a sharp pain." in intro["text"]  # the safety note is spoken
    intro_heard = run.events.audible(intro)
    prompt = run.events.wait_for(saying("Say ready when you are set."))
    prompt_done = run.events.wait_for(kind("speech_done", id=prompt["id"]))["t"]
    recording = rig.monitor.recording(run.launched_at)
    slack = rig.server.dating_error
    assert onset(recording, run.launched_at) == pytest.approx(intro_heard, abs=slack + DATING_UNDER_LOAD)
    intro_spans = [span for span in recording.audible_spans() if intro_heard - 0.1 - slack < span[0] < prompt_done]
    assert sum(end - start for start, end in intro_spans) > 3.0  # several seconds of the intro were heard

    spoken, decision = talk.command("ready")
    assert decision["t"] > spoken.end
    exercise = run.events.wait_for(saying("Toe pull."), decision["t"])
    exercise_heard = run.events.audible(exercise)
    assert exercise_heard > spoken.end
    recording = rig.monitor.record_until_quiet(spoken.end, timeout=3.0)
    assert audible_seconds(recording, exercise_heard + 0.15 - slack, exercise_heard + 1.5 + slack) > 0.4  # words
    assert run.events.find(kind("state", phase="opening", part=1), decision["t"]) is not None


@pytest.mark.parametrize("server", list(Server))
def test_pause_silences_the_player_nothing_is_said_while_paused_and_resume_keeps_the_time_left(
    rig: PulseRig, voice: Voice, launch: Launch
) -> None:
    slack = rig.server.dating_error
    run, talk = started(launch, voice)
    instruction = run.events.wait_for(saying("Toe pull. Loop the towel"))
    wait_until(run.events.audible(instruction) + 2.5)  # into its second sentence, which the cut is matched against

    _, decision = talk.command("pause")  # barge-in, over the player's own words
    instruction_done = run.events.wait_for(kind("speech_done", id=instruction["id"]))
    assert instruction_done["t"] >= decision["t"], "the instruction had ended before the person said pause"
    reply = run.events.wait_for(saying("Paused."), decision["t"])
    reply_heard = run.events.audible(reply)
    wait_until(reply_heard + 0.5)
    if slack <= PAUSE_BOUND:  # the cut is timed where the recording can date it: PulseAudio's defaults cannot
        recording = rig.monitor.recording(decision["t"] - 1.5)
        phrases = cached_speech(run)
        assert matching_until(recording, *phrases, playing_at=decision["t"] - 0.5) > decision["t"] - slack  # talking
        words_stopped = matching_until(recording, *phrases, playing_at=decision["t"])
        print(f"instruction heard until {words_stopped - decision['t']:+.3f} s after the pause decision")
        assert words_stopped - decision["t"] < PAUSE_BOUND + slack

    paused_quiet_from = talk.when_quiet(reply["t"])
    _, asked = talk.command("time")
    status = run.events.wait_for(saying("Paused. Toe pull, 10 seconds left"), asked["t"])
    status_done = talk.when_quiet(status["t"])
    wait_until(status_done + 1.0)
    _, resumed = talk.command("resume")
    recording = rig.monitor.recording(paused_quiet_from)
    for quiet_from, quiet_to in ((paused_quiet_from, asked["t"]), (status_done, resumed["t"])):
        assert audible_share(recording, quiet_from + slack, quiet_to) == 0, "something was said while paused"

    timing = run.events.wait_for(kind("state", phase="timing", part=1), resumed["t"])
    wait_until(timing["t"] + 2.0)
    _, held = talk.command("pause")
    time_left = 10.0 - (held["t"] - timing["t"])
    wait_until(talk.when_quiet(held["t"]) + 1.0)
    _, resumed = talk.command("resume")
    timing_again = run.events.wait_for(kind("state", phase="timing", part=1), resumed["t"])
    release = run.events.wait_for(saying("Release."), timing_again["t"])
    # never less than the time it had left; how late a busy machine wakes the player is bench/routine_timing.py's
    assert time_left - 0.01 <= release["t"] - timing_again["t"] <= time_left + 0.5
    release_heard = run.events.audible(release)
    recording = rig.monitor.record_until_quiet(release["t"] - 0.1, timeout=5.0)
    assert onset(recording, release["t"] - 0.01 - slack - DATING_UNDER_LOAD) == pytest.approx(
        release_heard, abs=slack + DATING_UNDER_LOAD
    )


def test_next_back_repeat_skip_and_how_long_work_with_the_player_heard_by_its_own_microphone(
    rig: PulseRig, voice: Voice, launch: Launch
) -> None:
    rig.leak_speaker(LAPTOP_LEAK_GAIN)
    run, talk = started(launch, voice)

    def respond(command: str, *, fragment: str, wait_for_phase: tuple[str, int] | None = None) -> dict:
        """Say `command` in the hold's quiet time, check the answer it gets and that it is heard."""
        if wait_for_phase:
            phase, part = wait_for_phase
            since = run.events.all(kind("heard"))[-1]["t"]  # the phase this last command led to
            talk.when_quiet(run.events.wait_for(kind("state", phase=phase, part=part), since)["t"])
        spoken, decision = talk.command(command)
        answer = run.events.wait_for(saying(fragment), decision["t"], timeout=5.0)
        answer_heard = run.events.audible(answer)
        assert answer_heard > spoken.end
        recording = rig.monitor.record_until_quiet(spoken.end, timeout=4.0)
        slack = rig.server.dating_error
        assert audible_seconds(recording, answer_heard + 0.15 - slack, answer_heard + 0.6 + slack) > 0.2
        return decision

    # Each command early in a 10 s hold, so that the hold does not end (and the player talk) meanwhile.
    decision = respond("next", fragment="Calf stretch. Lean on the wall", wait_for_phase=("timing", 1))
    assert run.events.find(kind("state", phase="opening", part=2), decision["t"]) is not None
    decision = respond("time", fragment="Calf stretch, left side, ", wait_for_phase=("timing", 2))
    talk.when_quiet(decision["t"])
    decision = respond("back", fragment="Toe pull.")
    assert run.events.find(kind("state", phase="opening", part=1), decision["t"]) is not None
    decision = respond("repeat", fragment="Loop the towel around the ball", wait_for_phase=("timing", 1))
    # The hold keeps its time while the instruction is said again, so it ends during it, and the routine
    # moves on to the calf stretch by itself.
    calf = run.events.wait_for(kind("state", phase="timing", part=2), decision["t"], timeout=30)
    talk.when_quiet(calf["t"])
    decision = respond("skip", fragment="All done.")
    assert not run.events.all(saying("Right side"))  # skip left the exercise, not just one side
    assert run.wait(timeout=30) == 0
    assert [e["command"] for e in run.events.all(kind("heard"))] == [
        "ready", "next", "time", "back", "repeat", "skip"
    ]


def test_the_player_hearing_itself_through_a_laptop_s_microphone_takes_no_command_nobody_said(
    rig: PulseRig, voice: Voice, launch: Launch
) -> None:
    rig.leak_speaker(LAPTOP_LEAK_GAIN)
    run, _ = started(launch, voice, ECHO_ROUTINE)
    finished = run.events.wait_for(kind("finished"), timeout=90)
    assert finished["outcome"] == "finished"
    assert run.wait() == 0
    spoken_words = " ".join(e["text"] for e in run.events.all(kind("say"))).lower()
    assert all(word in spoken_words for word in ("next", "repeat", "stop", "pause", "skip"))
    assert [e["command"] for e in run.events.all(kind("heard"))] == ["ready"]


def test_quit_then_confirm_ends_with_exit_0_and_a_session_record(
    rig: PulseRig, voice: Voice, launch: Launch, tmp_path: Path
) -> None:
    history = tmp_path / "history.sqlite3"
    run, talk = started(launch, voice, SHORT_ROUTINE, "--history", str(history))
    talk.when_quiet(run.events.wait_for(kind("state", phase="timing", part=1))["t"])
    _, first = talk.command("quit")
    question = run.events.wait_for(saying("Do you want to end the session?"), first["t"])
    # A command word the player itself said ("Say yes to end it") is ignored for its echo tail (0.6 s) after it.
    wait_until(talk.when_quiet(question["t"]) + 0.7)
    talk.command("quit")
    goodbye = run.events.wait_for(saying("Ending the session."))
    run.events.audible(goodbye)
    assert run.wait(timeout=20) == 0
    assert run.events.wait_for(kind("finished"))["outcome"] == "quit"
    record = subprocess.run(
        [*VOICEGUIDE, "history", "--history", str(history), "--csv"],
        capture_output=True, text=True, check=True, env=subprocess_env(rig.env, tmp_path / "home"),
    )
    sessions = {row["session"]: row for row in csv.DictReader(io.StringIO(record.stdout))}
    assert [(row["routine"], row["ended_how"]) for row in sessions.values()] == [("e2e-short", "quit")]


def test_a_microphone_that_goes_away_is_announced_the_routine_goes_on_and_voice_comes_back(
    rig: PulseRig, voice: Voice, launch: Launch
) -> None:
    run, talk = started(launch, voice)
    timing = run.events.wait_for(kind("state", phase="timing", part=1))
    talk.when_quiet(timing["t"])
    rig.unplug_microphone()
    lost = run.events.wait_for(kind("device", device="microphone", available=False), timing["t"], timeout=6)
    assert lost["change"] == "microphone_lost"
    notice = run.events.wait_for(saying("No microphone is working"), lost["t"])  # said under the engine's priorities
    run.wait_for_line(notice["text"])  # shown, and spoken:
    lost_heard = run.events.wait_for(kind("speech_start", id=notice["id"]), lost["t"])["t"]
    recording = rig.monitor.record_until_quiet(lost_heard - 0.1, timeout=6.0)
    slack = rig.server.dating_error
    assert audible_seconds(recording, lost_heard - slack, lost_heard + 1.0 + slack) > 0.3
    release = run.events.wait_for(saying("Release."), timing["t"])  # the hold went on, on time
    assert 10.0 - 0.01 <= release["t"] - timing["t"] <= 10.5
    next_hold = run.events.wait_for(kind("state", phase="timing", part=2), release["t"])

    rig.plug_microphone()
    back = run.events.wait_for(kind("device", device="microphone", available=True), next_hold["t"], timeout=8)
    talk.when_quiet(back["t"])
    talk.command("pause")  # voice control works again
    assert run.process.poll() is None
    assert "Traceback" not in run.stderr


def test_with_no_sound_system_at_all_it_says_so_once_runs_as_text_and_exits_0(tmp_path: Path) -> None:
    nowhere = tmp_path / "no-pulse"
    nowhere.mkdir()
    (nowhere / "client.conf").write_text("autospawn = no\n")
    env = {
        **subprocess_env(os.environ, tmp_path / "home"),
        "PULSE_SERVER": f"unix:{nowhere / 'native'}",  # no server there, and none may be spawned
        "PULSE_CLIENTCONFIG": str(nowhere / "client.conf"),
        "PULSE_RUNTIME_PATH": str(nowhere),
        "XDG_RUNTIME_DIR": str(nowhere),
    }
    run = VoiceguideRun(DATA / "tiny.yaml", tmp_path / "run", env, "--no-checkin", "--no-history")
    try:
        run.type("ready")
        assert run.wait(timeout=60) == 0
    finally:
        run.close()
    assert "No sound output device was found. Carrying on in text." in run.lines
    assert sum("No sound output" in line for line in run.lines) == 1
    assert run.lines[-1] == "Done."  # the routine's own closing words
    assert run.events.wait_for(kind("finished"))["outcome"] == "finished"
    assert "Traceback" not in run.stderr


def started(
    launch: Launch, voice: Voice, routine: Path = SHORT_ROUTINE, *options: str
) -> tuple[VoiceguideRun, Dialogue]:
    """voiceguide on the rig (no check-ins; no history unless `options` say), its opening answered "ready"."""
    run = launch(routine, "--no-checkin", *(options or ("--no-history",)))
    talk = Dialogue(run, voice)
    talk.begin()
    return run, talk


def wait_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))
