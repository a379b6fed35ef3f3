"""heel-spur from its first word to its last, steered only by voice, as a blind user who knows it would:
"pause" to stop a long instruction, then "skip" to the next exercise, "skip" to leave out a pain check-in."""

from __future__ import annotations

import time

import pytest

from tests.audio.rig import PulseRig
from tests.e2e.conftest import Launch
from tests.e2e.harness import LAPTOP_LEAK_GAIN, Dialogue, Voice, kind, saying

pytestmark = pytest.mark.audio


def test_heel_spur_runs_to_the_end_with_only_spoken_commands(rig: PulseRig, voice: Voice, launch: Launch) -> None:
    run = launch("heel-spur", "--no-history")
    talk = Dialogue(run, voice)
    steps_opened = set()
    since = float("-inf")  # the last "skip" taken: the state it led to is the one to act on
    while not run.events.find(kind("finished")):
        run.events.wait_for(kind("state"), since, timeout=30)
        state = run.events.all(kind("state"))[-1]
        if state["phase"] == "closing":
            run.events.wait_for(kind("finished"), state["t"], timeout=30)
            break
        steps_opened.update(e["step"] for e in run.events.all(kind("part")))
        if state["phase"] == "opening" and not state["paused"] and talk.speaking():
            talk.command("pause")  # the one kind of command heard over the player's own words
        talk.when_quiet(state["t"])
        since = talk.command("skip")[1]["t"]
    assert run.wait(timeout=30) == 0
    assert run.events.find(kind("finished"))["outcome"] == "finished"
    assert steps_opened == set(range(max(steps_opened) + 1))  # every step was reached, none jumped over
    assert not run.events.all(lambda e: e["event"] == "heard" and e["command"] not in ("pause", "skip"))
    assert len(run.events.all(kind("pain"))) == 2  # both check-ins were asked and answered by voice


def test_a_natural_voice_steers_heel_spur_and_ends_it_each_command_said_once(rig: PulseRig, launch: Launch) -> None:
    """piper's voice, bare commands, each said once, with the laptop's speaker leaking into the microphone
    at -10 dB: "pause" over the introduction, "resume", "ready", "repeat" and "next" in a hold, then the
    session ends by voice ("end session", then "yes")."""
    rig.leak_speaker(LAPTOP_LEAK_GAIN)
    run = launch("heel-spur", "--no-history", "--no-checkin")
    talk = Dialogue(run, Voice(rig, natural=True))
    _, paused = talk.command("pause")
    talk.when_quiet(paused["t"])
    _, resumed = talk.command("resume")
    talk.when_quiet(run.events.wait_for(kind("state", phase="waiting"), resumed["t"], 120)["t"])
    _, ready = talk.command("ready")
    holding = run.events.wait_for(kind("state", phase="timing"), ready["t"], 60)
    talk.when_quiet(holding["t"])
    _, repeated = talk.command("repeat")
    talk.when_quiet(repeated["t"])
    _, moved_on = talk.command("next")
    talk.when_quiet(moved_on["t"])
    _, asked = talk.command("end session", means="quit")
    question = run.events.wait_for(saying("Do you want to end the session?"), asked["t"])
    # A command word the player itself said ("Say yes to end it, or resume") is ignored for its echo tail after it.
    time.sleep(max(0.0, talk.when_quiet(question["t"]) + 0.7 - time.monotonic()))
    talk.command("yes")
    assert run.wait(timeout=20) == 0
    assert run.events.wait_for(kind("finished"))["outcome"] == "quit"
    assert [e["command"] for e in run.events.all(kind("heard"))] == [
        "pause", "resume", "ready", "repeat", "next", "quit", "yes"
    ]
