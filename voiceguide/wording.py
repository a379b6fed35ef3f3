"""Everything voiceguide itself says, keyed by message, one table per language.

The engine and the plan never write a sentence inline: they name a `Line` and fill in its fields, so a
routine written in Korean is spoken entirely in Korean, from "Hold for 20 seconds" to "Take care".
A language without a table is spoken in English. Durations have their own small grammar per language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from voiceguide.commands import base_language
from voiceguide.messages import DeviceChange


class Line(StrEnum):
    # The plan: openings, countdowns and closings of each part.
    READY_PROMPT = "ready_prompt"
    NEED = "need"
    HOLD_FOR = "hold_for"
    GO_ON_FOR = "go_on_for"
    BEGIN = "begin"
    REPS = "reps"
    REST_FOR = "rest_for"
    SET_OF = "set_of"
    SIDE = "side"
    LEFT = "left"
    RIGHT = "right"
    RELEASE = "release"
    TIME_IS_UP = "time_is_up"
    REPS_DONE = "reps_done"
    SWITCH_SIDES = "switch_sides"
    HALFWAY = "halfway"
    COUNT = "count"
    INTRODUCTION = "introduction"
    SKIP_INTRODUCTION = "skip_introduction"
    SHORT_INTRODUCTION = "short_introduction"
    CHANGING_SIDES = "changing_sides"
    GET_READY = "get_ready"
    INSTRUCTION = "instruction"
    REST = "rest"
    # The engine: answers, pauses, check-ins and the end.
    PRESS_ENTER = "press_enter"
    READY_PROMPT_KEYS = "ready_prompt_keys"
    PAIN_QUESTION = "pain_question"
    PAIN_QUESTION_BEFORE = "pain_question_before"
    PAIN_ADVICE = "pain_advice"
    PAIN_LEVEL_QUESTION = "pain_level_question"
    PAIN_CHOICES = "pain_choices"
    PAIN_ABOVE_LIMIT = "pain_above_limit"
    NUMBER_RANGE = "number_range"
    PAIN_ANSWER_HINT = "pain_answer_hint"
    THANKS = "thanks"
    NO_ANSWER = "no_answer"
    REST_NOW = "rest_now"
    QUIT_QUESTION = "quit_question"
    ENDING = "ending"
    ROUTINE_DONE = "routine_done"
    PAUSED = "paused"
    STOPPED = "stopped"
    STILL_PAUSED = "still_paused"
    RESUMING = "resuming"
    TIME_LEFT = "time_left"
    WHERE_TIME_LEFT = "where_time_left"
    STATUS = "status"
    STATUS_PAUSED = "status_paused"
    SLOWER = "slower"
    FASTER = "faster"
    LOUDER = "louder"
    QUIETER = "quieter"
    HELP = "help"
    HELP_MORE = "help_more"
    NO_SAFETY_NOTES = "no_safety_notes"
    # Device notices, one for each DeviceChange (the values are the same).
    SPEAKER_LOST = DeviceChange.SPEAKER_LOST.value
    SPEAKER_BACK = DeviceChange.SPEAKER_BACK.value
    SPEECH_STUCK = DeviceChange.SPEECH_STUCK.value
    SPEECH_BACK = DeviceChange.SPEECH_BACK.value
    MICROPHONE_LOST = DeviceChange.MICROPHONE_LOST.value
    MICROPHONE_BACK = DeviceChange.MICROPHONE_BACK.value
    LISTENER_FAILED = DeviceChange.LISTENER_FAILED.value
    WORDS_UNKNOWN = DeviceChange.WORDS_UNKNOWN.value


ENGLISH: Mapping[Line, str] = MappingProxyType({
    Line.READY_PROMPT: "Say ready when you are set.",
    Line.NEED: "You will need {items}.",
    Line.HOLD_FOR: "Hold for {time}.",
    Line.GO_ON_FOR: "Go on for {time}.",
    Line.BEGIN: "Begin.",
    Line.REPS: "{reps} times. Ready, go.",
    Line.REST_FOR: "Rest for {time}.",
    Line.SET_OF: "set {number} of {sets}",
    Line.SIDE: "{side} side",
    Line.LEFT: "left",
    Line.RIGHT: "right",
    Line.RELEASE: "Release.",
    Line.TIME_IS_UP: "Time is up.",
    Line.REPS_DONE: "Done.",
    Line.SWITCH_SIDES: "Switch sides.",
    Line.HALFWAY: "Halfway.",
    Line.COUNT: "{time}.",
    Line.INTRODUCTION: "Introduction",
    Line.SKIP_INTRODUCTION: "Say next to skip this introduction.",
    Line.SHORT_INTRODUCTION: "{title}, about {minutes}. {safety} "
                             "Say next to skip, help for the commands, safety for the safety notes.",
    Line.CHANGING_SIDES: "changing sides",
    Line.GET_READY: "Get ready",
    Line.INSTRUCTION: "Instruction",
    Line.REST: "Rest",
    Line.PRESS_ENTER: "Or press Enter.",
    Line.READY_PROMPT_KEYS: "Say ready, or press Enter, when you are set.",
    Line.PAIN_QUESTION: "How is your pain, from zero to ten?",
    Line.PAIN_QUESTION_BEFORE: "Before we start: how is your pain, from zero to ten?",
    Line.PAIN_ADVICE: "Sharp pain means stop. These exercises should stay below moderate pain, "
                      "and an exercise that makes the pain worse should be left out.",
    Line.PAIN_LEVEL_QUESTION: "How bad is it, from zero to ten?",
    Line.PAIN_CHOICES: "Say skip to leave this exercise out, resume to carry on, or end session to stop for today.",
    Line.PAIN_ABOVE_LIMIT: "{level} is above moderate pain. {advice} "
                           "You may prefer to rest today; say end session to stop, or ready to go on gently.",
    Line.NUMBER_RANGE: "Please give a number from zero to ten.",
    Line.PAIN_ANSWER_HINT: "Please give a number from zero to ten, or say skip.",
    Line.THANKS: "Thank you.",
    Line.NO_ANSWER: "No answer, that is fine.",
    Line.REST_NOW: "Rest now, and take care.",
    Line.QUIT_QUESTION: "Do you want to end the session? Say yes to end it, or resume to carry on.",
    Line.ENDING: "Ending the session. Take care.",
    Line.ROUTINE_DONE: "That is the whole routine. Well done.",
    Line.PAUSED: "Paused. Say resume to carry on.",
    Line.STOPPED: "Stopped. Say resume to carry on, or end session to stop for today.",
    Line.STILL_PAUSED: "Still paused. Say resume to carry on.",
    Line.RESUMING: "Resuming. {what}",
    Line.TIME_LEFT: "{time} left.",
    Line.WHERE_TIME_LEFT: "{where}, {time} left",
    Line.STATUS: "{where}; about {minutes} left in all.",
    Line.STATUS_PAUSED: "Paused. {where}; about {minutes} left in all.",
    Line.SLOWER: "Slower.",
    Line.FASTER: "Faster.",
    Line.LOUDER: "Louder.",
    Line.QUIETER: "Quieter.",
    Line.HELP: "Say next, pause, resume, repeat or end session, or type n, p, r, a or q and press Enter. "
                "Say help again for the other commands.",
    Line.HELP_MORE: "Also: skip or s, the next exercise; back or b, the part before; how long or t, the time left; "
                    "safety or w, the safety notes; it hurts or exclamation mark, stop for pain; "
                    "stop or x, like pause; slower, faster, louder and quieter, or minus, plus, greater and less; "
                    "and ready or Enter, to start when asked.",
    Line.NO_SAFETY_NOTES: "This routine has no safety notes of its own.",
    Line.SPEAKER_LOST: "The sound output '{name}' stopped working. Carrying on in text until it is back.",
    Line.SPEAKER_BACK: "The sound is back.",
    Line.SPEECH_STUCK: "The speech engine is not responding; lines are shown as text.",
    Line.SPEECH_BACK: "Speech is back.",
    Line.MICROPHONE_LOST: "No microphone is working; keys still work, and I keep trying.",
    Line.MICROPHONE_BACK: "The microphone is back; voice commands work again.",
    Line.LISTENER_FAILED: "Voice commands could not start; keys still work.",
    Line.WORDS_UNKNOWN: "The speech model does not know {name}; say another word for those.",
})  # fmt: skip

KOREAN: Mapping[Line, str] = MappingProxyType({
    Line.READY_PROMPT: "준비되면 준비라고 말하세요.",
    Line.NEED: "준비물: {items}.",
    Line.HOLD_FOR: "{time} 동안 유지하세요.",
    Line.GO_ON_FOR: "{time} 동안 계속하세요.",
    Line.BEGIN: "시작.",
    Line.REPS: "{reps}번. 준비, 시작.",
    Line.REST_FOR: "{time} 동안 쉬세요.",
    Line.SET_OF: "{sets}세트 중 {number}세트",
    Line.SIDE: "{side}쪽",
    Line.LEFT: "왼",
    Line.RIGHT: "오른",
    Line.RELEASE: "푸세요.",
    Line.TIME_IS_UP: "시간이 다 되었습니다.",
    Line.REPS_DONE: "끝.",
    Line.SWITCH_SIDES: "반대쪽으로 바꾸세요.",
    Line.HALFWAY: "절반 지났습니다.",
    Line.COUNT: "{time}.",
    Line.INTRODUCTION: "소개",
    Line.SKIP_INTRODUCTION: "소개를 건너뛰려면 다음이라고 말하세요.",
    Line.SHORT_INTRODUCTION: "{title}, 약 {minutes}. {safety} "
                             "건너뛰려면 다음, 명령은 도움말, 안전 수칙은 안전이라고 말하세요.",
    Line.CHANGING_SIDES: "반대쪽으로 바꾸는 중",
    Line.GET_READY: "준비",
    Line.INSTRUCTION: "안내",
    Line.REST: "휴식",
    Line.PRESS_ENTER: "또는 Enter 키를 누르세요.",
    Line.READY_PROMPT_KEYS: "준비되면 준비라고 말하거나 Enter 키를 누르세요.",
    Line.PAIN_QUESTION: "통증은 0에서 10 중 어느 정도인가요?",
    Line.PAIN_QUESTION_BEFORE: "시작하기 전에: 통증은 0에서 10 중 어느 정도인가요?",
    Line.PAIN_ADVICE: "날카로운 통증이 있으면 멈추세요. 운동 중 통증은 중간 정도보다 약해야 하고, "
                      "통증을 더 심하게 하는 운동은 빼야 합니다.",
    Line.PAIN_LEVEL_QUESTION: "얼마나 아픈가요? 0에서 10 사이로 말해 주세요.",
    Line.PAIN_CHOICES: "이 운동을 빼려면 다음 운동, 계속하려면 계속, 끝내려면 종료라고 말하세요.",
    Line.PAIN_ABOVE_LIMIT: "{level}은 중간 정도보다 심한 통증입니다. {advice} "
                           "오늘은 쉬는 것이 좋을 수 있습니다. 끝내려면 종료, 천천히 계속하려면 준비라고 말하세요.",
    Line.NUMBER_RANGE: "0에서 10 사이의 숫자로 말해 주세요.",
    Line.PAIN_ANSWER_HINT: "0에서 10 사이의 숫자로 말하거나, 넘어가려면 다음이라고 말하세요.",
    Line.THANKS: "감사합니다.",
    Line.NO_ANSWER: "대답하지 않아도 괜찮습니다.",
    Line.REST_NOW: "이제 쉬세요. 몸조심하세요.",
    Line.QUIT_QUESTION: "운동을 끝낼까요? 끝내려면 종료나 네라고 다시 말하세요. 계속하려면 계속이라고 말하세요.",
    Line.ENDING: "운동을 끝냅니다. 몸조심하세요.",
    Line.ROUTINE_DONE: "운동을 모두 마쳤습니다. 잘하셨습니다.",
    Line.PAUSED: "일시정지. 계속하려면 계속이라고 말하세요.",
    Line.STOPPED: "정지. 계속하려면 계속, 끝내려면 종료라고 말하세요.",
    Line.STILL_PAUSED: "아직 일시정지 중입니다. 계속하려면 계속이라고 말하세요.",
    Line.RESUMING: "다시 시작합니다. {what}",
    Line.TIME_LEFT: "{time} 남았습니다.",
    Line.WHERE_TIME_LEFT: "{where}, {time} 남음",
    Line.STATUS: "{where}. 전체 약 {minutes} 남았습니다.",
    Line.STATUS_PAUSED: "일시정지 중. {where}. 전체 약 {minutes} 남았습니다.",
    Line.SLOWER: "느리게.",
    Line.FASTER: "빠르게.",
    Line.LOUDER: "크게.",
    Line.QUIETER: "작게.",
    Line.HELP: "다음, 잠깐, 계속, 다시, 종료라고 말하거나, n, p, r, a, q를 입력하고 Enter 키를 누르세요. "
                "다른 명령은 도움말이라고 한 번 더 말하세요.",
    Line.HELP_MORE: "그 밖에: 다음 운동 또는 s, 다음 운동으로; 뒤로 또는 b, 앞 부분으로; 남은 시간 또는 t; "
                    "안전 또는 w, 안전 수칙; 아파 또는 느낌표, 통증으로 멈춤; 멈춰 또는 x, 일시정지; "
                    "느리게, 빠르게, 크게, 작게, 또는 빼기, 더하기, 큰 꺾쇠, 작은 꺾쇠; "
                    "그리고 준비 또는 Enter, 시작할 때.",
    Line.NO_SAFETY_NOTES: "이 운동에는 따로 적힌 안전 수칙이 없습니다.",
    Line.SPEAKER_LOST: "소리 출력 '{name}'이 멈췄습니다. 다시 될 때까지 글자로 계속합니다.",
    Line.SPEAKER_BACK: "소리가 다시 나옵니다.",
    Line.SPEECH_STUCK: "음성 엔진이 응답하지 않습니다. 문장은 글자로 보여 드립니다.",
    Line.SPEECH_BACK: "음성이 다시 나옵니다.",
    Line.MICROPHONE_LOST: "작동하는 마이크가 없습니다. 키는 그대로 쓸 수 있고, 계속 다시 연결해 봅니다.",
    Line.MICROPHONE_BACK: "마이크가 다시 작동합니다. 음성 명령을 다시 쓸 수 있습니다.",
    Line.LISTENER_FAILED: "음성 명령을 시작하지 못했습니다. 키는 그대로 쓸 수 있습니다.",
    Line.WORDS_UNKNOWN: "음성 모델이 {name}을(를) 알지 못합니다. 그 명령은 다른 말로 하세요.",
})  # fmt: skip


def _durations(minutes: Callable[[int], str], seconds: Callable[[int], str]) -> Callable[[float], str]:
    """A language's way of saying a duration: whole minutes, then the seconds left (or 0 seconds)."""

    def say(duration: float) -> str:
        whole_minutes, rest = divmod(round(duration), 60)
        said = [minutes(whole_minutes)] if whole_minutes else []
        if rest or not whole_minutes:
            said.append(seconds(rest))
        return " ".join(said)

    return say


def _plural(unit: str) -> Callable[[int], str]:
    return lambda count: f"{count} {unit}{'s' if count != 1 else ''}"


def _english_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class Wording:
    """One language's lines, and its ways of saying a duration and a list of things."""

    language: str
    lines: Mapping[Line, str]
    duration: Callable[[float], str]
    listing: Callable[[list[str]], str]

    def __call__(self, line: Line, **fields: object) -> str:
        return self.lines[line].format(**fields)


_WORDINGS = {
    "en": Wording("en", ENGLISH, _durations(_plural("minute"), _plural("second")), _english_list),
    "ko": Wording("ko", KOREAN, _durations("{}분".format, "{}초".format), ", ".join),
}


def wording(language: str = "en") -> Wording:
    """The wording for a routine's language (English when voiceguide does not speak it yet)."""
    return _WORDINGS.get(base_language(language), _WORDINGS["en"])
