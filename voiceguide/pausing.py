"""The pause sub-state, and the quit question it carries (pure, no clock).

A pause stands on top of whatever phase the routine is in and never changes it; it only stops the
part's time. Quitting is asked first ("Do you want to end the session?"): a second "quit" or "yes" ends
the session within `QUIT_CONFIRM_SECONDS` of the end of that question, counted from when it has been
heard, however long it took to say; after that the question lapses and the routine stays paused.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from voiceguide.messages import PauseReason

QUIT_CONFIRM_SECONDS = 10.0


@dataclass(frozen=True)
class Pause:
    reason: PauseReason
    since: float
    pain: bool = False  # "it hurts" led here: ending the session now is stopping for pain
    level_wanted: bool = False  # "it hurts" asked how bad, and no number came yet
    quit_question: int | None = None  # the quit question is being said (its utterance)
    quit_until: float | None = None  # ... and, once heard, may be confirmed until then

    @property
    def asking_quit(self) -> bool:
        return self.quit_question is not None or self.quit_until is not None

    def asking(self, question: int) -> Pause:
        """The quit question goes out as utterance `question`."""
        return dataclasses.replace(self, quit_question=question, quit_until=None)

    def heard(self, utterance_id: int, now: float) -> Pause:
        """An utterance ended at `now`: if it was the quit question, the time to confirm runs from now."""
        if utterance_id != self.quit_question:
            return self
        return dataclasses.replace(self, quit_question=None, quit_until=now + QUIT_CONFIRM_SECONDS)

    def lapsed(self, now: float) -> bool:
        """The quit question was heard and not confirmed in time."""
        return self.quit_until is not None and now >= self.quit_until

    def without_question(self) -> Pause:
        return dataclasses.replace(self, quit_question=None, quit_until=None)
