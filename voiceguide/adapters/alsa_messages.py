"""Keeps alsa-lib's own messages out of the transcript.

PortAudio reaches PulseAudio through alsa-lib, which writes its complaints straight to stderr
("ALSA lib pcm.c:8570:(snd_pcm_recover) underrun occurred"), in the middle of the plain text lines
a screen reader is following. They tell the person nothing they can act on: underruns are counted
from PortAudio's own stream flags, and a device that will not open becomes one sentence of ours.
"""

from __future__ import annotations

import ctypes
import functools

ALSA_LIBRARY = "libasound.so.2"

# alsa-lib's snd_lib_error_handler_t: file, line, function, error number, printf format, ... (the
# variable arguments are never read, so the fixed ones are all a handler needs to declare).
_Handler = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
)


@_Handler
def _drop(file: bytes, line: int, function: bytes, error: int, message_format: bytes) -> None:
    """Says nothing. Module-level, so it lives as long as alsa-lib may call it. alsa-lib calls it only
    when something already went wrong (an underrun), and it holds the audio thread no longer than it
    takes to get the interpreter lock."""


@functools.cache
def quiet_alsa() -> bool:
    """Send alsa-lib's messages nowhere, for the whole process (once). False where there is no alsa-lib.

    Loaded by its soname: ctypes.util.find_library would start a subprocess, and this runs again
    each time a lost microphone is retried."""
    try:
        library = ctypes.CDLL(ALSA_LIBRARY)
    except OSError:
        return False
    library.snd_lib_error_set_handler(_drop)
    return True
