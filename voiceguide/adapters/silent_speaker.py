"""A speaker for text mode: says nothing aloud but takes the time the words would take.

The routine then keeps the rhythm it has with speech (a hold starts after its instruction has been
read out), and a screen reader has time to read each line: each line "starts" (and is printed) when
the one before it would have been heard to its end.
"""

from __future__ import annotations

from voiceguide.messages import Earcon, Say, SpeechDone, SpeechStarted, VoiceSetting
from voiceguide.plan import estimated_speech_seconds
from voiceguide.ports import Clock, Inbox

RATE_STEP = 0.1


class SilentSpeaker:
    def __init__(self, clock: Clock, inbox: Inbox, rate: float = 1.0) -> None:
        self._clock = clock
        self._inbox = inbox
        self._rate = rate
        self._busy_until = float("-inf")

    def say(self, utterance: Say) -> None:
        start = max(self._clock.now(), self._busy_until)
        self._busy_until = start + estimated_speech_seconds(utterance.text) / self._rate
        self._inbox.put_at(start, SpeechStarted(utterance.utterance_id, start))
        self._inbox.put_at(self._busy_until, SpeechDone(utterance.utterance_id, self._busy_until))

    @property
    def quiet_at(self) -> float:
        """When everything said so far will have been heard."""
        return self._busy_until

    def cue(self, earcon: Earcon) -> None:
        """Text mode has no sounds; the text lines carry the meaning."""

    def silence(self) -> None:
        self._busy_until = self._clock.now()

    def adjust(self, setting: VoiceSetting, steps: int) -> None:
        if setting is VoiceSetting.RATE:
            self._rate = min(max(self._rate + steps * RATE_STEP, 0.5), 2.0)

    def close(self) -> None:
        """Nothing to release."""
