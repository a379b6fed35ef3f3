"""The real speaker through a real PulseAudio: what is heard, when, in what order, and how fast it stops.

Each test speaks with pyttsx3 + espeak-ng into the rig's null sink and reads the sink's monitor back.
"Heard" here is when the null sink rendered the sample, which is up to one sink block (about 10-25 ms)
earlier than the stream's own estimate of when it reaches the speaker, hence the tolerances.
"""

from __future__ import annotations

import itertools
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.audio.rig import PulseRig, pulse_rig  # noqa: F401 - pulse_rig is the fixture
from tests.audio.speaking import THRESHOLD_DB, RecordedOwnVoice, last_sound, level_db, onset
from tests.fakes import StuckSynthesizer
from voiceguide.adapters.audio_out import AudioUnavailable, list_devices
from voiceguide.adapters.clock import MonotonicClock
from voiceguide.adapters.speaker import SoundDeviceSpeaker
from voiceguide.messages import (
    DeviceChange,
    DeviceNotice,
    Earcon,
    Priority,
    Say,
    SpeechDone,
    SpeechStarted,
    VoiceSetting,
)
from voiceguide.settings import VoiceSettings

pytestmark = pytest.mark.audio

ROOT = Path(__file__).resolve().parent.parent
CUT_BOUND = 0.100  # silence() to silence at the output, the product's promise


class Inbox:
    """The player's inbox as the speaker sees it: a thread-safe put. SpeechStarted, which only goes to the
    event log, is kept apart so that take() sees what the engine sees."""

    def __init__(self) -> None:
        self._events: queue.Queue[SpeechDone | DeviceNotice] = queue.Queue()
        self.started: list[SpeechStarted] = []

    def put(self, event: SpeechDone | SpeechStarted | DeviceNotice) -> None:
        if isinstance(event, SpeechStarted):
            self.started.append(event)
        else:
            self._events.put(event)

    def take(self, count: int, timeout: float = 15.0) -> list[SpeechDone | DeviceNotice]:
        deadline = time.monotonic() + timeout
        return [self._events.get(timeout=max(0.0, deadline - time.monotonic())) for _ in range(count)]

    def wait_started(self, utterance_id: int, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while utterance_id not in [event.utterance_id for event in self.started]:
            assert time.monotonic() < deadline, f"utterance {utterance_id} was never heard"
            time.sleep(0.01)

    def empty(self) -> bool:
        return self._events.empty()


SpeakerFactory = Callable[..., tuple[SoundDeviceSpeaker, Inbox, RecordedOwnVoice]]


@pytest.fixture
def make_speaker(pulse_rig: PulseRig, tmp_path: Path) -> Iterator[SpeakerFactory]:  # noqa: F811
    pulse_rig.use_in_this_process()
    made: list[SoundDeviceSpeaker] = []

    def make(**options: object) -> tuple[SoundDeviceSpeaker, Inbox, RecordedOwnVoice]:
        inbox, own_voice = Inbox(), RecordedOwnVoice()
        arguments: dict[str, object] = {
            "device": "pulse",
            "cache_dir": tmp_path / "cache",
        }
        arguments.update(options)
        speaker = SoundDeviceSpeaker(
            inbox.put,
            MonotonicClock(),
            own_voice,
            arguments.pop("settings", VoiceSettings(voice="en-us")),  # type: ignore[arg-type]
            **arguments,  # type: ignore[arg-type]
        )
        made.append(speaker)
        return speaker, inbox, own_voice

    yield make
    for speaker in made:
        speaker.close()


def test_the_pulse_device_is_listed(make_speaker: SpeakerFactory) -> None:
    assert "pulse" in [device.name for device in list_devices() if device.outputs]


def test_utterances_are_heard_in_order_when_the_speaker_says_they_are(
    pulse_rig: PulseRig,  # noqa: F811
    make_speaker: SpeakerFactory,
    capfd: pytest.CaptureFixture[str],
) -> None:
    speaker, inbox, own_voice = make_speaker()
    lines = ["Lie on your back.", "Bend both knees.", "Ten."]
    start = time.monotonic()
    for number, text in enumerate(lines, 1):
        speaker.say(Say(number, text, Priority.INSTRUCTION))
    done = inbox.take(3)
    heard = pulse_rig.monitor.record_until_quiet(start - 0.2)

    assert [event.utterance_id for event in done] == [1, 2, 3]  # type: ignore[union-attr]
    times = own_voice.spans
    assert len(times) == 3
    assert [(event.utterance_id, event.now) for event in inbox.started] == [
        (number, started) for number, (started, _) in enumerate(times, 1)]
    for (started, ended), event in zip(times, done, strict=True):
        assert abs(onset(heard, started - 0.06) - started) < 0.05  # heard when the speaker says it starts
        assert ended - 0.005 <= event.now < ended + 0.1  # SpeechDone once the last sample was heard
    for (_, ended), (started, _) in itertools.pairwise(times):
        assert abs(ended - started) < 0.01  # back to back: only the phrase's own short tail between
    assert heard.audible_spans(THRESHOLD_DB)[0][0] > start  # nothing before the first line
    assert last_sound(heard, heard.end) < times[-1][1] + 0.02
    assert "Audio saved" not in capfd.readouterr().out


def test_a_line_of_sentences_plays_each_as_it_is_rendered_and_is_one_utterance_to_the_player(
    pulse_rig: PulseRig,  # noqa: F811
    make_speaker: SpeakerFactory,
) -> None:
    speaker, inbox, own_voice = make_speaker()
    line = "Sit on a chair. Cross your sore foot over the other knee. Pull your toes back gently."
    start = time.monotonic()
    speaker.say(Say(1, line, Priority.INSTRUCTION))
    done = inbox.take(1)
    heard = pulse_rig.monitor.record_until_quiet(start - 0.2)

    assert len(own_voice.spans) == 3  # a clip a sentence
    assert [(event.utterance_id, event.now) for event in inbox.started] == [(1, own_voice.spans[0][0])]
    assert own_voice.spans[-1][1] - 0.005 <= done[0].now < own_voice.spans[-1][1] + 0.1  # after the last
    for started, _ in own_voice.spans[1:]:
        assert last_sound(heard, started) < started - 0.2  # the pause between sentences
    assert inbox.empty()


def test_silence_cuts_speech_within_100_ms_and_drops_what_was_queued(
    pulse_rig: PulseRig,  # noqa: F811
    make_speaker: SpeakerFactory,
) -> None:
    speaker, inbox, own_voice = make_speaker()
    sentence = "Slowly pull your toes towards you and hold the stretch while you keep breathing evenly."
    delays = []
    for trial in range(5):
        first = 10 * trial
        speaker.say(Say(first, sentence, Priority.INSTRUCTION))
        speaker.say(Say(first + 1, "This is queued.", Priority.INSTRUCTION))
        speaker.say(Say(first + 2, "And so is this.", Priority.INSTRUCTION))
        inbox.wait_started(first)  # heard, however long the machine took to render and start it
        time.sleep(0.4 + 0.1 * trial)  # cut somewhere inside the long sentence
        cut = time.monotonic()
        speaker.silence()
        done = inbox.take(3, timeout=1.0)
        assert [event.utterance_id for event in done] == [first, first + 1, first + 2]  # type: ignore[union-attr]
        assert all(event.now - cut < 0.1 for event in done)  # dropped ones report at once
        time.sleep(0.6)
        heard = pulse_rig.monitor.recording(cut - 0.5)
        assert level_db(heard.between(cut - 0.3, cut)) > THRESHOLD_DB + 10  # it was speaking when cut
        stopped = last_sound(heard, cut + 0.6)
        delays.append(stopped - cut)
        assert level_db(heard.between(stopped, cut + 0.6)) < THRESHOLD_DB  # nothing queued plays afterwards
        assert abs(own_voice.spans[-1][1] - stopped) < 0.1  # how closely: bench/speech.py
    assert max(delays) < CUT_BOUND, f"silence() to silence: {[round(delay * 1000) for delay in delays]} ms"


def test_an_earcon_sounds_over_speech_and_alone(pulse_rig: PulseRig, make_speaker: SpeakerFactory) -> None:  # noqa: F811
    speaker, inbox, _ = make_speaker()
    speaker.say(Say(1, "Keep your heel on the floor and breathe out slowly.", Priority.INSTRUCTION))
    inbox.wait_started(1)
    time.sleep(0.3)  # into the sentence
    tick_at = time.monotonic()
    speaker.cue(Earcon.TICK)
    inbox.take(1)
    heard = pulse_rig.monitor.record_until_quiet(tick_at - 0.6)

    def tone_strength(start: float) -> float:
        window = heard.between(start, start + 0.06)
        spectrum = np.abs(np.fft.rfft(window * np.hanning(len(window))))
        frequencies = np.fft.rfftfreq(len(window), 1 / heard.rate)
        return float(spectrum[np.argmin(np.abs(frequencies - 1000))])

    with_tick = max(tone_strength(tick_at + offset) for offset in np.arange(-0.02, 0.06, 0.005))
    speech_only = np.median([tone_strength(tick_at - 0.5 + 0.06 * step) for step in range(8)])
    assert with_tick > 5 * speech_only

    alone = time.monotonic()
    speaker.cue(Earcon.SWITCH)
    heard = pulse_rig.monitor.record_until_quiet(alone - 0.1)
    # A low and a high tone, 60 ms apart; a loaded machine's output may run dry for a moment inside a tone,
    # and how soon the cue sounds is bench/speech.py's "earcon" figure (about 40 ms on a quiet machine).
    spans = heard.audible_spans(THRESHOLD_DB, bridge=0.03)
    assert len(spans) == 2
    assert all(0.1 < end - start < 0.21 for start, end in spans)
    assert 0.04 < spans[1][0] - spans[0][1] < 0.1
    assert spans[0][0] - alone < 0.5  # at once: nothing queues it


def test_volume_and_rate_change_what_is_heard(
    pulse_rig: PulseRig,  # noqa: F811
    make_speaker: SpeakerFactory,
) -> None:
    speaker, inbox, own_voice = make_speaker()
    phrase = "Hold it there and breathe."
    speaker.say(Say(1, phrase, Priority.INSTRUCTION))
    inbox.take(1)
    speaker.adjust(VoiceSetting.VOLUME, -2)
    speaker.say(Say(2, phrase, Priority.INSTRUCTION))
    inbox.take(1)
    speaker.adjust(VoiceSetting.VOLUME, +2)
    speaker.adjust(VoiceSetting.RATE, -3)
    speaker.say(Say(3, phrase, Priority.INSTRUCTION))
    inbox.take(1)
    heard = pulse_rig.monitor.recording()
    (start1, end1), (start2, end2), (start3, end3) = own_voice.spans

    assert level_db(heard.between(start2, end2)) - level_db(heard.between(start1, end1)) == pytest.approx(
        -6, abs=1
    )
    assert (end3 - start3) > 1.25 * (end1 - start1)  # 100 instead of 160 words a minute
    assert speaker.settings == VoiceSettings(voice="en-us", rate=100, volume=1.0)


def test_prepared_phrases_start_at_once(make_speaker: SpeakerFactory) -> None:
    speaker, inbox, own_voice = make_speaker()
    routine = [f"Repetition {number} of twenty, keep the movement slow." for number in range(1, 21)]
    speaker.prepare(["Ten", "Nine", "Eight", *routine])
    time.sleep(1.5)
    said = time.monotonic()
    speaker.say(Say(1, routine[-1], Priority.INSTRUCTION))
    inbox.take(1)
    assert own_voice.spans[0][0] - said < 0.08


def test_a_line_that_cannot_be_rendered_becomes_text_and_the_rest_goes_on(
    make_speaker: SpeakerFactory,
) -> None:
    release = threading.Event()
    speaker, inbox, own_voice = make_speaker(
        make_synthesizer=lambda: StuckSynthesizer(release), render_timeout=0.5
    )
    try:
        speaker.say(Say(1, "Ten.", Priority.TICK))
        speaker.say(Say(2, "I am stuck.", Priority.INSTRUCTION))
        speaker.say(Say(3, "Nine.", Priority.TICK))
        events = inbox.take(4, timeout=5)
        notices = [event for event in events if isinstance(event, DeviceNotice)]
        assert [event.utterance_id for event in events if isinstance(event, SpeechDone)] == [1, 2, 3]
        assert [notice.change for notice in notices] == [DeviceChange.SPEECH_STUCK]
        assert len(own_voice.spans) == 1  # "Nine." was queued behind the stuck phrase and fails fast too
    finally:
        release.set()
    time.sleep(0.2)
    speaker.say(Say(4, "Eight.", Priority.TICK))
    events = inbox.take(2, timeout=5)
    assert isinstance(events[0], DeviceNotice) and events[0].change is DeviceChange.SPEECH_BACK
    assert isinstance(events[1], SpeechDone) and events[1].utterance_id == 4
    assert len(own_voice.spans) == 2


def test_a_device_that_dies_mid_routine_leaves_the_routine_running_in_text(
    pulse_rig: PulseRig,  # noqa: F811
    tmp_path: Path,
) -> None:
    doomed = PulseRig(tmp_path / "doomed").start()
    try:
        doomed.use_in_this_process()
        inbox, own_voice = Inbox(), RecordedOwnVoice()
        speaker = SoundDeviceSpeaker(
            inbox.put, MonotonicClock(), own_voice, VoiceSettings(), "pulse", cache_dir=tmp_path / "cache"
        )
        speaker.say(
            Say(1, "Lie on your back and bend both knees, keeping your feet flat.", Priority.INSTRUCTION)
        )
        speaker.say(Say(2, "Then lift your hips.", Priority.INSTRUCTION))
        inbox.wait_started(1)
        assert own_voice.spans
        died = time.monotonic()
        doomed.close()
        notice, first, second = inbox.take(3, timeout=3)
        assert isinstance(notice, DeviceNotice) and notice.change is DeviceChange.SPEAKER_LOST
        assert notice.name == speaker.device_name and "stopped" in notice.detail
        assert [first.utterance_id, second.utterance_id] == [1, 2]  # type: ignore[union-attr]
        assert notice.now - died < 1.5
        assert own_voice.spans[-1][1] < notice.now + 0.1
        speaker.say(Say(3, "Rest.", Priority.INSTRUCTION))
        speaker.cue(Earcon.FINISH)
        (third,) = inbox.take(1, timeout=0.1)
        assert isinstance(third, SpeechDone) and third.utterance_id == 3
        speaker.close()
    finally:
        doomed.close()
        pulse_rig.use_in_this_process()


def test_an_output_that_goes_away_is_reported_once_and_speech_comes_back_with_it(
    pulse_rig: PulseRig,  # noqa: F811
    tmp_path: Path,
) -> None:
    with PulseRig(tmp_path / "unplugged") as unplugged:
        unplugged.use_in_this_process()
        try:
            inbox, own_voice = Inbox(), RecordedOwnVoice()
            speaker = SoundDeviceSpeaker(inbox.put, MonotonicClock(), own_voice, VoiceSettings(), "pulse",
                                         cache_dir=tmp_path / "cache", retry_seconds=0.5)
            speaker.say(Say(1, "Lie on your back and bend both knees, keeping your feet flat.", Priority.INSTRUCTION))
            inbox.wait_started(1)
            unplugged.unplug_speaker()
            lost, done = inbox.take(2, timeout=3)
            assert isinstance(lost, DeviceNotice) and lost.change is DeviceChange.SPEAKER_LOST
            assert isinstance(done, SpeechDone) and speaker.failed
            time.sleep(1.5)  # three tries find no output: nothing more is said
            assert inbox.empty()
            unplugged.plug_speaker()
            (back,) = inbox.take(1, timeout=3)
            assert isinstance(back, DeviceNotice) and back.change is DeviceChange.SPEAKER_BACK
            assert not speaker.failed
            said = time.monotonic()
            speaker.say(Say(2, "Rest.", Priority.INSTRUCTION))
            (rest,) = inbox.take(1, timeout=5)
            assert isinstance(rest, SpeechDone) and rest.utterance_id == 2
            heard = unplugged.monitor.record_until_quiet(said, timeout=5)
            assert heard.audible_spans(), "the line after the sound came back was not heard"
            speaker.close()
        finally:
            pulse_rig.use_in_this_process()


def test_an_unknown_device_is_one_sentence(make_speaker: SpeakerFactory) -> None:
    with pytest.raises(AudioUnavailable) as raised:
        make_speaker(device="no such device")
    assert str(raised.value) == "No sound output matches 'no such device'; 'voiceguide devices' lists them."


@pytest.mark.skipif(
    Path("/dev/snd").exists(), reason="this machine has sound hardware, so it always has a device"
)
def test_no_sound_device_at_all_is_one_sentence(tmp_path: Path) -> None:
    """No sound card and no reachable PulseAudio: PortAudio raises, the factory turns it into one sentence."""
    script = (
        "import time\n"
        "from voiceguide.adapters.audio_out import AudioUnavailable\n"
        "from voiceguide.adapters.speaker import open_speaker\n"
        "from voiceguide.own_voice import OwnVoice\n"
        "from voiceguide.settings import VoiceSettings\n"
        "class Clock:\n"
        "    def now(self): return time.monotonic()\n"
        "try:\n"
        "    open_speaker(print, Clock(), OwnVoice(), VoiceSettings())\n"
        "except AudioUnavailable as error:\n"
        "    print(error)\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PULSE_SERVER": f"unix:{tmp_path}/none",
    }
    finished = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == "No sound output device was found.\n"


def test_the_natural_voice_plays_through_the_same_stream_and_is_cut_as_quickly(
    pulse_rig: PulseRig,  # noqa: F811
    make_speaker: SpeakerFactory,
) -> None:
    speaker, inbox, own_voice = make_speaker(settings=VoiceSettings(voice="joe"))
    assert speaker.voice.id == "piper/joe"
    speaker.say(Say(1, "Slowly pull your toes towards you and hold the stretch while you keep breathing.",
                    Priority.INSTRUCTION))
    deadline = time.monotonic() + 30  # a cold start loads piper's model first
    while not own_voice.spans and time.monotonic() < deadline:  # until the clip is heard on the device
        time.sleep(0.05)
    assert own_voice.spans
    time.sleep(1.0)
    cut = time.monotonic()
    speaker.silence()
    inbox.take(1, timeout=1.0)
    time.sleep(0.6)
    heard = pulse_rig.monitor.recording(cut - 0.5)
    assert level_db(heard.between(cut - 0.3, cut)) > THRESHOLD_DB + 10
    assert last_sound(heard, cut + 0.6) - cut < CUT_BOUND
