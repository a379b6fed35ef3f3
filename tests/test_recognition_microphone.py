"""MicrophoneListener: background start, commands posted as events, a microphone that comes and goes.

The microphone is a stand-in stream (no audio hardware here) that hands over blocks the way the
sounddevice callback does; the recognizer behind it is the real pocketsphinx engine.
"""

from __future__ import annotations

import queue
import shutil
import threading
import time
from collections.abc import Callable

import pytest
from test_recognition import clip, speak

from voiceguide.adapters.backends import choose_engine
from voiceguide.adapters.microphone import MicrophoneListener
from voiceguide.commands import Command
from voiceguide.messages import DeviceChange, DeviceNotice, Expect, Heard, HeardNumber, Listening
from voiceguide.own_voice import OwnVoice

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


class Clock:
    def now(self) -> float:
        return time.monotonic()


class ScriptedMicrophone:
    """Each open() takes the next script entry: bytes to play then unplug, "stay" to play and keep
    going, or an exception the device raises when opened (unplugged)."""

    def __init__(self, script: list[bytes | tuple[bytes, str] | Exception]) -> None:
        self.script = script
        self.opened = 0

    def __call__(
        self, device: str | int | None, deliver: Callable[[bytes], None], overflowed: Callable[[], None]
    ):
        entry = self.script[min(self.opened, len(self.script) - 1)]
        self.opened += 1
        if isinstance(entry, Exception):
            raise entry
        pcm, after = entry if isinstance(entry, tuple) else (entry, "unplug")
        return _Stream(pcm, after, deliver)


class _Stream:
    def __init__(self, pcm: bytes, after: str, deliver: Callable[[bytes], None]) -> None:
        self.active = False
        self._pcm, self._after, self._deliver = pcm, after, deliver

    def start(self) -> None:
        self.active = True
        threading.Thread(target=self._play, daemon=True).start()

    def _play(self) -> None:
        for offset in range(0, len(self._pcm), 3200):  # 0.1 s blocks, 5x faster than real time
            if not self.active:
                return
            self._deliver(self._pcm[offset : offset + 3200])
            time.sleep(0.02)
        silence = bytes(3200)
        while self.active and self._after == "stay":
            self._deliver(silence)
            time.sleep(0.02)
        self.active = False

    def close(self) -> None:
        self.active = False


def collect(inbox: queue.Queue, until: Callable[[list], bool], timeout: float = 40.0) -> list:
    events: list = []
    deadline = time.monotonic() + timeout
    while not until(events) and time.monotonic() < deadline:
        try:
            events.append(inbox.get(timeout=0.2))
        except queue.Empty:
            continue
    return events


def test_commands_arrive_and_a_lost_microphone_is_announced_and_reopened() -> None:
    first = clip(0.8, speak("stop"), 1.0)
    second = (clip(0.8, speak("repeat"), 1.0), "stay")
    microphone = ScriptedMicrophone([first, OSError("unplugged"), OSError("unplugged"), second])
    inbox: queue.Queue = queue.Queue()
    listener = MicrophoneListener(
        inbox.put, Clock(), OwnVoice(), choose_engine("en"), open_input=microphone, retry_seconds=0.1,
        stall_seconds=0.5,
    )  # fmt: skip
    started = time.monotonic()
    listener.start()
    assert time.monotonic() - started < 0.2  # the engine loads on the listener's thread
    events = collect(inbox, lambda got: sum(isinstance(e, Heard) for e in got) >= 2)
    listener.close()
    heard = [e for e in events if isinstance(e, Heard)]
    assert [e.command for e in heard] == [Command.STOP, Command.REPEAT]
    assert all(e.source == "voice" and e.by.startswith("pocketsphinx") for e in heard)
    notices = [e for e in events if isinstance(e, DeviceNotice)]
    assert [n.change for n in notices] == [DeviceChange.MICROPHONE_LOST, DeviceChange.MICROPHONE_BACK]
    (listening,) = [e for e in events if isinstance(e, Listening)]  # said once, not again on reopening
    assert listening.engine == "pocketsphinx" and events.index(listening) == 0  # before anything is taken
    assert events.index(notices[0]) > events.index(heard[0]) and events.index(notices[1]) < events.index(
        heard[1]
    )


def test_a_stream_that_ends_but_opens_again_at_once_is_no_news_to_the_person() -> None:
    """A server that restarts a stream (PulseAudio after an overrun) must not make the player say "stopped"
    and "is back" in the same breath."""
    microphone = ScriptedMicrophone([clip(0.8, speak("stop"), 1.0), (clip(0.8, speak("repeat"), 1.0), "stay")])
    inbox: queue.Queue = queue.Queue()
    listener = MicrophoneListener(inbox.put, Clock(), OwnVoice(), choose_engine("en"), open_input=microphone)
    listener.start()
    events = collect(inbox, lambda got: sum(isinstance(e, Heard) for e in got) >= 2)
    listener.close()
    assert microphone.opened == 2
    assert [e.command for e in events if isinstance(e, Heard)] == [Command.STOP, Command.REPEAT]
    assert not [e for e in events if isinstance(e, DeviceNotice)]


def test_numbers_during_a_check_in() -> None:
    microphone = ScriptedMicrophone([(clip(0.8, speak("four"), 1.0), "stay")])
    inbox: queue.Queue = queue.Queue()
    listener = MicrophoneListener(inbox.put, Clock(), OwnVoice(), choose_engine("en"), open_input=microphone)
    listener.expect(Expect.NUMBER)
    listener.start()
    events = collect(inbox, lambda got: any(isinstance(e, HeardNumber) for e in got), timeout=20.0)
    listener.close()
    (answer,) = [e for e in events if isinstance(e, HeardNumber)]
    assert answer.value == 4 and answer.source == "voice"


def test_whisper_loads_only_once_the_player_has_fallen_quiet() -> None:
    own_voice = OwnVoice()
    own_voice.started("Welcome. This routine eases a sore heel.", time.monotonic())
    inbox: queue.Queue = queue.Queue()
    room = ScriptedMicrophone([(clip(0.5), "stay")])
    listener = MicrophoneListener(inbox.put, Clock(), own_voice, choose_engine("en"), open_input=room)
    listener.start()
    collect(inbox, lambda got: any(isinstance(e, Listening) for e in got))
    time.sleep(1.0)
    assert listener.second_opinion is None  # the player speaks: loading would hold up its sound
    own_voice.ended(time.monotonic())
    deadline = time.monotonic() + 10.0
    while listener.second_opinion is None and time.monotonic() < deadline:
        time.sleep(0.1)
    listener.close()
    assert listener.second_opinion is not None
