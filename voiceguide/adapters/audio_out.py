"""One sounddevice output stream that plays voice clips in order, mixes earcons over them, and cuts at once.

Why one stream, always running: opening a stream per utterance costs time and can pop; a running
stream whose callback stops copying a clip falls silent within one block plus the stream's buffer
(measured through PulseAudio: 40-45 ms). The callback never blocks: it takes commands from a deque
and puts what happened (clip started/ended, at the clock time the sample reaches the speaker) on a
queue that a notifier thread hands on, ClipEnded only once that last sample is audible.

When is the output dead? Only on evidence that holds on every sound server: PortAudio ends the stream
(its finished callback, or `active` turning False: what a vanished PulseAudio sink or PipeWire node
causes at once), or the stream runs with no callback for far longer than any server leaves it idle.
Not on a short gap between callbacks: PulseAudio's null sink, and any server nobody asks for low
latency, renders up to 2 s at a time, and a stream that starts or recovers from an underrun then gets
no callback for up to that long (measured: 0.75-1.95 s) while everything it was given still plays.

sounddevice is imported here, inside functions: without libportaudio `import sounddevice` raises
OSError, and with no device PortAudio raises PortAudioError; both become AudioUnavailable, one
sentence the player can show before falling back to text.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from voiceguide.adapters.alsa_messages import quiet_alsa
from voiceguide.ports import Clock

log = logging.getLogger(__name__)

_FADE_SECONDS = 0.005  # a cut fades out this fast: instant to the ear, but no click
_LONGEST_SERVER_GAP = 2.0  # PulseAudio's default maximum latency: a healthy stream may wait this long
STUCK_SECONDS = 3 * _LONGEST_SERVER_GAP  # an active stream (either way) with no callback this long is stuck
_MAX_WAIT_SECONDS = 1.0  # never trust a reported latency longer than this
# The stream's buffer, a compromise measured both ways. PortAudio's "low" (24 ms here) left no room for a
# loaded machine: through PulseAudio with its defaults, four sessions at once beside two busy processes
# played their introduction at a third of its speed (1 of 20 intact; 35 ms: 6 of 12; 50 ms: 9 of 12).
# But a cut waits for the buffer to play out: silence() to silence took 25-35 ms at 24 ms, 40-45 ms at
# 35 ms and 50-75 ms at 50 ms, where a loaded machine broke the 100 ms a "pause" may take.
_LATENCY_SECONDS = 0.035


class AudioUnavailable(RuntimeError):
    """There is no way to make sound; str() is one sentence for the user."""


@dataclass(frozen=True)
class AudioDevice:
    """A device as `voiceguide devices` lists it; `--output-device`/`--input-device` take its index or name."""

    index: int
    name: str
    host_api: str
    inputs: int  # channels it can record
    outputs: int  # channels it can play
    default_rate: float
    default_input: bool
    default_output: bool


@dataclass(frozen=True)
class ClipStarted:
    clip_id: int
    label: str
    at: float  # clock time the first sample is heard


@dataclass(frozen=True)
class ClipEnded:
    clip_id: int
    at: float  # clock time the last sample is heard (or the cut's fade ends)
    heard: bool  # False for an empty clip, which only keeps its place in the order


@dataclass(frozen=True)
class _Failed:
    message: str


def _import_sounddevice() -> ModuleType:
    quiet_alsa()
    try:
        import sounddevice
    except OSError as error:
        raise AudioUnavailable(
            "The PortAudio library is not installed (libportaudio2), so there is no sound."
        ) from error
    return sounddevice


def list_devices() -> list[AudioDevice]:
    """Every device that can play or record; raises AudioUnavailable when PortAudio itself is missing."""
    sd = _import_sounddevice()
    try:
        default_input, default_output = sd.default.device
        host_apis = sd.query_hostapis()
        devices = sd.query_devices()
    except sd.PortAudioError as error:
        raise AudioUnavailable(f"The sound system could not be asked for devices: {error}.") from error
    return [
        AudioDevice(
            index=info["index"],
            name=info["name"],
            host_api=host_apis[info["hostapi"]]["name"],
            inputs=info["max_input_channels"],
            outputs=info["max_output_channels"],
            default_rate=info["default_samplerate"],
            default_input=info["index"] == default_input,
            default_output=info["index"] == default_output,
        )
        for info in devices
    ]


@dataclass
class _Clip:
    """A voice clip or an earcon being played, with how far it got."""

    clip_id: int
    label: str
    samples: np.ndarray
    offset: int = 0
    end: int = -1  # set on a cut: the fade-out ends here
    fade_from: int = -1

    def __post_init__(self) -> None:
        self.end = len(self.samples)


class AudioOutput:
    """The running output stream. Thread-safe to call from any thread; events arrive on the notifier thread.

    `on_event` gets ClipStarted/ClipEnded in order; `on_failure` gets one sentence, once, when the
    device stops working; the stream is stopped by then, so nothing more can come out of it, and
    nothing else is reported. `on_block`, called on the audio thread, gets the time each block is heard,
    its samples (mono) and their rate: what may echo back.
    """

    def __init__(
        self,
        clock: Clock,
        on_event: Callable[[ClipStarted | ClipEnded], None],
        on_failure: Callable[[str], None],
        device: int | str | None = None,
        preferred_rate: int = 22050,
        block_seconds: float = 0.012,
        on_block: Callable[[float, np.ndarray, int], None] | None = None,
    ) -> None:
        sd = _import_sounddevice()
        self._portaudio_error: type[Exception] = sd.PortAudioError
        self._clock = clock
        self._on_event = on_event
        self._on_failure = on_failure
        self._on_block = on_block
        self._commands: deque[tuple[str, Any]] = deque()
        self._events: queue.SimpleQueue[ClipStarted | ClipEnded | _Failed] = queue.SimpleQueue()
        self._voices: deque[_Clip] = deque()
        self._earcons: list[_Clip] = []
        self._closing = False
        self._released = False
        self._release_lock = threading.Lock()
        self.gain = 1.0
        self.underflows = 0
        try:
            info = sd.query_devices(device, "output")
        except ValueError as error:
            raise AudioUnavailable(
                f"No sound output matches {device!r}; 'voiceguide devices' lists them."
            ) from error
        except sd.PortAudioError as error:
            raise AudioUnavailable("No sound output device was found.") from error
        self.device_name: str = info["name"]
        self.channels = min(2, int(info["max_output_channels"]))
        self.rate = self._choose_rate(sd, info["index"], preferred_rate, int(info["default_samplerate"]))
        self._fade = np.linspace(1.0, 0.0, max(1, round(_FADE_SECONDS * self.rate)), dtype=np.float32)
        self._heartbeat = clock.now()
        blocksize = round(block_seconds * self.rate)
        self._mix = np.zeros(blocksize, dtype=np.float32)
        try:
            self._stream = sd.OutputStream(
                device=info["index"],
                samplerate=self.rate,
                channels=self.channels,
                dtype="float32",
                latency=_LATENCY_SECONDS,
                blocksize=blocksize,
                callback=self._callback,
                finished_callback=self._finished,
            )
        except sd.PortAudioError as error:
            raise AudioUnavailable(
                f"The sound output {self.device_name!r} could not be opened: {error}."
            ) from error
        try:
            self._stream.start()
        except sd.PortAudioError as error:
            self._closing = True
            self._stream.close()
            raise AudioUnavailable(
                f"The sound output {self.device_name!r} could not be opened: {error}."
            ) from error
        self.latency: float = self._stream.latency
        self._notifier = threading.Thread(target=self._notify, name="audio-out-notifier", daemon=True)
        self._notifier.start()

    @staticmethod
    def _choose_rate(sd: ModuleType, index: int, preferred: int, default: int) -> int:
        """The speech's own rate if the device takes it (no resampling), else the device's default."""
        try:
            sd.check_output_settings(device=index, samplerate=preferred, dtype="float32")
        except sd.PortAudioError:
            return default
        return preferred

    def convert(self, samples: np.ndarray, rate: int) -> np.ndarray:
        """16-bit or float samples at `rate` as float32 at the stream's rate (linear interpolation)."""
        floats = samples.astype(np.float32)
        if samples.dtype == np.int16:
            floats /= 32768.0
        if rate == self.rate or not len(floats):
            return floats
        positions = np.arange(round(len(floats) * self.rate / rate)) * (rate / self.rate)
        return np.interp(positions, np.arange(len(floats)), floats).astype(np.float32)

    def play_voice(self, clip_id: int, samples: np.ndarray, label: str = "") -> None:
        """Queue a clip (float32 at `rate`) after the ones already queued; an empty clip just reports in order.

        `label` (the text) comes back in ClipStarted, so whoever listens knows what became audible.
        """
        self._commands.append(("voice", _Clip(clip_id, label, samples)))

    def play_earcon(self, samples: np.ndarray) -> None:
        """Mix these samples (float32 at `rate`) in at once, over whatever plays."""
        self._commands.append(("earcon", samples))

    def cut(self) -> None:
        """Stop the voice clip playing (a 5 ms fade) and drop queued clips; earcons play on."""
        self._commands.append(("cut", None))

    # Runs on PortAudio's thread: no locks, no waiting, no allocation beyond small numpy temporaries.
    def _callback(self, out: np.ndarray, frames: int, timing: Any, status: Any) -> None:
        now = self._clock.now()
        self._heartbeat = now
        if status.output_underflow:
            self.underflows += 1
        delay = timing.outputBufferDacTime - timing.currentTime
        heard_at = now + (delay if 0.0 < delay < _MAX_WAIT_SECONDS else self._stream.latency)
        while self._commands:
            self._apply(*self._commands.popleft(), heard_at)
        mix = self._mix[:frames] if frames <= len(self._mix) else np.zeros(frames, dtype=np.float32)
        mix.fill(0.0)  # the buffer is reused: no allocation per block
        position = 0
        while self._voices and position < frames:
            clip = self._voices[0]
            if clip.offset == 0 and clip.end > 0:
                self._events.put(ClipStarted(clip.clip_id, clip.label, heard_at + position / self.rate))
            count = min(frames - position, clip.end - clip.offset)
            part = clip.samples[clip.offset : clip.offset + count]
            if clip.fade_from >= 0:
                part = part * self._fade[clip.offset - clip.fade_from : clip.offset - clip.fade_from + count]
            mix[position : position + count] = part
            clip.offset += count
            position += count
            if clip.offset >= clip.end:
                self._voices.popleft()
                ended_at = heard_at + position / self.rate
                self._events.put(ClipEnded(clip.clip_id, ended_at, heard=clip.end > 0))
        mix *= self.gain
        for earcon in self._earcons:
            part = earcon.samples[earcon.offset : earcon.offset + frames]
            mix[: len(part)] += part * self.gain
            earcon.offset += frames
        self._earcons = [earcon for earcon in self._earcons if earcon.offset < earcon.end]
        np.clip(mix, -1.0, 1.0, out=mix)
        out[:] = mix[:, None]
        if self._on_block is not None:
            self._on_block(heard_at, mix.copy(), self.rate)  # mix is reused for the next block

    def _apply(self, command: str, argument: Any, heard_at: float) -> None:
        if command == "voice":
            self._voices.append(argument)
        elif command == "earcon":
            self._earcons.append(_Clip(-1, "", argument))
        else:
            # Only a clip already audible plays on, for its fade; the rest were never heard.
            playing = self._voices[0] if self._voices and self._voices[0].offset > 0 else None
            self._voices.clear()
            if playing is not None:
                if playing.fade_from < 0:
                    playing.fade_from = playing.offset
                    playing.end = min(playing.end, playing.offset + len(self._fade))
                self._voices.append(playing)

    def _finished(self) -> None:
        if not self._closing:
            self._events.put(_Failed(f"The sound output {self.device_name!r} stopped working."))

    def _health(self) -> _Failed | None:
        """A failure if PortAudio ended the stream or it has been stuck far beyond any server's latency."""
        if not self._stream.active:
            return _Failed(f"The sound output {self.device_name!r} stopped working.")
        if self._clock.now() - self._heartbeat > max(STUCK_SECONDS, 4 * self.latency):
            return _Failed(f"The sound output {self.device_name!r} stopped responding.")
        return None

    def _notify(self) -> None:
        while True:
            try:
                event = self._events.get(timeout=0.2)
            except queue.Empty:
                event = None
            if self._closing:
                return
            if event is None:
                event = self._health()
                if event is None:
                    continue
            if isinstance(event, _Failed):
                self.close()  # stopped before it is called failed: nothing may play behind the text that says so
                self._on_failure(event.message)
                return
            if isinstance(event, ClipEnded):
                wait = min(_MAX_WAIT_SECONDS, event.at - self._clock.now())
                if wait > 0:
                    time.sleep(wait)
            self._on_event(event)

    def _release(self) -> None:
        with self._release_lock:
            if self._released:
                return
            self._released = True
        try:
            self._stream.abort()
            self._stream.close()
        except self._portaudio_error as error:  # a device that already failed may refuse even this
            log.debug("closing the output stream: %s", error)

    def close(self) -> None:
        """Stop at once (queued audio is dropped) and release the device."""
        self._closing = True
        self._release()
        if self._notifier is not threading.current_thread():
            self._notifier.join(timeout=1.0)
