"""The engine's answers alone: where we are and how long is left, restatements, the safety notes."""

from __future__ import annotations

from pathlib import Path

from voiceguide import answers
from voiceguide.part_timer import PartTimer
from voiceguide.plan import build_plan
from voiceguide.routine import load_routine
from voiceguide.wording import wording

EN, KO = wording("en"), wording("ko")
SMALL = build_plan(load_routine(Path(__file__).parent / "data" / "small.yaml"))
LEFT = SMALL[1]  # "Calf stretch, left side", a 10 s hold


def test_a_part_is_restated_with_its_time_left_once_some_has_gone() -> None:
    timer = PartTimer(LEFT)
    assert answers.restatement(EN, LEFT, timer, 0.0) == LEFT.opening_brief  # nothing gone: the short opening
    timer.start(0.0)
    timer.stop(2.6)
    assert answers.restatement(EN, LEFT, timer, 9.0) == "Calf stretch, left side. 7 seconds left."
    assert answers.instruction_again(EN, LEFT, timer, 9.0) == f"{LEFT.full_text} 7 seconds left."
    assert answers.instruction_again(EN, LEFT, PartTimer(LEFT), 9.0) == LEFT.full_text


def test_status_says_where_we_are_the_time_left_and_the_whole_rest() -> None:
    status = answers.status(EN, SMALL, 1, 7.0, timed=True, paused=True)
    assert status == "Paused. Calf stretch, left side, 7 seconds left; about 1 minute left in all."
    assert answers.status(EN, SMALL, 1, 7.0, timed=False, paused=False).startswith("Calf stretch, left side;")


def test_safety_notes_or_the_general_advice_in_the_routines_language() -> None:
    assert answers.safety(EN, ["Stop on sharp pain.", "Go slowly."]) == "Stop on sharp pain. Go slowly."
    no_notes = "This routine has no safety notes of its own. Sharp pain means stop."
    assert answers.safety(EN, []).startswith(no_notes)
    assert answers.safety(KO, []).startswith("이 운동에는 따로 적힌 안전 수칙이 없습니다.")
