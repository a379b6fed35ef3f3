"""The priority rule: which of the engine's utterances may speak over which (pure, like the engine).

- URGENT (safety, answers to the user) cuts whatever is playing;
- INSTRUCTION queues behind whatever is pending, a tick included: a countdown's "1." is short and is
  heard to its end before "Release." (cutting it lost the last number whenever it took over a second);
- TICK is dropped while anything more important is pending and replaces an older tick.
"""

from __future__ import annotations

from voiceguide.messages import Effect, Priority, Say, Silence


class Utterances:
    """The priority rule: which utterance may speak over which, and which utterance's end moves the
    engine on (the gate). Every Say gets a fresh id; Silence drops everything pending."""

    def __init__(self, out: list[Effect]) -> None:
        self._out = out
        self._pending: dict[int, Priority] = {}
        self.last_id = 0  # the id of the latest Say
        self.gate: int | None = None

    def say(self, text: str, priority: Priority, *, gate: bool = False) -> None:
        if not text:
            return
        pending = set(self._pending.values())
        if priority is Priority.TICK:
            if any(p < Priority.TICK for p in pending):
                return
            if pending:
                self.silence()
        elif priority is Priority.URGENT:
            self.silence()
        self.last_id += 1
        self._pending[self.last_id] = priority
        self._out.append(Say(self.last_id, text, priority))
        if gate:
            self.gate = self.last_id

    def silence(self) -> None:
        if self._pending:
            self._out.append(Silence())
            self._pending.clear()
        self.gate = None

    def done(self, utterance_id: int) -> bool:
        """Marks an utterance as ended; True when it was the gate."""
        self._pending.pop(utterance_id, None)
        if utterance_id != self.gate:
            return False
        self.gate = None
        return True
