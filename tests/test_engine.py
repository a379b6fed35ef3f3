"""The engine through the player on a simulated clock: exact, timed transcripts."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.fakes import RecordingHistory, RecordingSpeaker, script_commands
from voiceguide.commands import Command as C
from voiceguide.console import Console
from voiceguide.engine import Engine, EngineOptions, IllegalEvent
from voiceguide.messages import (
    Cue,
    DeviceChange,
    DeviceNotice,
    Earcon,
    Expect,
    Heard,
    HeardNumber,
    Listen,
    PauseReason,
    Phase,
    Priority,
    Say,
    SpeechDone,
    StateChanged,
    Tick,
)
from voiceguide.plan import build_plan
from voiceguide.player import Player
from voiceguide.preview import preview
from voiceguide.routine import load_routine, parse_routine
from voiceguide.simulation import FakeClock, SimulatedInbox

SMALL = load_routine(Path(__file__).parent / "data" / "small.yaml")


def run(script, routine=SMALL, **options) -> tuple[list[str], RecordingHistory, str]:
    clock = FakeClock()
    inbox = SimulatedInbox(clock)
    speaker = RecordingSpeaker(clock, inbox)
    history = RecordingHistory()
    engine = Engine(build_plan(routine), EngineOptions(**options))
    script_commands(inbox, script)
    player = Player(engine, clock=clock, inbox=inbox, speaker=speaker, console=Console(io.StringIO()),
                    history=history)
    outcome = player.run()
    return speaker.lines, history, outcome


def show(lines: list[str]) -> str:
    return "\n".join(lines)


def test_every_command_through_a_hold_gives_this_exact_transcript():
    """Opening speech is estimated at 0.3 s + 160 words a minute; holds start when their opening ends."""
    script = [(9.0, C.READY), (17.0, C.PAUSE), (20.0, C.TIME), (30.0, C.RESUME), (52.0, C.REPEAT),
              (59.0, C.BACK), (61.0, C.NEXT), (63.0, C.NEXT), (66.0, C.SKIP), (68.0, C.QUIT), (70.0, C.YES)]
    lines, history, outcome = run(script, checkins=False)
    assert show(lines) == EXPECTED_COMMANDS_TRANSCRIPT
    assert outcome == "quit"
    assert [entry.kind for entry in history.entries if entry.kind != "command"] == [
        "part", "pause", "resume", "part", "part", "part", "part", "part", "step", "part", "pause", "quit", "step"]
    assert history.entries[6].data == {"paused_seconds": 13.0}
    steps = [e.data for e in history.entries if e.kind == "step"]
    assert steps == [{"step": 0, "name": "Calf stretch", "outcome": "skipped", "seconds": 44.0},
                     {"step": 1, "name": "Raises", "outcome": "stopped", "seconds": 2.0}]


EXPECTED_COMMANDS_TRANSCRIPT = """\
   0.00 Small test. Say next to skip this introduction. Two short exercises. Stop on sharp pain.
   5.92 Say ready when you are set.
   9.00 Calf stretch. Lean on the wall. Left side. Hold for 10 seconds.
   9.00 <heard>
  13.80 Begin.
  17.00 Paused. Say resume to carry on.
  17.00 <heard>
  20.00 Paused. Calf stretch, left side, 7 seconds left; about 1 minute left in all.
  20.00 <heard>
  30.00 Resuming. Calf stretch, left side. 7 seconds left.
  30.00 <heard>
  33.30 Begin.
  37.10 3.
  38.10 2.
  39.10 1.
  40.10 Release.
  40.10 <switch>
  40.10 Switch sides.
  46.82 Right side. Hold for 10 seconds.
  49.37 Begin.
  52.00 Calf stretch. Lean on the wall. Right side. Hold for 10 seconds.
  52.00 <heard>
  57.37 2.
  58.37 1.
  59.00 <silence>
  59.00 Calf stretch. Lean on the wall. Left side. Hold for 10 seconds.
  59.00 <heard>
  61.00 <silence>
  61.00 Switch sides.
  61.00 <heard>
  63.00 Right side. Hold for 10 seconds.
  63.00 <heard>
  65.55 Begin.
  66.00 <silence>
  66.00 Raises. Rise on your toes. 3 times. Ready, go.
  66.00 <heard>
  68.00 <silence>
  68.00 Do you want to end the session? Say yes to end it, or resume to carry on.
  68.00 <heard>
  70.00 <silence>
  70.00 Ending the session. Take care.
  70.00 <heard>"""


def test_plain_run_counts_repetitions_and_finishes():
    lines, history, outcome = run([(9.0, C.READY)], checkins=False)
    assert outcome == "finished"
    said = [line[8:] for line in lines]
    assert said[-2:] == ["All done.", "<finish>"]  # the routine's own closing words, and no second ones
    assert [text for text in said if text.startswith(("Up", "And down"))] == [
        "Up.", "And down, 1.", "Up.", "And down, 2.", "Up.", "And down, 3."]
    release, switch, right = (said.index(text) for text in ("Release.", "Switch sides.", "Right side. Hold for 10 seconds."))
    assert release < switch < right
    assert float(lines[right][:7]) - float(lines[switch][:7]) > 5.0  # the routine's switch time to change legs
    assert [e.data["outcome"] for e in history.entries if e.kind == "step"] == ["done", "done", "done"]


def test_the_last_release_is_heard_before_the_closing_words():
    ending_on_a_hold = parse_routine(
        "name: t\ntitle: T\nsummary: S.\nsteps:\n  - {kind: hold, name: Hold, text: Hold it., duration: 2s}\n", "t.yaml")
    lines, _, _ = run([(3.0, C.READY)], ending_on_a_hold, checkins=False)
    said = [line[8:] for line in lines]
    assert said[-3:] == ["Release.", "<finish>", "That is the whole routine. Well done."]  # no <silence> between


def test_brief_mode_speaks_short_forms_and_repeat_gives_the_full_one():
    lines, _, _ = run([(5.0, C.READY), (8.0, C.REPEAT), (40.0, C.QUIT), (41.0, C.QUIT)], checkins=False, brief=True)
    said = [line[8:] for line in lines]
    assert "Calf stretch. Lean. Left side. Hold for 10 seconds." in said
    assert "Calf stretch. Lean on the wall. Left side. Hold for 10 seconds." in said


def test_pain_checkins_and_it_hurts():
    script = [(7.0, 7), (20.0, C.READY), (30.0, C.PAIN), (35.0, C.SKIP), (60.0, 3)]
    lines, history, outcome = run(script, pain_limit=5)
    said = [line[8:] for line in lines if not line.endswith(">")]
    assert said[1] == "Before we start: how is your pain, from zero to ten?"
    assert said[2].startswith("Thank you. 7 is above moderate pain. Sharp pain means stop.")
    pains = [e.data for e in history.entries if e.kind == "pain"]
    assert pains == [{"phase": "before", "level": 7}, {"phase": "during", "level": None},
                     {"phase": "after", "level": 3}]
    assert "Raises. Rise on your toes. 3 times. Ready, go." in said  # skip after "it hurts" left the stretch out
    assert said[-1] == "Thank you. Rest now, and take care."
    assert outcome == "finished"


def test_quit_after_pain_is_recorded_as_stopped_for_pain():
    _, history, outcome = run([(5.0, C.NEXT), (12.0, C.READY), (20.0, C.PAIN), (25.0, C.QUIT), (26.0, C.QUIT)])
    assert outcome == "stopped_for_pain"
    assert history.outcome == "stopped_for_pain"


def test_one_quit_is_not_enough_and_the_question_lapses():
    # the question takes 7.8 s to say, and stands for 10 s after that: until 33.8 s
    lines, _, outcome = run([(9.0, C.READY), (16.0, C.QUIT), (34.0, C.QUIT), (35.0, C.RESUME), (46.0, C.QUIT),
                             (47.0, C.YES)], checkins=False)
    said = [line[8:] for line in lines]
    assert "Still paused. Say resume to carry on." in said  # the first quit lapsed after 10 s
    assert said.count("Do you want to end the session? Say yes to end it, or resume to carry on.") == 3
    assert outcome == "quit"


def test_illegal_events_raise_and_leave_the_state_unchanged():
    engine = Engine(build_plan(SMALL), EngineOptions(checkins=False))
    with pytest.raises(IllegalEvent):
        engine.handle(Tick(0.0))
    engine.start(10.0)
    before = (engine.index, engine.phase, engine.now)
    with pytest.raises(IllegalEvent, match="backwards"):
        engine.handle(Heard(C.NEXT, 5.0))
    assert (engine.index, engine.phase, engine.now) == before
    with pytest.raises(IllegalEvent):
        engine.start(11.0)


def test_a_stale_speech_done_is_ignored():
    engine = Engine(build_plan(SMALL), EngineOptions(checkins=False))
    engine.start(0.0)
    assert engine.handle(SpeechDone(999, 1.0)) == []
    assert engine.phase == "opening"


def test_skipping_the_introduction_still_asks_the_pain_question_first():
    lines, history, _ = run([(1.0, C.SKIP), (3.0, C.SKIP), (9.0, C.READY), (12.0, C.QUIT), (13.0, C.QUIT)])
    said = [line[8:] for line in lines if not line.endswith(">")]
    assert said[1] == "Before we start: how is your pain, from zero to ten?"  # the intro was cut for it
    assert said[2] == "No answer, that is fine. Say ready when you are set."
    assert [e.data for e in history.entries if e.kind == "pain"] == [{"phase": "before", "level": None}]


READY_STEPS = parse_routine(
    "name: r\ntitle: R\nsummary: S.\nsafety: [Stop on sharp pain., Keep breathing.]\nsteps:\n"
    "  - {kind: ready, text: Sit down. Say ready when you are settled.}\n"
    "  - {kind: hold, name: Hold, text: Hold it., duration: 2s}\n", "r.yaml")


def test_a_ready_step_answered_with_ready_is_recorded_as_done():
    _, history, outcome = run([(4.0, C.READY), (8.0, C.READY)], READY_STEPS, checkins=False)
    assert outcome == "finished"
    assert [(e.data["step"], e.data["outcome"]) for e in history.entries if e.kind == "step"] == [
        (0, "done"), (1, "done")]


def test_it_hurts_asks_how_bad_and_records_the_level():
    lines, history, _ = run([(9.0, C.READY), (16.0, C.PAIN), (22.0, 7), (28.0, C.QUIT), (29.0, C.QUIT)],
                            checkins=False)
    said = [line[8:] for line in lines if not line.endswith(">")]
    assert said[said.index("Begin.") + 1].endswith("How bad is it, from zero to ten?")
    assert "Thank you. Say skip to leave this exercise out, resume to carry on, or end session to stop for today." in said
    assert [e.data for e in history.entries if e.kind == "pain"] == [{"phase": "during", "level": 7}]
    assert history.outcome == "stopped_for_pain"


def test_help_is_short_with_the_keys_and_help_again_gives_the_rest():
    lines, _, _ = run([(1.0, C.HELP), (8.0, C.HELP), (20.0, C.QUIT), (21.0, C.QUIT)], checkins=False)
    said = [line[8:] for line in lines if not line.endswith(">")]
    short = said[1]
    assert short.count(". ") == 1 and short.endswith("Say help again for the other commands.")
    assert "type n, p, r, a or q and press Enter" in short
    assert said[3].startswith("Also: skip or s,") and "safety or w" in said[3]


def test_safety_reads_the_routine_s_safety_notes_at_any_time():
    lines, _, _ = run([(9.0, C.SAFETY), (11.0, C.QUIT), (12.0, C.QUIT)], READY_STEPS, checkins=False,
                      safety=("Stop on sharp pain.", "Keep breathing."))
    assert "   9.00 Stop on sharp pain. Keep breathing." in lines


def test_without_a_microphone_every_ready_prompt_names_the_enter_key():
    lines, _, _ = run([(12.0, C.QUIT), (13.0, C.QUIT)], SMALL, checkins=False, listening=False)
    assert "Say ready, or press Enter, when you are set." in [line[8:] for line in lines]
    lines, _, _ = run([(12.0, C.QUIT), (13.0, C.QUIT)], READY_STEPS, checkins=False, listening=False)
    assert "Sit down. Say ready when you are settled. Or press Enter." in [line[8:] for line in lines]


def test_an_introduction_followed_by_a_ready_step_waits_for_ready_once():
    lines, _, _ = run([(8.0, 2), (16.0, C.READY), (30.0, 1)], READY_STEPS)
    said = [line[8:] for line in lines if not line.endswith(">")]
    assert said[:4] == ["R. Say next to skip this introduction. S. Stop on sharp pain. Keep breathing.",
                        "Before we start: how is your pain, from zero to ten?", "Thank you.",
                        "Sit down. Say ready when you are settled."]
    assert "Say ready when you are set." not in said
    assert said[4] == "Hold. Hold it. Hold for 2 seconds."


def test_a_lost_microphone_is_said_by_the_engine_and_its_prompts_then_name_the_enter_key():
    engine = Engine(build_plan(SMALL), EngineOptions(checkins=False))
    engine.start(0.0)
    effects = engine.handle(DeviceNotice(DeviceChange.MICROPHONE_LOST, 1.0))
    (notice,) = [e for e in effects if isinstance(e, Say)]
    assert notice.text == "No microphone is working; keys still work, and I keep trying."
    assert notice.utterance_id > 0 and notice.priority is Priority.INSTRUCTION  # queued behind the introduction
    effects = engine.handle(SpeechDone(1, 4.0))
    assert [e.text for e in effects if isinstance(e, Say)] == ["Say ready, or press Enter, when you are set."]
    assert Listen(Expect.READY) in effects


def test_the_engine_says_what_to_listen_for():
    engine = Engine(build_plan(SMALL), EngineOptions())
    assert Listen(Expect.COMMAND) in engine.start(0.0)
    assert Listen(Expect.NUMBER) in engine.handle(SpeechDone(1, 4.0))  # the pain question
    assert Listen(Expect.READY) in engine.handle(HeardNumber(3, 6.0))
    effects = engine.handle(Heard(C.QUIT, 7.0))
    assert Listen(Expect.COMMAND) in effects
    assert Listen(Expect.NOTHING) in engine.handle(Heard(C.QUIT, 8.0))


def test_pausing_a_hold_keeps_its_phase_and_resuming_restates_the_time_left():
    engine = Engine(build_plan(SMALL), EngineOptions(checkins=False))
    engine.start(0.0)
    engine.handle(Heard(C.READY, 1.0))
    engine.handle(SpeechDone(2, 5.0))  # the opening heard: the hold runs
    effects = engine.handle(Heard(C.PAUSE, 8.0))
    assert StateChanged(Phase.TIMING, 1, PauseReason.PAUSE) in effects
    effects = engine.handle(Heard(C.RESUME, 20.0))
    assert StateChanged(Phase.RESUMING, 1, None) in effects
    assert [e.text for e in effects if isinstance(e, Say)] == ["Resuming. Calf stretch, left side. 7 seconds left."]


KOREAN = parse_routine("""\
name: ko
title: 종아리 운동
summary: 짧은 운동입니다.
language: ko
safety: [아프면 멈추세요.]
steps:
  - {kind: hold, name: 종아리 스트레칭, text: 벽을 미세요., duration: 30s, sides: true, sets: 2, rest: 10s}
  - {kind: rest, text: 쉬세요., duration: 5s}
  - {kind: reps, name: 발뒤꿈치 들기, text: 발끝으로 서세요., reps: 2, count: [올리고, 내리고]}
""", "ko.yaml")


def test_a_korean_routine_is_spoken_entirely_in_korean():
    lines, _, outcome = run([(5.0, 3), (9.0, C.READY), (20.0, C.TIME), (25.0, C.PAUSE), (27.0, C.RESUME),
                             (30.0, C.HELP), (400.0, 2)], KOREAN, language="ko")
    said = [line[8:] for line in lines if not line.endswith(">")]
    assert outcome == "finished"
    assert "30초 동안 유지하세요." in " ".join(said)
    english_words = [word for text in said for word in re.findall(r"[A-Za-z]{2,}", text) if word != "Enter"]
    assert english_words == []  # key names (n, p, Enter) are the only Latin letters


@pytest.mark.parametrize("change", list(DeviceChange))
def test_a_device_notice_in_a_korean_routine_is_said_in_korean(change: DeviceChange) -> None:
    """Adapters report what happened, never a sentence: the engine words it in the routine's language."""
    engine = Engine(build_plan(KOREAN), EngineOptions(language="ko"))
    engine.start(0.0)
    effects = engine.handle(DeviceNotice(change, 1.0, name="기본" if change is not DeviceChange.WORDS_UNKNOWN
                                         else "다음", detail="PortAudio error -9999"))
    (notice,) = [e.text for e in effects if isinstance(e, Say)]
    assert re.search(r"[가-힣]", notice) and not re.search(r"[A-Za-z]{2,}", notice), notice


def test_ready_or_enter_at_the_pain_question_says_how_to_answer_it():
    lines, history, _ = run([(8.0, C.READY), (10.0, 4), (16.0, C.QUIT), (17.0, C.QUIT)])
    said = [line[8:] for line in lines if not line.endswith(">")]
    assert said[1:4] == ["Before we start: how is your pain, from zero to ten?",
                         "Please give a number from zero to ten, or say skip.", "Thank you. Say ready when you are set."]
    assert [e.data for e in history.entries if e.kind == "pain"] == [{"phase": "before", "level": 4}]


def test_each_line_is_written_when_it_is_heard_and_begin_as_the_hold_starts():
    transcript = preview(SMALL, checkins=False).transcript.splitlines()
    assert transcript[3:5] == ["[00:08] Calf stretch. Lean on the wall. Left side. Hold for 10 seconds.",
                               "[00:13] Begin."]  # once its opening has been heard, as the hold starts
    release = transcript.index("[00:23] Release.")
    # said at the same moment, queued behind "Release." (0.7 s), so written once that has been heard
    assert transcript[release + 1] == "[00:24] Switch sides."


def test_the_time_to_confirm_quitting_counts_from_the_end_of_the_question():
    _, _, outcome = run([(9.0, C.READY), (16.0, C.QUIT), (31.5, C.QUIT)], checkins=False)
    assert outcome == "quit"  # 15.5 s after the first quit, 9.2 s after the question was heard to its end


def test_back_from_the_right_side_starts_the_left_side_again_not_the_time_to_switch():
    """"back" passes over the pauses between sides and sets, said on the right side or while changing sides."""
    engine = Engine(build_plan(SMALL), EngineOptions(checkins=False))
    engine.start(0.0)
    engine.handle(Heard(C.READY, 1.0))
    engine.handle(Heard(C.NEXT, 2.0))
    assert engine.part.label == "Calf stretch, changing sides"
    engine.handle(Heard(C.NEXT, 3.0))
    assert engine.part.label == "Calf stretch, right side"
    engine.handle(Heard(C.BACK, 4.0))
    assert engine.part.label == "Calf stretch, left side"
    engine.handle(Heard(C.NEXT, 5.0))
    engine.handle(Heard(C.BACK, 6.0))  # from the switch itself, too
    assert engine.part.label == "Calf stretch, left side"


def test_the_last_count_is_heard_to_its_end_before_release_however_long_it_takes():
    """A "1." still being said when the hold ends used to be cut by "Release.": a slow voice (or an output
    with a long latency) counted "3. 2." and released. The closing words now wait for the count."""
    slower = [(9.5 + i / 10, C.SLOWER) for i in range(5)]  # half speed: "1." takes longer than its second
    lines, _, _ = run([(9.0, C.READY), *slower], checkins=False)
    said = [line[8:] for line in lines]
    one = said.index("1.")
    assert said[one:one + 2] == ["1.", "Release."]  # no <silence> between them


def test_pause_said_again_while_paused_is_answered_by_the_heard_cue_alone():
    """A loud speaker's echo of "Paused" can come back as "pause": answering it in words again made the player
    repeat itself without end. "stop" after "pause" still says what it does."""
    engine = Engine(build_plan(SMALL), EngineOptions(checkins=False))
    engine.start(0.0)
    engine.handle(Heard(C.READY, 1.0))
    first = engine.handle(Heard(C.PAUSE, 2.0))
    again = engine.handle(Heard(C.PAUSE, 5.0))
    stopped = engine.handle(Heard(C.STOP, 8.0))
    assert [e.text for e in first if isinstance(e, Say)] == ["Paused. Say resume to carry on."]
    assert [e for e in again if isinstance(e, Say)] == []
    assert Cue(Earcon.HEARD) in again
    assert [e.text for e in stopped if isinstance(e, Say)] == [
        "Stopped. Say resume to carry on, or end session to stop for today."
    ]
