"""Step accounting alone: one record per stay in a step, done/skipped/stopped, paused time left out."""

from __future__ import annotations

from voiceguide.messages import (
    Finished,
    Outcome,
    PartCompleted,
    PartStarted,
    PauseBegan,
    PauseEnded,
    PauseReason,
    RoutineCompleted,
    StepEnded,
    StepOutcome,
)
from voiceguide.steps import StepLedger


def feed(*timed) -> list[StepEnded]:
    ledger = StepLedger()
    return [record for at, effect in timed for record in ledger.observe(effect, at)]


def test_a_step_run_to_its_end_is_done_and_its_paused_time_does_not_count() -> None:
    records = feed((0.0, PartStarted(0, "Stretch", "left")), (5.0, PauseBegan(PauseReason.PAUSE)),
                   (9.0, PauseEnded(4.0)), (10.0, PartStarted(0, "Stretch", "right")),
                   (20.0, PartCompleted(0, last_of_step=True)), (20.0, PartStarted(1, "Raises", "Raises")),
                   (23.0, Finished(Outcome.QUIT)))
    assert records == [StepEnded(0, "Stretch", StepOutcome.DONE, 16.0),
                       StepEnded(1, "Raises", StepOutcome.STOPPED, 3.0)]


def test_a_step_left_before_its_last_part_is_skipped_and_each_stay_is_its_own_record() -> None:
    records = feed((0.0, PartStarted(0, "Stretch", "left")), (4.0, PartCompleted(0, last_of_step=False)),
                   (4.0, PartStarted(1, "Raises", "Raises")), (6.0, PartStarted(0, "Stretch", "left")),
                   (8.0, RoutineCompleted()), (9.0, Finished(Outcome.FINISHED)))
    assert records == [StepEnded(0, "Stretch", StepOutcome.SKIPPED, 4.0),
                       StepEnded(1, "Raises", StepOutcome.SKIPPED, 2.0),
                       StepEnded(0, "Stretch", StepOutcome.SKIPPED, 2.0)]


def test_ending_the_session_while_paused_leaves_the_pause_out_of_the_step() -> None:
    records = feed((0.0, PartStarted(0, "Stretch", "left")), (3.0, PauseBegan(PauseReason.QUIT)),
                   (30.0, Finished(Outcome.QUIT)))
    assert records == [StepEnded(0, "Stretch", StepOutcome.STOPPED, 3.0)]
