"""The sound output as servers really behave: it goes away mid-routine and comes back, on the server people
have (PulseAudio with its defaults)."""

from __future__ import annotations

import time

import pytest

from tests.audio.rig import PulseRig
from tests.audio.speaking import audible_seconds
from tests.e2e.conftest import Launch
from tests.e2e.harness import Voice, kind, saying
from tests.e2e.test_scenarios import started

pytestmark = pytest.mark.audio

RETRY_SECONDS = 3.0  # the speaker tries a lost output again this often


def test_a_speaker_that_goes_away_is_reported_once_and_speech_comes_back_when_it_returns(
    rig: PulseRig, voice: Voice, launch: Launch
) -> None:
    run, _ = started(launch, voice)
    timing = run.events.wait_for(kind("state", phase="timing", part=1))
    rig.unplug_speaker()
    lost = run.events.wait_for(kind("device", device="speaker", available=False), timing["t"], timeout=10)
    said = run.events.wait_for(saying("Carrying on in text until it is back."), lost["t"])  # worded by the engine
    assert lost["change"] == "speaker_lost" and f"'{lost['name']}'" in said["text"]
    run.wait_for_line(said["text"])
    release = run.events.wait_for(lambda e: e["event"] == "say" and e["text"] == "Release.", timing["t"], timeout=15)
    assert release["t"] - timing["t"] == pytest.approx(10.0, abs=0.2)  # the hold kept its time, in text

    time.sleep(RETRY_SECONDS)  # tries that find nothing are not news
    plugged = time.monotonic()
    rig.plug_speaker()
    back = run.events.wait_for(kind("device", device="speaker", available=True), plugged, timeout=2 * RETRY_SECONDS)
    print(f"speech back {back['t'] - plugged:.2f} s after the output returned")
    assert back["change"] == "speaker_back"
    run.events.wait_for(kind("say", text="The sound is back."), back["t"])
    run.wait_for_line("The sound is back.")
    assert back["t"] - plugged < RETRY_SECONDS + 1.0
    recording = rig.monitor.record_until_quiet(back["t"], timeout=10.0)
    assert audible_seconds(recording, back["t"] - rig.server.dating_error, recording.end) > 0.5  # spoken again
    losses = run.events.all(kind("device", device="speaker", available=False))
    assert len(losses) == 1
    assert run.process.poll() is None
    assert "Traceback" not in run.stderr
