"""Commands said over the player: how often a person's "pause", "stop" or "it hurts" is taken while the
player's own voice leaks back into the microphone, and what else is taken instead.

The player speaks heel-spur as bench/self_triggers.py plays it (piper's joe, leaking back at -10 dB,
`--delay` seconds late). A session is begun at a line's start; `--after` seconds after its first word
(2 s by default: the e2e scenario's "pause" over the introduction, with nothing learnt yet of the echo)
a person says one phrase in one of the development set's natural voices, `--louder` dB above the echo
(a person two metres from a laptop: about 10). Each phrase is said once. Prints, per phrase: taken
as meant, taken as another command (the worst outcome), missed; and per voice.

    python bench/barge_in.py [--trials 60] [--after 2.0] [--delay 0.1] [--louder 10] [--no-cancel]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.self_triggers import LEAK_GAIN, cached_playback, hear_over_playback
from bench.voices import NATURAL
from voiceguide.adapters.backends import choose_engine, load_engine, tuning_for
from voiceguide.commands import match_phrase
from voiceguide.recognition import SAMPLE_RATE

# What a person says to stop the player mid-sentence (barge-in), and two commands that wait for it to
# finish unless its echo was taken out and they are heard clearly; never taken as another command.
BARGE_IN_PHRASES = ("pause", "stop", "it hurts", "wait")
WAITING_PHRASES = ("next", "repeat")
DECIDE_WITHIN = 3.0  # seconds after the phrase ends (tests/e2e/harness.py)


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples * samples)))


def trial(engine, tuning, output, times, line: int, phrase: str, voice, after: float, delay: float, louder: float,
          cancel: bool):  # fmt: skip
    """What one phrase said over the player comes to: (verdict, what was taken)."""
    session_start = times[line][0]
    said_at = session_start + after
    span = (session_start, said_at + DECIDE_WITHIN + 2.0)
    clip = voice.render(phrase)
    echo = LEAK_GAIN * output[int(session_start * SAMPLE_RATE) : int(span[1] * SAMPLE_RATE)]
    speaking = echo[np.abs(echo) > 0.05 * np.max(np.abs(echo))]
    clip = clip * (_rms(speaking) * 10 ** (louder / 20) / _rms(clip))
    person = np.zeros(len(output))
    at = int(said_at * SAMPLE_RATE)
    person[at : at + len(clip)] = clip
    said_end = said_at + len(clip) / SAMPLE_RATE
    meant = match_phrase(phrase, "en")
    taken = [
        outcome
        for outcome in hear_over_playback(engine, tuning, output, times, delay, person, span, cancel)
        if outcome.accepted and outcome.command is not None and said_at - 0.3 <= outcome.at <= said_end + DECIDE_WITHIN
    ]
    if not taken:
        return "missed", None
    first = taken[0].command
    if first is meant:
        return "taken", first
    return "other", first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=60, help="phrases said in all (default 60)")
    parser.add_argument("--after", type=float, default=2.0, help="seconds into the session (default 2)")
    parser.add_argument("--delay", type=float, default=0.1, help="how late the echo comes back (default 0.1 s)")
    parser.add_argument("--louder", type=float, default=10.0, help="the person above the echo, dB (default 10)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-cancel", action="store_true", help="without the echo canceller")
    arguments = parser.parse_args()
    output, times = cached_playback("heel-spur", NATURAL[0])
    choice = choose_engine("en", None, None)
    engine, tuning = load_engine(choice), tuning_for(choice)
    pick = random.Random(arguments.seed)
    speaking_lines = [n for n, (start, end, _) in enumerate(times) if end - start > arguments.after + 1.0]
    voices = NATURAL[:10]
    results: dict[str, Counter] = {}
    by_voice: dict[str, Counter] = {}
    for n in range(arguments.trials):
        phrases = BARGE_IN_PHRASES + WAITING_PHRASES
        phrase, voice, line = phrases[n % len(phrases)], voices[n % len(voices)], pick.choice(speaking_lines)
        verdict, command = trial(
            engine, tuning, output, times, line, phrase, voice, arguments.after, arguments.delay, arguments.louder,
            not arguments.no_cancel,
        )  # fmt: skip
        if phrase in WAITING_PHRASES and verdict == "missed":
            verdict = "waited"  # right: it is said again once the player has finished
        print(f"  {phrase!r:10} {voice.name:18} line {line:3}: {verdict}{'' if command is None else ' as ' + str(command)}",
              flush=True)  # fmt: skip
        results.setdefault(phrase, Counter())[verdict] += 1
        by_voice.setdefault(voice.name, Counter())[verdict] += 1
    print(f"said {arguments.after:.1f} s into a session, {arguments.louder:.0f} dB above the echo, "
          f"echo {arguments.delay:.1f} s late, {'without' if arguments.no_cancel else 'with'} echo cancellation")  # fmt: skip
    for phrase, counts in results.items():
        print(f"{phrase!r:10} " + ", ".join(f"{verdict} {count}" for verdict, count in sorted(counts.items())))
    barge = sum((results[p] for p in BARGE_IN_PHRASES if p in results), Counter())
    total = sum(barge.values())
    print(f"barge-in phrases taken as meant: {barge['taken']}/{total} ({100 * barge['taken'] / max(total, 1):.0f}%),"
          f" as another command: {barge['other']}")  # fmt: skip
    waiting = sum((results[p] for p in WAITING_PHRASES if p in results), Counter())
    print(f"other commands over the player taken as a barge-in: {waiting['other']}/{sum(waiting.values())},"
          f" taken as said: {waiting['taken']}")  # fmt: skip
    for name, counts in by_voice.items():
        print(f"  {name:18} " + ", ".join(f"{verdict} {count}" for verdict, count in sorted(counts.items())))


if __name__ == "__main__":
    main()
