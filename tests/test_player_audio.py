"""The whole player speaking through a real audio stack: engine, player and SoundDeviceSpeaker in this
process, PulseAudio's null sink as the speaker, its monitor recorded by the test.

The commands are put into the player's inbox as the listener would; what is checked is what could be
heard: speech stops within the bound after "pause", and a hold paused and resumed ends with exactly
the time it had left.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path

import pytest

from tests.audio.rig import PulseRig, pulse_rig  # noqa: F401  (the fixture)
from tests.audio.speaking import last_sound, onset
from voiceguide.adapters.clock import MonotonicClock, ThreadInbox
from voiceguide.adapters.speaker import SoundDeviceSpeaker
from voiceguide.commands import Command
from voiceguide.console import Console
from voiceguide.engine import Engine, EngineOptions
from voiceguide.event_log import EventLog
from voiceguide.messages import Heard
from voiceguide.own_voice import OwnVoice
from voiceguide.plan import build_plan, spoken_texts
from voiceguide.player import Player
from voiceguide.routine import parse_routine
from voiceguide.settings import VoiceSettings

pytestmark = pytest.mark.audio

ROUTINE = """\
name: pause-test
title: Pause test
summary: One hold.
steps:
  - kind: hold
    name: Toe pull
    text: Sit tall, loop a towel around the ball of your foot and pull your toes gently towards you.
    duration: 6s
"""
PAUSE_BOUND = 0.1  # the bound from the command to silence
RECORDING_SLACK = 0.02  # the monitor is read in 10 ms chunks and levels in 5 ms windows


class LiveEvents:
    """The stream the player's EventLog writes to, readable by the test while the player runs."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self._changed = threading.Condition()

    def write(self, text: str) -> int:
        with self._changed:
            self.events.extend(json.loads(line) for line in text.splitlines())
            self._changed.notify_all()
        return len(text)

    def flush(self) -> None:
        """Every write is already whole."""

    def wait_for(self, wanted: Callable[[dict], bool], timeout: float = 15.0) -> dict:
        with self._changed:
            found = self._changed.wait_for(lambda: next((e for e in self.events if wanted(e)), None), timeout)
        assert found, f"no such event; got {self.events}"
        return found


@pytest.fixture
def playing(pulse_rig: PulseRig, tmp_path: Path) -> Iterator[tuple[ThreadInbox, LiveEvents]]:  # noqa: F811
    pulse_rig.use_in_this_process()
    clock = MonotonicClock()
    inbox = ThreadInbox(clock)
    speaker = SoundDeviceSpeaker(inbox.put, clock, OwnVoice(), VoiceSettings(voice="en-us"), "pulse",
                                 cache_dir=tmp_path / "cache")
    parts = build_plan(parse_routine(ROUTINE, "pause-test.yaml"))
    speaker.prepare(spoken_texts(parts))
    engine = Engine(parts, EngineOptions(checkins=False))
    events = LiveEvents()
    player = Player(engine, clock=clock, inbox=inbox, speaker=speaker, console=Console(StringIO()),
                    events=EventLog(events))
    thread = threading.Thread(target=player.run, daemon=True)
    thread.start()
    yield inbox, events
    thread.join(timeout=30)
    speaker.close()


def command(inbox: ThreadInbox, said: Command) -> float:
    at = time.monotonic()
    inbox.put(Heard(said, at, said.value, source="voice"))
    return at


def said(text: str) -> Callable[[dict], bool]:
    return lambda event: event["event"] == "say" and text in event["text"]


def test_pause_silences_speech_at_once_and_a_resumed_hold_ends_with_the_time_it_had_left(
    pulse_rig: PulseRig,  # noqa: F811
    playing: tuple[ThreadInbox, LiveEvents],
) -> None:
    inbox, events = playing
    command(inbox, Command.READY)
    opening = events.wait_for(said("Toe pull."))
    started = events.wait_for(lambda e: e["event"] == "speech_start" and e["id"] == opening["id"])

    time.sleep(max(0.0, started["t"] + 1.0 - time.monotonic()))  # "t" is when its first sample is heard
    talking_pause = command(inbox, Command.PAUSE)  # while the long instruction is being spoken
    time.sleep(0.8)
    heard = pulse_rig.monitor.recording(talking_pause - 0.5)
    assert onset(heard, talking_pause - 0.4) < talking_pause  # it was audibly speaking
    paused_reply = events.wait_for(said("Paused."))
    reply_audible = next(e["t"] for e in events.events if e["event"] == "speech_start" and e["id"] == paused_reply["id"])
    instruction_stopped = last_sound(heard, reply_audible - 0.005)
    assert instruction_stopped - talking_pause < PAUSE_BOUND + RECORDING_SLACK

    command(inbox, Command.RESUME)
    hold_start = events.wait_for(lambda e: e["event"] == "state" and e["phase"] == "timing" and not e["paused"])["t"]
    time.sleep(2.0)
    holding_pause = command(inbox, Command.PAUSE)
    left = 6.0 - (holding_pause - hold_start)
    time.sleep(1.5)
    command(inbox, Command.RESUME)
    timing_again = events.wait_for(
        lambda e: e["event"] == "state" and e["phase"] == "timing" and not e["paused"] and e["t"] > holding_pause)
    release = events.wait_for(said("Release."))
    # The time it had left, never less; how late a busy machine wakes the player is bench/routine_timing.py's figure.
    assert left - 0.01 <= release["t"] - timing_again["t"] <= left + 0.5
    release_heard = events.wait_for(lambda e: e["event"] == "speech_start" and e["id"] == release["id"])["t"]
    # The count's "1." is heard to its end first: "Release." is free to sound once it is (or at once).
    (count,) = [e for e in events.events if e["event"] == "say" and e["text"] == "1." and e["t"] > timing_again["t"]]
    free = max(release["t"], events.wait_for(lambda e: e["event"] == "speech_done" and e["id"] == count["id"])["t"])
    assert onset(pulse_rig.monitor.record_until_quiet(free - 0.1), free - 0.01) == pytest.approx(release_heard, abs=0.03)
    assert release_heard - free < 0.25  # "Release." was rendered ahead of time, so it is heard at once
    assert events.wait_for(lambda e: e["event"] == "finished")["outcome"] == "finished"
