"""A development set of spoken commands and ordinary sentences, synthesized with espeak-ng.

Deterministic (seeded) and cached under bench/out/: each clip is noise-floor lead-in, the phrase,
then a tail, mixed under one of the listening conditions. The index records where each phrase ends,
so latency can be measured. Run: python bench/dataset.py [en|ko]  (recognition.py calls it too).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import wave
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from voiceguide.hear import resample

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


def speak(text: str, voice: str, speed: int = 160, pitch: int = 50) -> np.ndarray:
    """espeak-ng's rendering as float samples at 16 kHz, trimmed of its own leading/trailing silence."""
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "raw.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(raw), text],
            check=True,
            capture_output=True,
        )
        with wave.open(str(raw)) as source:
            rate = source.getframerate()
            samples = np.frombuffer(source.readframes(source.getnframes()), dtype=np.int16).astype(np.float64)
    audio = resample(samples, rate, RATE)
    loud = np.flatnonzero(np.abs(audio) > 200)
    return audio[loud[0] : loud[-1] + 1] if loud.size else audio


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
    spoken = speak(phrase, voice, speed, pitch) * rng.uniform(0.5, 1.0)
    lead, tail = int(RATE * rng.uniform(0.6, 1.0)), int(RATE * 1.0)
    if condition.startswith("talk"):
        lead += int(RATE * TALK_BEFORE)
    clip = np.concatenate([np.zeros(lead), spoken, np.zeros(tail)])
    clip += noise_floor(len(clip), rng)
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


def build(language: str = "en", per_condition: int = 120, seed: int = 7) -> tuple[Path, list[Clip]]:
    """Generate (or reuse) the dataset; returns its folder and clips."""
    folder = OUT / f"dataset-v{VERSION}-{language}-{per_condition}-{seed}"
    index = folder / "index.json"
    if index.is_file():
        return folder, [Clip(**entry) for entry in json.loads(index.read_text(encoding="utf-8"))]
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
    index.write_text(json.dumps([asdict(c) for c in clips], ensure_ascii=False, indent=1), encoding="utf-8")
    return folder, clips


if __name__ == "__main__":
    where, made = build(sys.argv[1] if len(sys.argv) > 1 else "en")
    print(f"{len(made)} clips in {where}")
