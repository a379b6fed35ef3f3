"""One Synthesizer over every installed voice: espeak-ng (through pyttsx3) and, when installed, piper.

The renderer thread owns one synthesizer; this one hands each phrase to the engine that owns its
voice. espeak-ng is the default and the fallback: if piper cannot start, its phrases are spoken by
the espeak-ng voice of the same language, marked `substitute` so the phrase cache never keeps them
under the piper voice's name.
"""

from __future__ import annotations

import logging

from voiceguide.adapters.piper_synthesizer import PiperSynthesizer, is_piper, piper_voices
from voiceguide.adapters.pyttsx3_synthesizer import Pyttsx3Synthesizer
from voiceguide.adapters.synthesis import Rendered, SpeechFailed, VoiceInfo

log = logging.getLogger(__name__)

_FALLBACK = "gmw/en-us"  # the espeak-ng voice closest to piper's US English one


class AnyVoiceSynthesizer:
    """Created and used on the renderer thread; piper's model loads on its first phrase."""

    def __init__(self) -> None:
        self._espeak = Pyttsx3Synthesizer()
        self._piper: PiperSynthesizer | None = None
        self._piper_failed = False

    def voices(self) -> list[VoiceInfo]:
        return [*self._espeak.voices(), *piper_voices()]

    def render(self, text: str, voice: str, rate: int) -> Rendered:
        if not is_piper(voice):
            return self._espeak.render(text, voice, rate)
        piper = self._started_piper()
        if piper is None:
            rendered = self._espeak.render(text, _FALLBACK, rate)
            return Rendered(rendered.samples, rendered.rate, substitute=True)
        return piper.render(text, voice, rate)

    def _started_piper(self) -> PiperSynthesizer | None:
        if self._piper is None and not self._piper_failed:
            try:
                self._piper = PiperSynthesizer()
            except SpeechFailed as error:
                log.warning("%s; speaking with espeak-ng instead", error)
                self._piper_failed = True
        return self._piper

    def close(self) -> None:
        self._espeak.close()
        if self._piper is not None:
            self._piper.close()
