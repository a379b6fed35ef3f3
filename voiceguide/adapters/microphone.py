"""The microphone listener: sounddevice capture feeding the command recognizer on its own thread.

The PortAudio callback only copies bytes into a queue (it must never block or raise); overflows
are counted. Everything slow happens on the listener thread: loading the engine (seconds for a vosk
model, while the intro is already speaking), recognizing, and reopening a microphone that went
away. Once the engine has loaded and a microphone is open it reports `Listening`, once: only then
is it true. A lost or missing microphone is announced once, the routine carries on with keys, and the
listener keeps trying until it is back.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from voiceguide.adapters.alsa_messages import quiet_alsa
from voiceguide.adapters.audio_out import STUCK_SECONDS
from voiceguide.adapters.backends import EngineChoice, NoListenerError, choose_engine, load_engine, tuning_for
from voiceguide.adapters.echo_canceller import SpeexEchoCanceller
from voiceguide.adapters.webrtc_noise import WebrtcNoiseSuppression
from voiceguide.adapters.whisper_opinion import load_second_opinion
from voiceguide.decoding import SecondOpinion
from voiceguide.messages import (
    DeviceChange,
    DeviceNotice,
    EchoAligned,
    EchoDelayLearnt,
    Event,
    Expect,
    Heard,
    HeardNumber,
    Listening,
    Notice,
    NotTaken,
)
from voiceguide.own_voice import OwnVoice
from voiceguide.ports import Clock
from voiceguide.recognition import (
    FRAME_SAMPLES,
    SAMPLE_RATE,
    CommandRecognizer,
    Engine,
    Outcome,
    Rejection,
    Tuning,
)

BLOCK_SECONDS = 0.1
# Whisper's second opinion loads once the player has been quiet this long (it waits for the person then):
# its tokenizer holds Python's lock for about 60 ms, which cost the speech playing then one underrun. It loads
# on a thread of its own: on the listener's, a busy CI run's "next exercise", said as it loaded, was decided
# too late to count.
QUIET_TO_LOAD_SECOND_OPINION = 1.0

Report = Callable[[Event | Notice], None]
Callback = Callable[[bytes], None]


class InputStream(Protocol):
    """An open microphone delivering int16 mono blocks to the callback it was opened with."""

    active: bool

    def start(self) -> None: ...

    def close(self) -> None: ...


OpenInput = Callable[[str | int | None, Callback, Callable[[], None]], InputStream]


def open_sounddevice(
    device: str | int | None, deliver: Callback, overflowed: Callable[[], None]
) -> InputStream:
    """A sounddevice RawInputStream at 16 kHz mono int16 whose callback only hands bytes over."""
    import sounddevice

    quiet_alsa()

    def callback(data: Any, frames: int, time: Any, status: sounddevice.CallbackFlags) -> None:
        if status.input_overflow:
            overflowed()
        deliver(bytes(data))

    stream = sounddevice.RawInputStream(
        samplerate=SAMPLE_RATE,
        blocksize=round(SAMPLE_RATE * BLOCK_SECONDS),
        device=device,
        channels=1,
        dtype="int16",
        callback=callback,
    )
    return stream


def check_sound_system() -> None:
    """Raise NoListenerError when PortAudio itself is missing (nothing could ever capture)."""
    try:
        import sounddevice  # noqa: F401
    except OSError as error:
        raise NoListenerError(
            "The sound system (PortAudio) is missing, so voice commands are off; keys still work."
        ) from error


def microphone_name(device: str | int | None = None) -> str | None:
    """The name of the input device that would be opened, or None when there is none (no PortAudio,
    no such device, no input at all): a quick look, without opening it."""
    try:
        import sounddevice

        quiet_alsa()
        return str(sounddevice.query_devices(device, kind="input")["name"])
    except Exception:  # noqa: BLE001 - OSError (no PortAudio), PortAudioError, ValueError (no such device)
        return None


class MicrophoneListener:
    """The Listener port over a microphone. start() returns at once; the work is on a thread."""

    def __init__(
        self,
        report: Report,
        clock: Clock,
        own_voice: OwnVoice,
        choice: EngineChoice,
        device: str | int | None = None,
        tuning: Tuning | None = None,
        open_input: OpenInput = open_sounddevice,
        retry_seconds: float = 2.0,
        stall_seconds: float = STUCK_SECONDS,
    ) -> None:
        self._report = report
        self._clock = clock
        self._own_voice = own_voice
        self.choice = choice
        self._device = device
        self._tuning = tuning or tuning_for(choice)
        self._open_input = open_input
        self._retry = retry_seconds
        self._stall = stall_seconds
        self._blocks: queue.Queue[tuple[bytes, float]] = queue.Queue(maxsize=200)
        self._stop = threading.Event()
        self._numbers = False
        self._thread = threading.Thread(target=self._run, name="voiceguide-listener", daemon=True)
        self.overflows = 0  # blocks PortAudio or our queue had to drop
        self.engine: Engine | None = None
        self.second_opinion: SecondOpinion | None = None
        self._second_opinion_due = True  # not yet loaded, nor found missing

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)

    def expect(self, expect: Expect) -> None:
        """While a pain level is asked for, number words join the grammar and come back as HeardNumber."""
        self._numbers = expect is Expect.NUMBER

    # The capture callback's side: never blocks, never raises.

    def _deliver(self, pcm: bytes) -> None:
        try:
            self._blocks.put_nowait((pcm, self._clock.now()))
        except queue.Full:
            self.overflows += 1

    def _overflowed(self) -> None:
        self.overflows += 1

    # The listener thread.

    def _notice(self, change: DeviceChange, name: str = "", detail: str = "") -> None:
        self._report(DeviceNotice(change, self._clock.now(), name, detail))

    def _run(self) -> None:
        try:
            self.engine = load_engine(self.choice)
        except Exception as error:  # noqa: BLE001 - any engine failure means keys only, said once
            self._notice(DeviceChange.LISTENER_FAILED, detail=str(error))
            return
        missing = getattr(self.engine, "missing_words", ())
        if missing:
            self._notice(DeviceChange.WORDS_UNKNOWN, ", ".join(missing))
        announced_lost = listening_said = False
        while not self._stop.is_set():
            stream = self._open()
            if stream is None:
                if not announced_lost:
                    self._notice(DeviceChange.MICROPHONE_LOST)
                    announced_lost = True
                self._stop.wait(self._retry)
                continue
            if announced_lost:
                self._notice(DeviceChange.MICROPHONE_BACK)
                announced_lost = False
            recognizer = CommandRecognizer(
                self.engine,
                self._own_voice,
                self._tuning,
                WebrtcNoiseSuppression(),
                SpeexEchoCanceller(FRAME_SAMPLES),
                self.second_opinion,
            )
            if not listening_said:
                self._report(Listening(self.choice.engine, self._clock.now()))
                listening_said = True
            self._listen(stream, recognizer)
            stream.close()
            # Reopened at once: a stream that ended but opens again straight away was never lost to the
            # person, so only a microphone that stays away is announced (once), and its return once.

    def _load_second_opinion(self) -> None:
        """Whisper, once (None when it is missing or fails to load: the grammar decoder listens alone)."""
        self.second_opinion = load_second_opinion(self.choice.language)

    def _open(self) -> InputStream | None:
        try:
            stream = self._open_input(self._device, self._deliver, self._overflowed)
            stream.start()
        except Exception:  # noqa: BLE001 - PortAudioError, ValueError (no such device), OSError
            return None
        return stream

    def _listen(self, stream: InputStream, recognizer: CommandRecognizer) -> None:
        """Recognize until closed, or until the stream dies or goes quiet (a device pulled out)."""
        last = self._clock.now()
        echo_delay, echo_aligned = recognizer.echo_delay, recognizer.echo_aligned
        while not self._stop.is_set():
            try:
                pcm, at = self._blocks.get(timeout=0.2)
            except queue.Empty:
                if not stream.active or self._clock.now() - last > self._stall:
                    break
                continue
            last = at
            if self._second_opinion_due and not self._own_voice.speaking(at - QUIET_TO_LOAD_SECOND_OPINION, at):
                self._second_opinion_due = False
                threading.Thread(target=self._load_second_opinion, name="voiceguide-whisper", daemon=True).start()
            recognizer.use_second_opinion(self.second_opinion)
            recognizer.expect_numbers(self._numbers)
            for outcome in recognizer.feed(pcm, at):
                if outcome.accepted:
                    self._report(_event(outcome))
                elif outcome.text or outcome.rejected is Rejection.TOO_LONG:
                    self._report(
                        NotTaken(
                            outcome.text, outcome.command, outcome.confidence, outcome.rejected or "", outcome.at, outcome.by
                        )
                    )
            if recognizer.echo_delay != echo_delay:
                echo_delay = recognizer.echo_delay
                self._report(EchoDelayLearnt(echo_delay, at))
            if recognizer.echo_aligned != echo_aligned:
                echo_aligned = recognizer.echo_aligned
                if echo_aligned is not None:
                    self._report(EchoAligned(echo_aligned, at))
        recognizer.flush()  # ends the engine's utterance; half a word is not a command
        while not self._blocks.empty():
            self._blocks.get_nowait()


def _event(outcome: Outcome) -> Heard | HeardNumber:
    if outcome.number is not None:
        return HeardNumber(outcome.number, outcome.at, outcome.text, source="voice", by=outcome.by)
    assert outcome.command is not None
    return Heard(outcome.command, outcome.at, outcome.text, source="voice", by=outcome.by)


def open_listener(
    report: Report,
    clock: Clock,
    own_voice: OwnVoice,
    language: str = "en",
    device: str | int | None = None,
    engine: str | None = None,
    model: str | Path | None = None,
    tuning: Tuning | None = None,
) -> tuple[MicrophoneListener, str]:
    """The listener for this language, and the sentence saying which engine listens.

    Raises NoListenerError (one plain sentence) when nothing can listen. Loading the engine and
    opening the microphone happen later, on the listener's thread, after start().
    """
    check_sound_system()
    choice = choose_engine(language, engine, Path(model) if model else None)
    return MicrophoneListener(report, clock, own_voice, choice, device, tuning), choice.sentence
