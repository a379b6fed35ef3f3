"""Self-triggers: commands the recognizer takes from the player's own voice leaking back into the microphone.

The whole of a routine (heel-spur by default) as `--preview` times it, every line rendered by a voice
(piper's joe by default, the natural voice the player speaks with), played into a laptop's microphone at
-10 dB (gain 0.3) over the room's own sound, with the echo arriving `--delay` seconds after the player
dated each block as heard (a loaded sound server: up to seconds). The recognizer is told what was
played and when, exactly as the player tells it (OwnVoice), and hears nobody else: every command it
takes is a self-trigger. Prints them, and their count per delay.

    python bench/self_triggers.py [--routine heel-spur] [--voice piper|espeak] [--delay 0.1 --delay 1.5]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dataset import OUT, write_wav
from bench.voices import NATURAL, Voice, espeak
from voiceguide.adapters.backends import choose_engine, load_engine, tuning_for
from voiceguide.adapters.echo_canceller import SpeexEchoCanceller
from voiceguide.adapters.webrtc_noise import WebrtcNoiseSuppression
from voiceguide.hear import chunks, read_wav
from voiceguide.library import locate
from voiceguide.own_voice import OwnVoice
from voiceguide.preview import preview
from voiceguide.recognition import FRAME_SAMPLES, SAMPLE_RATE, CommandRecognizer, Engine, Outcome, Tuning
from voiceguide.routine import load_routine

LEAK_GAIN = 0.3  # a laptop hearing its own speakers, about -10 dB (tests/e2e/harness.py)
ROOM_DBFS = -62.0
BLOCK = 480  # the output's blocks as the player reports them to OwnVoice
PAUSE_BETWEEN_LINES = 0.3
LINE = re.compile(r"^\[(\d+):(\d\d)\] (.*)$")


def spoken_lines(routine: str) -> list[tuple[float, str]]:
    """(seconds, text) of every line the player says, as --preview times it (the person's answers left out)."""
    lines = []
    for row in preview(load_routine(locate(routine))).transcript.splitlines():
        match = LINE.match(row)
        if match and not match[3].startswith("(you say"):
            lines.append((60 * int(match[1]) + int(match[2]), match[3]))
    return lines


def playback(lines: list[tuple[float, str]], voice: Voice) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """The player's output (float samples at full scale 32768) and when each line played."""
    rendered: dict[str, np.ndarray] = {}
    placed: list[tuple[float, np.ndarray, str]] = []
    free_at = 0.0
    for at, text in lines:
        if text not in rendered:
            rendered[text] = voice.render(text)
        start = max(at, free_at)
        placed.append((start, rendered[text], text))
        free_at = start + len(rendered[text]) / SAMPLE_RATE + PAUSE_BETWEEN_LINES
    output = np.zeros(int((free_at + 2.0) * SAMPLE_RATE))
    times = []
    for start, audio, text in placed:
        first = int(start * SAMPLE_RATE)
        output[first : first + len(audio)] += audio
        times.append((start, start + len(audio) / SAMPLE_RATE, text))
    return output, times


def cached_playback(routine: str, voice: Voice) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """The playback, rendered once and kept under bench/out/ (piper varies from run to run), so runs of
    this bench before and after a change hear the same sound."""
    wav, index = OUT / f"self-triggers-{routine}-{voice.name}.wav", OUT / f"self-triggers-{routine}-{voice.name}.json"
    if not (wav.is_file() and index.is_file()):
        output, times = playback(spoken_lines(routine), voice)
        write_wav(wav, output)
        index.write_text(json.dumps(times), encoding="utf-8")
    output = np.frombuffer(read_wav(wav), dtype=np.int16).astype(np.float64)
    return output, [(start, end, text) for start, end, text in json.loads(index.read_text(encoding="utf-8"))]


def hear_over_playback(
    engine: Engine,
    tuning: Tuning,
    output: np.ndarray,
    times: list[tuple[float, float, str]],
    delay: float,
    person: np.ndarray | None = None,
    span: tuple[float, float] | None = None,
    cancel: bool = True,
) -> list[Outcome]:
    """Every outcome of a fresh recognizer hearing the playback leak back `delay` seconds late over the
    room's sound, plus `person` (samples at the microphone, as long as `output`) if someone speaks too;
    within `span` (start, end seconds) of the playback only, if given (a session begun there); with the
    player's echo canceller unless `cancel` is False."""
    start, end = span or (0.0, len(output) / SAMPLE_RATE)
    first, last = int(start * SAMPLE_RATE), min(int(end * SAMPLE_RATE), len(output))
    own_voice = OwnVoice(keep_blocks=4096)
    events = sorted([(s, text) for s, _, text in times if start <= s < end] + [(e, None) for s, e, _ in times if start <= s < end],
                    key=lambda event: event[0])  # fmt: skip
    upcoming = iter(events)
    next_event = next(upcoming, None)
    rng = np.random.default_rng(1)
    shift = int(delay * SAMPLE_RATE)
    microphone = rng.normal(0.0, 32768 * 10 ** (ROOM_DBFS / 20), last - first)
    microphone[shift:] += LEAK_GAIN * output[first : last - shift]
    if person is not None:
        microphone += person[first:last]
    pcm = np.clip(np.round(microphone), -32768, 32767).astype(np.int16).tobytes()
    recognizer = CommandRecognizer(
        engine, own_voice, tuning, WebrtcNoiseSuppression(), SpeexEchoCanceller(FRAME_SAMPLES) if cancel else None
    )
    blocks = iter(range(first, last, BLOCK))
    next_block = next(blocks, None)
    outcomes = []
    position = first
    for chunk in chunks(pcm):
        position += len(chunk) // 2
        now = position / SAMPLE_RATE
        while next_event is not None and next_event[0] <= now:  # the player's lines, as it tells of them
            if next_event[1] is None:
                own_voice.ended(next_event[0])
            else:
                own_voice.started(next_event[1], next_event[0])
            next_event = next(upcoming, None)
        while next_block is not None and next_block / SAMPLE_RATE <= now:  # played before it is heard
            own_voice.played(next_block / SAMPLE_RATE, output[next_block : next_block + BLOCK] / 32768, SAMPLE_RATE)
            next_block = next(blocks, None)
        outcomes.extend(recognizer.feed(chunk, now))
    return outcomes + recognizer.flush()  # which also frees the engine for the next recognizer


def self_triggers(
    engine: Engine, tuning: Tuning, output: np.ndarray, times: list[tuple[float, float, str]], delay: float
) -> list[tuple[float, str, str]]:
    """(when, what was taken, the line playing then) for every command taken from the echo alone."""
    taken = []
    for outcome in hear_over_playback(engine, tuning, output, times, delay):
        if outcome.accepted and outcome.command is not None:
            line = next((text for start, end, text in times if start <= outcome.at <= end + 3.0), "")
            taken.append((outcome.at, f"{outcome.text!r} ({outcome.confidence:.2f})", line))
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routine", default="heel-spur")
    parser.add_argument("--voice", choices=("piper", "espeak"), default="piper")
    parser.add_argument("--delay", type=float, action="append", help="seconds (repeatable; default 0.1 0.5 1 2)")
    arguments = parser.parse_args()
    voice = NATURAL[0] if arguments.voice == "piper" else Voice("espeak", "espeak", espeak("en-us", 160))
    output, times = cached_playback(arguments.routine, voice)
    choice = choose_engine("en", None, None)
    engine, tuning = load_engine(choice), tuning_for(choice)
    speech = sum(end - start for start, end, _ in times)
    print(f"{arguments.routine}: {len(times)} lines, {speech / 60:.1f} min of the player's speech ({voice.name}),"
          f" leaking back at gain {LEAK_GAIN}")
    counts = []
    for delay in arguments.delay or [0.1, 0.5, 1.0, 2.0]:
        taken = self_triggers(engine, tuning, output, times, delay)
        for at, heard, line in taken:
            print(f"  echo {delay:.1f} s: {at:7.1f} s {heard} during {line[:60]!r}")
        counts.append(f"{delay:.1f} s: {len(taken)}")
        print(f"self-triggers with the echo {delay:.1f} s late: {len(taken)}", flush=True)
    print("self-triggers by echo delay: " + "; ".join(counts))


if __name__ == "__main__":
    main()
