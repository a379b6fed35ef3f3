"""Measure the command recognizer on the espeak-ng development set (bench/dataset.py).

Prints, per listening condition and overall: commands right (exactly the intended command and
nothing else), ordinary sentences that produced any command, decision latency (`at` minus the end
of the spoken phrase) and recognizer CPU as a fraction of one core in real time. Also the naive
baseline: a pocketsphinx grammar of only the commands, whole clip at once, no rejection.

    python bench/recognition.py [--engine pocketsphinx|vosk] [--lang en|ko] [--per-condition N] [--verbose]
    python bench/recognition.py --sweep   # commands right / false commands for a range of thresholds
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dataset import CONDITIONS, Clip, build
from voiceguide.adapters.models import choose_engine, load_engine
from voiceguide.commands import match_phrase, phrase_table
from voiceguide.hear import read_wav, recognize
from voiceguide.recognition import SAMPLE_RATE, Engine, Outcome, Tuning


def judged(clip: Clip, outcomes: list[Outcome], language: str) -> tuple[bool, float | None]:
    """Whether the clip came out right, and the latency of the intended command when it did."""
    accepted = [o for o in outcomes if o.accepted]
    if clip.kind == "sentence":
        return not accepted, None
    wanted = match_phrase(clip.core, language)
    right = len(accepted) == 1 and accepted[0].command == wanted
    return right, (accepted[0].position - clip.phrase_end) if right else None


class _Naive:
    """The baseline: pocketsphinx, a grammar of only the commands, the whole clip decoded at once."""

    def __init__(self) -> None:
        import pocketsphinx

        phrases = " | ".join(phrase_table("en"))
        self._decoder = pocketsphinx.Decoder(loglevel="FATAL", lm=None)
        self._decoder.add_jsgf_string("commands", f"#JSGF V1.0;\ngrammar c;\npublic <c> = ({phrases});\n")
        self._decoder.activate_search("commands")

    def process(self, audio: bytes) -> str:
        self._decoder.start_utt()
        self._decoder.process_raw(audio, full_utt=True)
        self._decoder.end_utt()
        hypothesis = self._decoder.hyp()
        return hypothesis.hypstr if hypothesis is not None else ""


@functools.cache
def _naive_decoder() -> _Naive:
    return _Naive()


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}% ({part}/{whole})" if whole else "   n/a"


def run(
    engine: Engine, language: str, clips: list[Clip], folder: Path, baseline: bool, verbose: bool
) -> None:
    right: dict[str, list[bool]] = defaultdict(list)
    false_alarms: dict[str, list[bool]] = defaultdict(list)
    naive_right: dict[str, list[bool]] = defaultdict(list)
    naive_false: dict[str, list[bool]] = defaultdict(list)
    latencies: list[float] = []
    cpu = audio_seconds = 0.0
    for clip in clips:
        pcm = read_wav(folder / clip.path)
        started = time.process_time()
        outcomes = recognize(engine, pcm)
        cpu += time.process_time() - started
        audio_seconds += len(pcm) / 2 / SAMPLE_RATE
        ok, latency = judged(clip, outcomes, language)
        (right if clip.kind == "command" else false_alarms)[clip.condition].append(ok)
        if latency is not None:
            latencies.append(latency)
        if verbose and not ok:
            said = [(o.text, o.command and o.command.value, o.confidence, o.rejected) for o in outcomes]
            print(f"  MISS {clip.condition} {clip.kind} {clip.phrase!r} {clip.voice} {clip.speed}: {said}")
        if baseline:
            heard = match_phrase(_naive_decoder().process(pcm), language)
            if clip.kind == "command":
                naive_right[clip.condition].append(heard == match_phrase(clip.core, language))
            else:
                naive_false[clip.condition].append(heard is None)
    print(f"engine {engine.name} ({language}), {len(clips)} clips, {audio_seconds:.0f} s of audio")
    print(f"{'condition':10s} {'commands right':>20s} {'sentences -> command':>22s}", end="")
    print(f" {'naive right':>20s} {'naive sentences->cmd':>22s}" if baseline else "")
    for condition in (*CONDITIONS, "overall"):
        if condition == "overall":
            commands = [x for v in right.values() for x in v]
            sentences = [x for v in false_alarms.values() for x in v]
            n_right = [x for v in naive_right.values() for x in v]
            n_false = [x for v in naive_false.values() for x in v]
        else:
            commands, sentences = right[condition], false_alarms[condition]
            n_right, n_false = naive_right[condition], naive_false[condition]
        line = f"{condition:10s} {percent(sum(commands), len(commands)):>20s}"
        line += f" {percent(len(sentences) - sum(sentences), len(sentences)):>22s}"
        if baseline:
            line += f" {percent(sum(n_right), len(n_right)):>20s}"
            line += f" {percent(len(n_false) - sum(n_false), len(n_false)):>22s}"
        print(line)
    if latencies:
        ordered = sorted(latencies)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(f"latency after the phrase ends: median {statistics.median(ordered):.2f} s, p95 {p95:.2f} s")
    print(f"recognizer CPU: {cpu / audio_seconds:.3f} of one core in real time")


def sweep(engine: Engine, language: str, clips: list[Clip], folder: Path) -> None:
    """Decode once with no confidence threshold, then judge the outcomes under each threshold."""
    decoded = [
        (clip, recognize(engine, read_wav(folder / clip.path), Tuning(threshold=0.0))) for clip in clips
    ]
    print(f"{'threshold':>9s} {'commands right':>16s} {'sentences -> command':>22s}")
    for threshold in (0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8):
        right = false = 0
        for clip, outcomes in decoded:
            ok, _ = judged(clip, [o for o in outcomes if o.accepted and o.confidence >= threshold], language)
            if clip.kind == "command":
                right += ok
            else:
                false += not ok
        commands = sum(c.kind == "command" for c in clips)
        print(
            f"{threshold:9.2f} {percent(right, commands):>16s} {percent(false, len(clips) - commands):>22s}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("pocketsphinx", "vosk"))
    parser.add_argument("--lang", default="en")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--per-condition", type=int, default=120)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--sweep", action="store_true")
    arguments = parser.parse_args()
    folder, clips = build(arguments.lang, arguments.per_condition)
    engine = load_engine(choose_engine(arguments.lang, arguments.engine, arguments.model))
    if arguments.sweep:
        sweep(engine, arguments.lang, clips, folder)
        return
    baseline = arguments.lang == "en" and not arguments.no_baseline
    run(engine, arguments.lang, clips, folder, baseline, arguments.verbose)


if __name__ == "__main__":
    main()
