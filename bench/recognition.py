"""Measure the command recognizer on a development set (bench/dataset.py), as `voiceguide hear` runs it.

Prints, per listening condition and per voice: commands right (exactly the intended command and
nothing else, said once), ordinary sentences that produced any command; then decision latency
(`at` minus the end of the spoken phrase, p50 and p95), recognizer CPU as a fraction of one core
in real time, how many commands a person would have had to say again (every miss), and the
commands most often heard as another one (the confusable pairs).

    python bench/recognition.py [--set natural|espeak] [--engine NAME] [--verbose] [--no-second-opinion]
    python bench/recognition.py --lang ko --engine vosk       # the Korean espeak-ng set
    python bench/recognition.py --sweep   # commands right / false commands for a range of thresholds
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dataset import LEARNING_THE_ROOM, Clip, build, build_natural
from voiceguide.adapters.backends import choose_engine, engine_names, load_engine, tuning_for
from voiceguide.adapters.whisper_opinion import load_second_opinion
from voiceguide.commands import match_phrase
from voiceguide.decoding import SecondOpinion
from voiceguide.hear import read_wav, recognize_by_step
from voiceguide.recognition import SAMPLE_RATE, Engine, Outcome, Tuning


@dataclass(frozen=True)
class Result:
    clip: Clip
    outcomes: list[Outcome]
    cpu: float
    audio_seconds: float
    while_learning: int = 0  # commands taken in the first seconds of talk, while the room was new
    waited: tuple[float, ...] = ()  # per outcome: wall seconds its decision waited for the second opinion


def wanted(clip: Clip, language: str) -> str | None:
    if clip.command:
        return clip.command
    meant = match_phrase(clip.core, language)
    return meant.value if meant is not None else None


def judged(
    clip: Clip, outcomes: list[Outcome], language: str, waited: tuple[float, ...] = ()
) -> tuple[bool, float | None]:
    """Whether the clip came out right, and the latency of the intended command when it did: from the end
    of the phrase to the audio position it was decided at, plus what the decision waited for the second
    opinion."""
    accepted = [(o, wait) for o, wait in zip(outcomes, waited or (0.0,) * len(outcomes), strict=True) if o.accepted]
    if clip.kind == "sentence":
        return not accepted, None
    right = (
        len(accepted) == 1
        and accepted[0][0].command is not None
        and accepted[0][0].command.value == wanted(clip, language)
    )
    return right, (accepted[0][0].position - clip.phrase_end + accepted[0][1]) if right else None


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}% ({part}/{whole})" if whole else "   n/a"


class TimedOpinion:
    """The second opinion, with the wall time of each time it was asked: the decision waits for it."""

    def __init__(self, opinion: SecondOpinion) -> None:
        self.name = opinion.name
        self._opinion = opinion
        self.waits: list[float] = []
        self._untaken = 0.0

    def transcribe(self, pcm: bytes) -> str:
        started = time.perf_counter()
        text = self._opinion.transcribe(pcm)
        self.waits.append(time.perf_counter() - started)
        self._untaken += self.waits[-1]
        return text

    def take_waits(self) -> float:
        """The seconds waited since last asked: what the decisions of one step of audio waited for."""
        untaken, self._untaken = self._untaken, 0.0
        return untaken


def decode_all(
    engine: Engine,
    clips: list[Clip],
    folder: Path,
    tuning: Tuning | None = None,
    learning: float = 0.0,
    opinion: TimedOpinion | None = None,
) -> list[Result]:
    """Every clip through the recognizer. In talk clips, outcomes of the first `learning` seconds (the
    listener meeting the talk) are not judged with the clip but counted apart."""
    results = []
    for clip in clips:
        pcm = read_wav(folder / clip.path)
        started = time.process_time()
        outcomes: list[Outcome] = []
        waited: list[float] = []
        for step in recognize_by_step(engine, pcm, tuning, second_opinion=opinion):
            asked = opinion.take_waits() if opinion is not None else 0.0
            outcomes += step
            waited += [asked] * len(step)
        cpu = time.process_time() - started
        early = [o for o in outcomes if clip.condition.startswith("talk") and o.position < learning]
        taken_early = sum(o.accepted for o in early)
        kept = slice(len(early), None)
        results.append(
            Result(clip, outcomes[kept], cpu, len(pcm) / 2 / SAMPLE_RATE, taken_early, tuple(waited[kept]))
        )
    return results


def table(title: str, keys: list[str], rows: dict[str, tuple[list[bool], list[bool]]]) -> None:
    print(f"{title:18s} {'commands right':>20s} {'sentences -> command':>22s}")
    for key in keys:
        commands, sentences = rows[key]
        line = f"{key:18s} {percent(sum(commands), len(commands)):>20s}"
        print(line + f" {percent(len(sentences) - sum(sentences), len(sentences)):>22s}")


def report(engine: Engine, language: str, results: list[Result], verbose: bool) -> None:
    by_condition: dict[str, tuple[list[bool], list[bool]]] = defaultdict(lambda: ([], []))
    by_voice: dict[str, tuple[list[bool], list[bool]]] = defaultdict(lambda: ([], []))
    latencies: list[float] = []
    confusions: Counter[tuple[str, str]] = Counter()
    for result in results:
        clip = result.clip
        ok, latency = judged(clip, result.outcomes, language, result.waited)
        slot = 0 if clip.kind == "command" else 1
        for rows, key in ((by_condition, clip.condition), (by_condition, "overall"), (by_voice, clip.voice)):
            rows[key][slot].append(ok)
        if latency is not None:
            latencies.append(latency)
        heard = [o.command.value for o in result.outcomes if o.accepted and o.command is not None]
        if clip.kind == "command" and not ok:
            confusions[clip.core, ",".join(heard) or "-"] += 1
        if verbose and not ok:
            said = [
                (o.text, o.command and o.command.value, o.confidence, o.rejected) for o in result.outcomes
            ]
            print(f"  MISS {clip.condition} {clip.kind} {clip.phrase!r} {clip.voice}: {said}")
    audio = sum(r.audio_seconds for r in results)
    print(f"engine {engine.name} ({language}), {len(results)} clips, {audio:.0f} s of audio")
    conditions = list(dict.fromkeys(r.clip.condition for r in results))
    table("condition", [*conditions, "overall"], by_condition)
    table("voice", sorted(by_voice), by_voice)
    if latencies:
        ordered = sorted(latencies)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(
            "decision latency after the phrase ends, waits for the second opinion included:"
            f" median {statistics.median(ordered):.2f} s, p95 {p95:.2f} s"
        )
    print(f"recognizer CPU: {sum(r.cpu for r in results) / audio:.3f} of one core in real time")
    talk = [r for r in results if r.clip.condition.startswith("talk")]
    if talk and any(r.while_learning for r in results):
        print(
            f"commands taken from the talk itself in its first {LEARNING_THE_ROOM:.0f} s:"
            f" {sum(r.while_learning for r in talk)} in {len(talk)} clips"
        )
    ending = by_phrase_meaning(results, language, "quit")
    figures = "; ".join(f"{phrase!r} {percent(sum(v), len(v)).strip()}" for phrase, v in ending.items())
    print(f"ending the session, by phrase: {figures}")
    commands = by_condition["overall"][0]
    print(f"commands that had to be said again: {len(commands) - sum(commands)} of {len(commands)}")
    wrong = [(pair, n) for pair, n in confusions.most_common() if pair[1] != "-"]
    print(
        "heard as another command: " + ("; ".join(f"{s!r} -> {h} x{n}" for (s, h), n in wrong[:12]) or "none")
    )
    missed = [(said, n) for (said, heard), n in confusions.most_common() if heard == "-"]
    print("most often missed: " + "; ".join(f"{s!r} x{n}" for s, n in missed[:12]))


def by_phrase_meaning(results: list[Result], language: str, command: str) -> dict[str, list[bool]]:
    """Per phrase said for `command` (fillers aside), whether each clip came out right."""
    rows: dict[str, list[bool]] = defaultdict(list)
    for result in results:
        if result.clip.kind == "command" and wanted(result.clip, language) == command:
            rows[result.clip.core].append(judged(result.clip, result.outcomes, language)[0])
    return rows


def sweep(language: str, results_at_zero: list[Result]) -> None:
    """Judge outcomes decoded with no confidence threshold under each threshold."""
    print(f"{'threshold':>9s} {'commands right':>16s} {'sentences -> command':>22s}")
    commands = sum(r.clip.kind == "command" for r in results_at_zero)
    for threshold in (0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8):
        right = false = 0
        for result in results_at_zero:
            kept = [o for o in result.outcomes if o.accepted and o.confidence >= threshold]
            ok, _ = judged(result.clip, kept, language)
            if result.clip.kind == "command":
                right += ok
            else:
                false += not ok
        sentences = len(results_at_zero) - commands
        print(f"{threshold:9.2f} {percent(right, commands):>16s} {percent(false, sentences):>22s}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("natural", "espeak"), default="natural")
    parser.add_argument("--engine", choices=engine_names())
    parser.add_argument("--lang", default="en")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--condition", action="append", help="only these conditions (repeatable)")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--no-second-opinion", action="store_true", help="the grammar decoder alone")
    parser.add_argument("--sweep", action="store_true")
    arguments = parser.parse_args()
    natural = arguments.lang == "en" and arguments.set == "natural"
    folder, clips = build_natural() if natural else build(arguments.lang)
    learning = LEARNING_THE_ROOM if natural else 0.0
    if arguments.condition:
        clips = [c for c in clips if c.condition in arguments.condition]
    choice = choose_engine(arguments.lang, arguments.engine, arguments.model)
    engine, tuning = load_engine(choice), tuning_for(choice)
    loaded = None if arguments.no_second_opinion else load_second_opinion(arguments.lang)
    opinion = TimedOpinion(loaded) if loaded is not None else None
    if arguments.sweep:
        sweep(
            arguments.lang,
            decode_all(engine, clips, folder, replace(tuning, threshold=0.0), learning, opinion),
        )
        return
    report(
        engine,
        arguments.lang,
        decode_all(engine, clips, folder, tuning, learning, opinion),
        arguments.verbose,
    )
    if opinion is None:
        print("second opinion: none")
    elif opinion.waits:
        waits = sorted(opinion.waits)
        p95 = waits[min(len(waits) - 1, int(0.95 * len(waits)))]
        print(
            f"second opinion ({opinion.name}): asked about {len(waits)} utterances; each decision it was asked"
            f" about came {statistics.median(waits):.2f} s later (p95 {p95:.2f} s)"
        )


if __name__ == "__main__":
    main()
