"""Development sets of spoken commands and ordinary sentences, synthesized from installed voices.

Two English sets: "natural" (piper, flite, festival and espeak-ng voices, bench/voices.py; the one the
targets are judged on) and "espeak" (espeak-ng voices only, the older second figure); Korean is
espeak-ng only. Seeded and cached under bench/out/: each clip is room-sound lead-in, the phrase, then
a tail, mixed under one of the listening conditions. The index records where each phrase ends, so
latency can be measured. Run: python bench/dataset.py [natural|espeak|ko]  (recognition.py calls it).
"""

from __future__ import annotations

import json
import random
import sys
import wave
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.voices import NATURAL, TALKERS, Voice, espeak

RATE = 16_000
OUT = Path(__file__).resolve().parent / "out"
NOISE_FLOOR_DBFS = -62.0  # a quiet room through a laptop microphone; never digital silence
# Background talk was already going on when the command was said (a live listener hears the room
# all along); without it a fresh recognizer would meet the talk and the command at the same time.
TALK_BEFORE = 3.0
VERSION = 4  # bump when the clips change, so a stale cache is never measured

EN_VOICES = (
    "en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029",
    "en-us-nyc", "en+f3", "en-us+m3", "en-us+f3", "en-us+m1", "en-gb-x-rp+f4",
)  # fmt: skip
KO_VOICES = ("ko", "ko+f3", "ko+m3", "ko+f2")

EN_COMMANDS = (
    "next", "skip", "next exercise", "go back", "previous", "back", "pause", "wait", "hold on",
    "resume", "continue", "repeat", "again", "say that again", "stop", "quit", "yes", "help",
    "what can i say", "how long", "time left", "slower", "slow down", "faster", "louder", "quieter",
    "ready", "start", "i'm ready", "pain", "it hurts",
)  # fmt: skip
EN_FILLERS = (("okay", ""), ("", "please"), ("alright", ""), ("okay", "please"), ("", "now"))
EN_SENTENCES = (
    "I think we should go out for dinner tonight", "the next train leaves at noon",
    "can you wait a second while I find my keys", "I will call you back later",
    "please stop by the shop on your way home", "it is time to go to work",
    "she said yes to the offer", "what time is the meeting", "the weather is nice today",
    "turn left at the next corner", "my back hurts a little today", "are you ready to order",
    "we need more milk and bread", "hello how are you doing", "that was a great game last night",
    "I don't know what to say", "maybe we can go tomorrow", "thank you very much for coming",
    "let me think about it", "he runs faster than me", "don't stop me now",
    "the meeting starts at nine", "it was raining all day long", "play it again please",
    "could you speak a little louder", "we will continue after the break", "the last time I saw him",
    "start the car and wait for me", "help yourself to some coffee", "go back to the beginning of the song",
    "hold on I am on the phone", "that really hurts my feelings", "the pain in my knee is gone",
    "the next exercise is much harder", "repeat after me", "I'm ready to leave when you are",
    "how long does it take to get there", "slow down you are driving too fast", "quit smoking for good",
    "pause the movie for a minute",
)  # fmt: skip
KO_COMMANDS = (
    "다음", "넘겨", "뒤로", "이전", "잠깐", "일시정지", "계속", "다시", "반복", "멈춰", "정지", "종료",
    "네", "도움말", "남은 시간", "천천히", "빠르게", "크게", "작게", "준비", "시작", "아파", "통증",
)  # fmt: skip
KO_FILLERS = (("", "좀"), ("오케이", ""), ("", "해줘"))
KO_SENTENCES = (
    "오늘 날씨가 정말 좋네요", "저녁에 뭐 먹을까요", "다음 주에 다시 만나요", "잠깐만 기다려 주세요 지금 전화 중이에요",
    "시간이 너무 빨리 가요", "나는 매일 학교에 갑니다", "이 책은 정말 재미있어요", "커피 한 잔 주세요",
    "내일은 비가 온대요", "어제 영화를 봤는데 재미없었어요", "버스가 곧 도착합니다", "친구들과 함께 여행을 갔어요",
    "준비가 다 되면 출발할게요", "계속 이렇게 하면 안 돼요", "머리가 조금 아파서 쉬고 싶어요",
)  # fmt: skip

CONDITIONS = ("quiet", "pink20", "pink12", "talk12")


@dataclass(frozen=True)
class Clip:
    path: str  # relative to the dataset folder
    kind: str  # "command" or "sentence"
    phrase: str  # the words spoken (fillers included)
    core: str  # the command phrase without fillers ("" for sentences)
    voice: str
    speed: int
    pitch: int
    condition: str
    phrase_end: float  # seconds into the clip where the spoken phrase ends
    command: str = ""  # the command meant ("" for sentences; older sets: found from `core`)


def speak(text: str, voice: str, speed: int = 160, pitch: int = 50) -> np.ndarray:
    """espeak-ng's rendering as float samples at 16 kHz, trimmed of its own leading/trailing silence."""
    return espeak(voice, speed, pitch)(text)


def noise_floor(n: int, rng: np.random.Generator, dbfs: float = NOISE_FLOOR_DBFS) -> np.ndarray:
    return rng.normal(0.0, 32768 * 10 ** (dbfs / 20), n)


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """1/f noise by shaping white noise in the frequency domain; unit RMS."""
    spectrum = np.fft.rfft(rng.normal(size=n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    pink = np.fft.irfft(spectrum, n)
    return pink / (np.sqrt(np.mean(pink**2)) + 1e-12)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2)) + 1e-12)


def mix(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """`noise` scaled so the speech is `snr_db` louder (RMS over the speech itself)."""
    return noise * rms(speech) / rms(noise) / 10 ** (snr_db / 20)


def write_wav(path: Path, audio: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(np.clip(np.round(audio), -32768, 32767).astype(np.int16).tobytes())


def render(
    phrase: str,
    voice: str,
    speed: int,
    pitch: int,
    condition: str,
    rng: np.random.Generator,
    talk: np.ndarray,
) -> tuple[np.ndarray, float]:
    """One clip: lead-in, phrase, tail, under `condition`. Returns the audio and where the phrase ends."""
    return in_condition(speak(phrase, voice, speed, pitch), condition, rng, talk, longest_lead=1.0,
                        talk_before=TALK_BEFORE, room=lambda length, _, rng: noise_floor(length, rng))


def in_condition(
    spoken: np.ndarray,
    condition: str,
    rng: np.random.Generator,
    talk: np.ndarray,
    *,
    longest_lead: float,
    talk_before: float,
    room: Callable[[int, np.ndarray, np.random.Generator], np.ndarray],
) -> tuple[np.ndarray, float]:
    """`spoken` at a random level after 0.6 s to `longest_lead` of room sound (plus `talk_before` of talk
    already going on), with a 1 s tail, under `condition`; the audio and where the phrase ends."""
    spoken = spoken * rng.uniform(0.5, 1.0)
    lead, tail = int(RATE * rng.uniform(0.6, longest_lead)), RATE
    if condition.startswith("talk"):
        lead += int(RATE * talk_before)
    clip = np.concatenate([np.zeros(lead), spoken, np.zeros(tail)])
    clip += room(len(clip), spoken, rng)
    if condition.startswith("pink"):
        clip += mix(spoken, pink_noise(len(clip), rng), float(condition[4:]))
    elif condition.startswith("talk"):
        start = int(rng.integers(0, max(1, len(talk) - len(clip))))
        clip += mix(spoken, talk[start : start + len(clip)], float(condition[4:]))
    return clip, (lead + len(spoken)) / RATE


def background_talk(language: str, rng: random.Random) -> np.ndarray:
    """A minute of one other person talking on (sentences with short pauses), for the talk condition."""
    sentences = EN_SENTENCES if language == "en" else KO_SENTENCES
    voice = "en-gb-x-rp+m1" if language == "en" else "ko+m1"
    parts: list[np.ndarray] = []
    for sentence in rng.sample(list(sentences), len(sentences)):
        parts += [speak(sentence, voice, 170, 45), np.zeros(int(RATE * rng.uniform(0.1, 0.5)))]
    return np.concatenate(parts)


def built_before(folder: Path) -> list[Clip] | None:
    """The clips of a set generated earlier into `folder`, or None."""
    index = folder / "index.json"
    if not index.is_file():
        return None
    return [Clip(**entry) for entry in json.loads(index.read_text(encoding="utf-8"))]


def build(language: str = "en", per_condition: int = 120, seed: int = 7) -> tuple[Path, list[Clip]]:
    """Generate (or reuse) the dataset; returns its folder and clips."""
    folder = OUT / f"dataset-v{VERSION}-{language}-{per_condition}-{seed}"
    if (clips := built_before(folder)) is not None:
        return folder, clips
    pick = random.Random(seed)
    rng = np.random.default_rng(seed)
    english = language == "en"
    voices = EN_VOICES if english else KO_VOICES
    commands = EN_COMMANDS if english else KO_COMMANDS
    fillers = EN_FILLERS if english else KO_FILLERS
    sentences = EN_SENTENCES if english else KO_SENTENCES
    talk = background_talk(language, pick)
    clips: list[Clip] = []
    for condition in CONDITIONS:
        jobs = [("command", commands[i % len(commands)]) for i in range(per_condition)]
        jobs += [("sentence", sentences[i % len(sentences)]) for i in range(per_condition // 2)]
        for number, (kind, core) in enumerate(jobs):
            phrase = core
            if kind == "command" and pick.random() < 0.4:
                before, after = pick.choice(fillers)
                phrase = " ".join(w for w in (before, core, after) if w)
            voice, speed, pitch = (
                pick.choice(voices),
                pick.randrange(130, 221, 10),
                pick.randrange(30, 71, 10),
            )
            audio, end = render(phrase, voice, speed, pitch, condition, rng, talk)
            path = f"{condition}/{kind}-{number:03d}.wav"
            write_wav(folder / path, audio)
            core_text = core if kind == "command" else ""
            clips.append(Clip(path, kind, phrase, core_text, voice, speed, pitch, condition, round(end, 3)))
    index = json.dumps([asdict(c) for c in clips], ensure_ascii=False, indent=1)
    (folder / "index.json").write_text(index, encoding="utf-8")
    return folder, clips


# The natural-voice set: the phrasings people reach for, each with the command it means.
NATURAL_VERSION = 2
NATURAL_COMMANDS: tuple[tuple[str, str], ...] = (
    ("next", "next"), ("next one", "next"), ("skip", "skip"), ("skip this one", "skip"),
    ("next exercise", "skip"), ("go back", "back"), ("back", "back"), ("previous", "back"),
    ("pause", "pause"), ("wait", "pause"), ("hold on", "pause"), ("please pause", "pause"),
    ("resume", "resume"), ("continue", "resume"), ("keep going", "resume"), ("repeat", "repeat"),
    ("again", "repeat"), ("say that again", "repeat"), ("stop", "stop"), ("quit", "quit"),
    ("end session", "quit"), ("i'm done", "quit"), ("yes", "yes"), ("help", "help"),
    ("what can i say", "help"), ("how long", "time"), ("time left", "time"), ("slower", "slower"),
    ("faster", "faster"), ("louder", "louder"), ("quieter", "quieter"), ("ready", "ready"),
    ("start", "ready"), ("let's go", "ready"), ("i'm ready", "ready"), ("it hurts", "pain"),
    ("pain", "pain"),
)  # fmt: skip
NATURAL_CONDITIONS = ("quiet", "pink20", "pink12", "talk12", "talk6")
QUIET_SNR_DB = 35.0  # the room's own sound under every clip, this far below the speech
# A radio or television talks on for minutes: the listener has heard this much of it before the command.
NATURAL_TALK_BEFORE = 6.0
# Of that, the first seconds are the listener learning the room; commands it takes then are counted apart.
LEARNING_THE_ROOM = 4.0
# What the talkers read: ordinary radio and living-room talk, a sentence per turn.
TALK_TEXT = (
    "Good evening and welcome back to the programme.",
    "Tonight we are looking at how small towns kept their markets alive.",
    "My grandmother used to bake bread every Saturday morning.",
    "The traffic on the bridge was slow again this afternoon.",
    "I read that the library will open a new reading room in spring.",
    "Could you pass me the salt and the pepper, thank you.",
    "The forecast says a cold front will reach the coast by Thursday.",
    "We planted tomatoes along the fence, and the beans did well too.",
    "He told me the concert had been moved to the larger hall.",
    "There is a long queue at the post office on Mondays.",
    "Our guest today has sailed around the island four times.",
    "I think the blue curtains look better in the kitchen.",
    "The museum has a new exhibition about old maps and travellers.",
    "She finished the crossword before the kettle had boiled.",
    "After the news we will hear some music from the nineteen sixties.",
    "The children were building a snowman in the garden all morning.",
    "Prices at the petrol station went up a little this week.",
    "They say the river was frozen solid back in that winter.",
    "Let me tell you about the trip we took along the canal.",
    "The football match ended in a draw after extra time.",
)  # fmt: skip


def room_sound(n: int, speech: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A microphone's own hiss and the room's hum, QUIET_SNR_DB below the speech (never digital silence)."""
    return mix(speech, rng.normal(0.0, 1.0, n), QUIET_SNR_DB)


def talk_in_the_room(pick: random.Random) -> np.ndarray:
    """Several people reading ordinary text, taking turns with short pauses (about a minute and a half)."""
    parts: list[np.ndarray] = []
    for number, sentence in enumerate(pick.sample(TALK_TEXT, len(TALK_TEXT))):
        talker = TALKERS[number % len(TALKERS)]
        parts += [talker.render(sentence), np.zeros(int(RATE * pick.uniform(0.15, 0.6)))]
    return np.concatenate(parts)


def natural_clip(
    spoken: np.ndarray, condition: str, rng: np.random.Generator, talk: np.ndarray
) -> tuple[np.ndarray, float]:
    """Lead-in of 0.6-1.4 s of room sound (plus talk already going on), the phrase, a 1 s tail."""
    return in_condition(spoken, condition, rng, talk, longest_lead=1.4, talk_before=NATURAL_TALK_BEFORE,
                        room=room_sound)


def build_natural(rounds: int = 2, sentences: int = 36, seed: int = 7) -> tuple[Path, list[Clip]]:
    """The natural-voice set: per condition, every command phrase `rounds` times and `sentences`
    ordinary sentences; voices rotate so each voice says every kind of phrase under every condition."""
    folder = OUT / f"natural-v{NATURAL_VERSION}-{rounds}-{sentences}-{seed}"
    if (clips := built_before(folder)) is not None:
        return folder, clips
    pick = random.Random(seed)
    rng = np.random.default_rng(seed)
    talk = talk_in_the_room(pick)
    rendered: dict[tuple[str, str], np.ndarray] = {}

    def said(voice: Voice, text: str) -> np.ndarray:
        if (voice.name, text) not in rendered:
            rendered[voice.name, text] = voice.render(text)
        return rendered[voice.name, text]

    clips: list[Clip] = []
    for shift, condition in enumerate(NATURAL_CONDITIONS):
        jobs = [("command", core, command) for _ in range(rounds) for core, command in NATURAL_COMMANDS]
        jobs += [("sentence", EN_SENTENCES[i % len(EN_SENTENCES)], "") for i in range(sentences)]
        for number, (kind, core, command) in enumerate(jobs):
            phrase = core
            if kind == "command" and pick.random() < 0.3:
                before, after = pick.choice(EN_FILLERS)
                phrase = " ".join(w for w in (before, core, after) if w)
            voice = NATURAL[(number + 3 * shift) % len(NATURAL)]
            audio, end = natural_clip(said(voice, phrase), condition, rng, talk)
            path = f"{condition}/{kind}-{number:03d}.wav"
            write_wav(folder / path, audio)
            clips.append(
                Clip(path, kind, phrase, core if kind == "command" else "", voice.name, 0, 0, condition,
                     round(end, 3), command)
            )  # fmt: skip
    index = json.dumps([asdict(c) for c in clips], ensure_ascii=False, indent=1)
    (folder / "index.json").write_text(index, encoding="utf-8")
    return folder, clips


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "natural"
    where, made = build_natural() if which == "natural" else build("en" if which == "espeak" else which)
    print(f"{len(made)} clips in {where}")
