"""Acoustic echo cancellation with speexdsp's adaptive filter (the pyaec package), for the recognizer.

A laptop's microphone hears the player's own voice about 10 dB below what it plays; a person's "pause"
said over it is then spotted about half the time (bench/barge_in.py). The recognizer knows exactly what
was played, so the filter learns the path from speaker to microphone and subtracts its echo. Only the
linear canceller is used. speex's preprocessor (residual echo and noise suppression) stopped the process
with a floating-point error at this frame size, and suppressing the echo by spectral gains instead cost
barge-in phrases on the bench (38% taken against 52% without): the decoders want the words undistorted.
"""

from __future__ import annotations

import numpy as np

from voiceguide.decoding import SAMPLE_RATE

# The echo path it can learn: the output is aligned with the microphone to the sample once the waveforms
# show the echo (voiceguide.echo_alignment), to within a frame before; a room's reverberation fits inside.
TAIL_SECONDS = 0.3


class SpeexEchoCanceller:
    """One canceller per microphone stream: its filter is the echo path it has learnt so far."""

    def __init__(self, frame_samples: int, tail_seconds: float = TAIL_SECONDS) -> None:
        self._frame_samples = frame_samples
        self._tail = round(tail_seconds * SAMPLE_RATE)
        self.reset()

    def reset(self) -> None:
        from pyaec import Aec

        self._aec = Aec(self._frame_samples, self._tail, SAMPLE_RATE, False)

    def process(self, heard: bytes, played: bytes) -> bytes:
        microphone = np.frombuffer(heard, dtype=np.int16)
        output = np.frombuffer(played, dtype=np.int16)
        if len(microphone) != self._frame_samples or len(output) != self._frame_samples:
            raise ValueError(f"echo cancellation takes frames of {self._frame_samples} samples")
        return np.asarray(self._aec.cancel_echo(microphone.tolist(), output.tolist()), dtype=np.int16).tobytes()
