"""The pain question alone: what each answer leads to and what is said back, in English and Korean."""

from __future__ import annotations

import pytest

from voiceguide import checkin
from voiceguide.checkin import Then
from voiceguide.messages import PainPhase
from voiceguide.wording import wording

EN, KO = wording("en"), wording("ko")
PROMPT = "Say ready when you are set."


def reply(when: PainPhase, level: int | None, *, listening: bool = True, ready_step_follows: bool = False,
          words=EN) -> checkin.Reply:
    return checkin.reply(words, when, level, limit=5, ready_prompt=PROMPT, listening=listening,
                         ready_step_follows=ready_step_follows)


def test_an_answer_before_the_routine_thanks_and_waits_for_ready() -> None:
    assert reply(PainPhase.BEFORE, 3) == checkin.Reply(f"Thank you. {PROMPT}", Then.WAIT)
    assert reply(PainPhase.BEFORE, None) == checkin.Reply(f"No answer, that is fine. {PROMPT}", Then.WAIT)
    assert reply(PainPhase.BEFORE, 5, ready_step_follows=True) == checkin.Reply("Thank you.", Then.START)


@pytest.mark.parametrize("listening", [True, False])
def test_a_level_above_the_limit_advises_and_leaves_the_choice(listening: bool) -> None:
    answer = reply(PainPhase.BEFORE, 6, listening=listening, ready_step_follows=True)
    assert answer.then is Then.WAIT and answer.words.startswith("Thank you. 6 is above moderate pain.")
    assert "say end session to stop, or ready to go on gently" in answer.words
    assert answer.words.endswith("Or press Enter.") is not listening  # without a microphone: the key


def test_the_answer_after_the_routine_closes_the_session() -> None:
    assert reply(PainPhase.AFTER, 2) == checkin.Reply("Thank you. Rest now, and take care.", Then.CLOSE)
    in_korean = checkin.Reply("감사합니다. 이제 쉬세요. 몸조심하세요.", Then.CLOSE)
    assert reply(PainPhase.AFTER, 2, words=KO) == in_korean


def test_it_hurts_asks_how_bad_and_a_level_gets_the_choices() -> None:
    assert checkin.question(EN, PainPhase.DURING).startswith("Sharp pain means stop.")
    assert checkin.question(EN, PainPhase.DURING).endswith("How bad is it, from zero to ten?")
    assert checkin.during_reply(EN, 7).startswith("Thank you. Say skip to leave this exercise out")
    assert checkin.during_reply(EN, None) == ""  # a command came instead: it speaks for itself
    assert list(checkin.LEVELS) == list(range(11))
