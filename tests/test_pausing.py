"""The pause sub-state alone: the quit question's time to confirm counts from the end of the question."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from voiceguide.messages import PauseReason
from voiceguide.pausing import QUIT_CONFIRM_SECONDS, Pause


def test_the_time_to_confirm_runs_from_when_the_question_has_been_heard() -> None:
    asked = Pause(PauseReason.QUIT, since=5.0).asking(question=7)
    assert asked.asking_quit and not asked.lapsed(1000.0)  # still being said: it cannot lapse
    assert asked.heard(6, 9.0) is asked  # another utterance ending changes nothing
    heard = asked.heard(7, 9.0)
    assert heard.asking_quit and heard.quit_until == 9.0 + QUIT_CONFIRM_SECONDS
    assert not heard.lapsed(18.9) and heard.lapsed(19.0)
    assert not heard.without_question().asking_quit and heard.without_question().reason is PauseReason.QUIT


@given(st.floats(0.0, 1e6), st.floats(0.0, 1e3))
def test_a_question_heard_at_any_time_lapses_exactly_its_window_later(heard_at: float, later: float) -> None:
    pause = Pause(PauseReason.QUIT, since=0.0).asking(1).heard(1, heard_at)
    assert pause.lapsed(heard_at + later) == (heard_at + later >= heard_at + QUIT_CONFIRM_SECONDS)
