"""heel-spur from its first word to its last, steered only by voice, as a blind user who knows it would:
"pause" to stop a long instruction, then "skip" to the next exercise, "skip" to leave out a pain check-in."""

from __future__ import annotations

import pytest

from tests.audio.rig import PulseRig
from tests.e2e.conftest import Launch
from tests.e2e.harness import Dialogue, Voice, kind

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
