"""espeak-ng through pyttsx3, used only to render phrases to samples (its own playback cannot be cut off
and its timing is unreliable: pyttsx3 issues #35, #138, #219)."""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

from voiceguide.adapters.audio_out import AudioUnavailable
from voiceguide.adapters.stdout_filter import stdout_without
from voiceguide.adapters.synthesis import Rendered, SpeechFailed, VoiceInfo, read_wav

# A synthesis still running after this is given up (the renderer counts as `hung` long before).
_SYNTHESIS_LIMIT = 30.0


class Pyttsx3Synthesizer:
    """pyttsx3's espeak-ng driver rendering to a WAV file in a private folder, read back as samples.

    The driver is racy around espeak-ng's own synthesis thread, so this class keeps to a sequence that
    measured clean (900 mixed renderings, no empty or wrongly paced file; without it about 4% came out
    empty): voice and rate are set straight through espeak-ng and synchronized before rendering
    (pyttsx3's setProperty defers them into runAndWait, where its stop() cancels the pending change
    and the new synthesis with it); after rendering, wait for the driver's finished-utterance notice
    (runAndWait may return before the file is written) and for espeak-ng to go idle.
    """

    def __init__(self) -> None:
        try:
            import pyttsx3
            from pyttsx3.drivers import _espeak

            self._engine = pyttsx3.init("espeak")
        except Exception as error:  # pyttsx3 raises whatever its driver import raised
            raise AudioUnavailable(
                f"The speech engine could not start (is espeak-ng installed?): {error}."
            ) from error
        self._espeak = _espeak  # pyttsx3's ctypes binding of the espeak-ng C API
        self._folder = Path(tempfile.mkdtemp(prefix="voiceguide-tts-"))
        self._voice: str | None = None
        self._rate: int | None = None
        self._finished = threading.Event()
        self._engine.connect("finished-utterance", lambda **_: self._finished.set())

    def voices(self) -> list[VoiceInfo]:
        return [
            VoiceInfo(voice.id, voice.name, tuple(voice.languages or ()))
            for voice in self._engine.getProperty("voices")
        ]

    def render(self, text: str, voice: str, rate: int) -> Rendered:
        if (voice, rate) != (self._voice, self._rate):
            if self._espeak.SetVoiceByName(voice.encode()) != 0:
                raise SpeechFailed(f"espeak-ng has no voice {voice!r}")
            self._espeak.SetParameter(self._espeak.RATE, rate, 0)
            self._espeak.Synchronize()
            self._voice, self._rate = voice, rate
        path = self._folder / "phrase.wav"
        path.unlink(missing_ok=True)
        self._finished.clear()
        with stdout_without(f"Audio saved to {path}"):
            self._engine.save_to_file(text, str(path))
            self._engine.runAndWait()
            finished = self._finished.wait(_SYNTHESIS_LIMIT)
            if finished:
                self._espeak.Synchronize()
        if not finished or not path.exists():
            raise SpeechFailed(f"espeak-ng produced no audio for {text!r}")
        return read_wav(path)

    def close(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)
