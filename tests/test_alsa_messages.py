"""alsa-lib's own stderr lines stay out of the transcript once audio is in use."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

from voiceguide.adapters.alsa_messages import ALSA_LIBRARY


def _has_alsa() -> bool:
    try:
        ctypes.CDLL(ALSA_LIBRARY)
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _has_alsa(), reason="needs alsa-lib (libasound2)")

# Opening a PCM that does not exist makes alsa-lib complain on stderr, as an underrun does mid-stream.
OPEN_MISSING_PCM = """
import ctypes
{before}
library = ctypes.CDLL("libasound.so.2")
assert library.snd_pcm_open(ctypes.byref(ctypes.c_void_p()), b"voiceguide_no_such_pcm", 0, 0) < 0
"""


def stderr_of(before: str) -> str:
    script = OPEN_MISSING_PCM.format(before=before)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stderr


def test_alsa_complains_on_stderr_by_default() -> None:
    assert "Unknown PCM voiceguide_no_such_pcm" in stderr_of("")


def test_quiet_alsa_keeps_its_complaints_off_stderr() -> None:
    assert stderr_of("from voiceguide.adapters.alsa_messages import quiet_alsa; assert quiet_alsa()") == ""


def test_using_the_sound_devices_quiets_alsa() -> None:
    before = "from voiceguide.adapters.audio_out import list_devices; list_devices()"
    assert stderr_of(before) == ""
