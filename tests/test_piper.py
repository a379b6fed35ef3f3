"""The natural voice: piper renders through the same renderer and phrase cache as espeak-ng.

Needs the `piper` extra (the test extra installs it); tests/test_speech_audio.py plays it through the rig.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from voiceguide.adapters.any_voice import AnyVoiceSynthesizer
from voiceguide.adapters.phrase_cache import PhraseCache
from voiceguide.adapters.piper_synthesizer import PIPER_VOICE
from voiceguide.adapters.renderer import Renderer
from voiceguide.adapters.voices import resolve_voice


@pytest.fixture
def renderer(tmp_path: Path) -> Iterator[Renderer]:
    running = Renderer(AnyVoiceSynthesizer, PhraseCache(tmp_path / "cache"), timeout=10.0)
    running.start()
    yield running
    running.close()


def test_the_natural_voice_is_listed_and_chosen_by_name_while_espeak_stays_the_default(renderer: Renderer) -> None:
    listed = subprocess.run([sys.executable, "-m", "voiceguide", "voices"], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    assert "joe  Joe, a natural US English voice (piper)  (en-us)" in listed
    voices = renderer.voices()
    assert resolve_voice("joe", "en", voices) == PIPER_VOICE
    assert resolve_voice(None, "en", voices).id.startswith("gmw/")


def test_a_piper_phrase_is_speech_paced_by_the_rate_and_kept_on_disk(renderer: Renderer, tmp_path: Path) -> None:
    sentence = "Lie on your back and bend both knees, keeping your feet flat on the floor."
    calm = renderer.request(sentence, PIPER_VOICE.id, 140).result(timeout=60)
    quick = renderer.request(sentence, PIPER_VOICE.id, 280).result(timeout=60)
    assert calm.rate == 22050 and not calm.substitute
    assert 3.0 < calm.seconds < 9.0
    assert quick.seconds < 0.7 * calm.seconds
    loud = np.abs(calm.samples.astype(np.int32)) > 1000
    assert loud.mean() > 0.2  # mostly voiced sound, not noise or silence
    assert PhraseCache(tmp_path / "cache").load(PhraseCache.key(sentence, PIPER_VOICE.id, 140)) is not None
