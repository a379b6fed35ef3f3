"""The ports: what the player needs from the world, as protocols. Adapters implement them.

Real adapters are named after their technology (SoundDeviceSpeaker, VoskListener); stand-ins that
run the routine without devices are named after what they do (TextSpeaker, SimulatedInbox).
"""

from __future__ import annotations

from typing import Protocol

from voiceguide.messages import Earcon, Event, Expect, Log, Notice, Outcome, Say, VoiceSetting


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...


class Inbox(Protocol):
    """Where everything that happens to the player arrives, from any thread."""

    def put(self, event: Event | Notice) -> None: ...

    def put_at(self, when: float, event: Event) -> None:
        """Deliver `event` once the clock reaches `when`."""
        ...

    def wait(self, until: float | None) -> Event | None:
        """The next event, or None once the clock reaches `until` (None: wait for an event)."""
        ...


class Speaker(Protocol):
    """Says utterances one after another and reports each SpeechDone to the inbox it was built with."""

    def say(self, utterance: Say) -> None: ...

    def cue(self, earcon: Earcon) -> None: ...

    def silence(self) -> None:
        """Stop the current utterance at once and drop the queued ones (each still reports SpeechDone)."""
        ...

    def adjust(self, setting: VoiceSetting, steps: int) -> None: ...

    def close(self) -> None: ...


class Listener(Protocol):
    """Turns what the person says into Heard and HeardNumber events posted to the inbox it was built with,
    and reports a microphone lost or back as a DeviceNotice."""

    def start(self) -> None:
        """Begin listening; returns at once (slow loading happens in the background)."""
        ...

    def expect(self, expect: Expect) -> None:
        """What the engine listens for now (numbers join the vocabulary only while one is asked for)."""
        ...

    def close(self) -> None: ...


class History(Protocol):
    """Records each Log as it happens, so an interrupted session still leaves a truthful record."""

    def record(self, entry: Log) -> None:
        """Write one entry in its own transaction, stamped with the wall-clock time (UTC)."""
        ...

    def close(self, outcome: Outcome) -> None: ...
