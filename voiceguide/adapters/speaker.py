"""The real Speaker: espeak-ng or piper renders (renderer.py), one sounddevice stream plays (audio_out.py).

How an utterance travels: say() asks the renderer for each of its sentences at once (so they render
while earlier lines play) and queues them; a sequencer thread takes the queue in order, waits for each
rendering (bounded by the render timeout: a sentence that cannot be rendered becomes an empty clip, so
the player's text line stands alone and the routine goes on), and hands the samples to the output
stream, a pause after each sentence but the last. The stream's notifier reports when each clip is
heard and when its last sample has been heard; the speaker records each in OwnVoice and posts
SpeechStarted with the utterance's first sound and SpeechDone after its last.

Every utterance gets exactly one SpeechDone, in the order said: when its last sample was heard, or
at once when silence() drops it, or at once while the device has failed.

When the output fails, the speaker posts one DeviceNotice (the session goes on in text meanwhile) and
tries to open the output again every few seconds; once one opens, it posts that the sound is back and
speaks again from the next line on. Notices name what happened; the engine words them.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from pathlib import Path

import numpy as np

from voiceguide.adapters.any_voice import AnyVoiceSynthesizer
from voiceguide.adapters.audio_out import AudioOutput, AudioUnavailable, ClipEnded, ClipStarted
from voiceguide.adapters.earcons import earcon_samples
from voiceguide.adapters.phrase_cache import PhraseCache, default_cache_dir
from voiceguide.adapters.renderer import Renderer, sentences
from voiceguide.adapters.synthesis import Rendered, SpeechFailed, Synthesizer, VoiceInfo
from voiceguide.adapters.voices import resolve_voice
from voiceguide.messages import (
    DeviceChange,
    DeviceNotice,
    Earcon,
    Say,
    SpeechDone,
    SpeechStarted,
    VoiceSetting,
)
from voiceguide.own_voice import OwnVoice
from voiceguide.ports import Clock
from voiceguide.settings import VoiceSettings

log = logging.getLogger(__name__)

_NOTHING = Rendered(np.zeros(0, dtype=np.int16), 22050)  # an empty clip keeps its place in the order
# Silence after a sentence that another follows: with the renderer's 0.1 s tail, the 0.3 s pause espeak-ng
# leaves between sentences of one text.
_SENTENCE_PAUSE = 0.2
_HUNG_POLL_SECONDS = 0.1  # how often a sentence still rendering is checked for a hung engine

Report = Callable[[SpeechDone | SpeechStarted | DeviceNotice], None]

__all__ = ["AudioUnavailable", "SoundDeviceSpeaker", "open_speaker"]


class SoundDeviceSpeaker:
    """Speaks utterances one after another through one output stream; see the module docstring.

    `report` is the player's inbox.put (thread-safe). Settings changed by adjust() are applied here;
    keeping them for next time is the session's job (it reads `settings`).
    """

    def __init__(
        self,
        report: Report,
        clock: Clock,
        own_voice: OwnVoice,
        settings: VoiceSettings,
        device: int | str | None = None,
        *,
        language: str = "en",
        cache_dir: Path | None = None,
        make_synthesizer: Callable[[], Synthesizer] = AnyVoiceSynthesizer,
        render_timeout: float = 4.0,
        retry_seconds: float = 3.0,
    ) -> None:
        self._report = report
        self._clock = clock
        self._own_voice = own_voice
        self._settings = settings
        self._lock = threading.Lock()
        self._pending: dict[int, int] = {}  # said, SpeechDone not yet reported (in order): sentences not yet heard
        self._audible: set[int] = set()  # pending utterances whose first sound has been reported
        self._generation = 0
        self._failed = False
        self._speech_stuck = False
        self._prepared: dict[str, None] = {}
        self._queue: queue.SimpleQueue[tuple[int, Say, list[tuple[str, Future[Rendered]]]] | None] = (
            queue.SimpleQueue()
        )
        self._wake = threading.Event()
        self._device = device
        self._retry_seconds = retry_seconds
        self._closed = threading.Event()
        # The synthesizer starts on its thread while the stream opens here: both are on the cold-start path.
        self._renderer = Renderer(make_synthesizer, PhraseCache(cache_dir), render_timeout)
        self._renderer.start()
        try:
            self._output = self._open_output()
        except AudioUnavailable:
            self._renderer.close()
            raise
        try:
            self.voice: VoiceInfo = resolve_voice(settings.voice, language, self._renderer.voices())
        except Exception:
            self._output.close()
            self._renderer.close()
            raise
        self._output.gain = settings.volume
        self._sequencer = threading.Thread(target=self._sequence, name="speaker-sequencer", daemon=True)
        self._sequencer.start()

    @property
    def settings(self) -> VoiceSettings:
        return self._settings

    @property
    def device_name(self) -> str:
        return self._output.device_name

    @property
    def sample_rate(self) -> int:
        return self._output.rate

    @property
    def output_latency(self) -> float:
        """Seconds from the stream to the speaker, as PortAudio reports it when the stream opened."""
        return self._output.latency

    @property
    def failed(self) -> bool:
        """The output device stopped working and has not come back yet; lines are text only meanwhile."""
        return self._failed

    @property
    def underflows(self) -> int:
        """How many times the device ran dry (a crackle); for benchmarks and diagnostics."""
        return self._output.underflows

    def prepare(self, texts: Iterable[str]) -> None:
        """Render these phrases in the background (numbers, fixed phrases, the routine's lines)."""
        fresh = [part for text in texts for part in sentences(text) if part not in self._prepared]
        self._prepared.update(dict.fromkeys(fresh))
        self._renderer.prepare(fresh, self.voice.id, self._settings.rate)

    def say(self, utterance: Say) -> None:
        with self._lock:
            if self._failed:
                self._report(SpeechDone(utterance.utterance_id, self._clock.now()))
                return
            parts = sentences(utterance.text)
            self._pending[utterance.utterance_id] = len(parts)
            generation = self._generation
            rate = self._settings.rate
        renderings = [(part, self._renderer.request(part, self.voice.id, rate)) for part in parts]
        self._queue.put((generation, utterance, renderings))

    def cue(self, earcon: Earcon) -> None:
        if not self._failed:
            self._output.play_earcon(earcon_samples(earcon, self._output.rate))

    def silence(self) -> None:
        with self._lock:
            self._generation += 1
            self._output.cut()
            dropped = list(self._pending)
            self._pending.clear()
            self._audible.clear()
            now = self._clock.now()
            for utterance_id in dropped:
                self._report(SpeechDone(utterance_id, now))
        self._wake.set()

    def adjust(self, setting: VoiceSetting, steps: int) -> None:
        """One step per unit: ±20 words per minute, ±3 dB, applied from the next sample on."""
        with self._lock:
            old, self._settings = self._settings, self._settings.adjusted(setting, steps)
            new = self._settings
        if new == old:
            return
        self._output.gain = new.volume
        if new.rate != old.rate:
            self._renderer.prepare(self._prepared, self.voice.id, new.rate)

    def close(self) -> None:
        self._closed.set()
        self.silence()
        self._queue.put(None)
        with self._lock:
            self._output.close()
        self._renderer.close()
        self._sequencer.join(timeout=1.0)

    # The sequencer thread.

    def _sequence(self) -> None:
        while (item := self._queue.get()) is not None:
            generation, utterance, renderings = item
            for number, (text, future) in enumerate(renderings, start=1):
                if generation != self._generation:
                    break  # silenced before its turn; already reported
                rendered = self._rendering_of(text, future, generation)
                with self._lock:
                    if generation != self._generation or self._failed:
                        break
                    samples = self._output.convert(rendered.samples, rendered.rate)  # the output may be new
                    if number < len(renderings) and len(samples):
                        pause = np.zeros(round(_SENTENCE_PAUSE * self._output.rate), dtype=np.float32)
                        samples = np.concatenate((samples, pause))
                    self._output.play_voice(utterance.utterance_id, samples, text)

    def _rendering_of(self, text: str, future: Future[Rendered], generation: int) -> Rendered:
        """The sentence's rendering, however long a busy machine takes; an empty one when the engine hangs."""
        future.add_done_callback(lambda _: self._wake.set())
        while not future.done() and generation == self._generation and not self._renderer.hung:
            self._wake.wait(_HUNG_POLL_SECONDS)
            self._wake.clear()
        if not future.done():
            if generation == self._generation:
                log.warning("speech for %r: the speech engine is not responding; shown as text only", text)
                self._notice_speech(working=False)
            return _NOTHING
        try:
            rendered = future.result()
        except SpeechFailed:  # already logged by the renderer
            self._notice_speech(working=not self._renderer.hung)
            return _NOTHING
        self._notice_speech(working=True)
        return rendered

    def _notice_speech(self, working: bool) -> None:
        """Tell the player once when synthesis gets stuck (lines become text only) and once when it is back."""
        if working == (not self._speech_stuck):
            return
        self._speech_stuck = not working
        change = DeviceChange.SPEECH_BACK if working else DeviceChange.SPEECH_STUCK
        self._report(DeviceNotice(change, self._clock.now()))

    # Called on the output's notifier thread.

    def _on_clip(self, event: ClipStarted | ClipEnded) -> None:
        if isinstance(event, ClipStarted):
            self._own_voice.started(event.label, event.at)
            with self._lock:
                first = event.clip_id in self._pending and event.clip_id not in self._audible
                self._audible.add(event.clip_id)
            if first:
                self._report(SpeechStarted(event.clip_id, event.at))
            return
        if event.heard:
            self._own_voice.ended(event.at)
        with self._lock:
            if event.clip_id not in self._pending:
                return
            self._pending[event.clip_id] -= 1
            if not self._pending[event.clip_id]:
                del self._pending[event.clip_id]
                self._audible.discard(event.clip_id)
                self._report(SpeechDone(event.clip_id, self._clock.now()))

    def _on_failure(self, message: str) -> None:
        with self._lock:
            self._failed = True
            now = self._clock.now()
            self._report(DeviceNotice(DeviceChange.SPEAKER_LOST, now, self.device_name, detail=message))
            for utterance_id in self._pending:
                self._report(SpeechDone(utterance_id, now))
            self._pending.clear()
            self._audible.clear()
        self._own_voice.ended(now)  # a no-op unless an utterance was audible when the device died
        threading.Thread(target=self._recover, name="speaker-recovery", daemon=True).start()

    def _open_output(self) -> AudioOutput:
        return AudioOutput(
            self._clock, self._on_clip, self._on_failure, self._device, on_block=self._own_voice.played
        )

    def _recover(self) -> None:
        """Try the output every few seconds until it opens again (or the speaker closes)."""
        while not self._closed.wait(self._retry_seconds):
            try:
                output = self._open_output()
            except AudioUnavailable as error:
                log.debug("the sound output is still unavailable: %s", error)
                continue
            with self._lock:
                if self._closed.is_set():
                    output.close()
                    return
                output.gain = self._settings.volume
                self._output, self._failed = output, False
                self._report(DeviceNotice(DeviceChange.SPEAKER_BACK, self._clock.now(), self.device_name))
            return


def open_speaker(
    report: Report,
    clock: Clock,
    own_voice: OwnVoice,
    settings: VoiceSettings,
    device: int | str | None = None,
    *,
    language: str = "en",
) -> SoundDeviceSpeaker:
    """The player's speaker, caching phrases in the user cache folder.

    Raises AudioUnavailable (no PortAudio, no device, no speech engine: one sentence, fall back to
    text) or UnknownVoice (the settings name a voice that is not installed: a usage error).
    """
    return SoundDeviceSpeaker(
        report,
        clock,
        own_voice,
        settings,
        device,
        language=language,
        cache_dir=default_cache_dir(),
    )

