"""Finding commands in a stream of audio: utterances, talk in the room and the player's own voice.

Every decision about recognized speech is made here and in voiceguide.judging, away from the microphone
and the speech engines, so a live stream, a WAV file (`voiceguide hear`) and a test all go through the
same code. This module finds the utterances and measures them; the judge decides what each one is. An
engine only decodes the audio of one utterance against a small grammar and says how well it fits.

Why utterances: a command must stand alone between pauses. Ordinary talk in the room is long or
does not fit the grammar, so we cut the audio at pauses with an energy detector that follows the
noise floor (or, while a radio or other people talk on, the level of that talk), and judge each cut
as a whole: its length, the quiet before it (a command word said straight after other talk belongs
to that talk), its words (only one command plus filler words), and the engine's fit score against a
per-command threshold. While the player itself is audible, whole-utterance matching cannot work (its
voice overlaps the person's), so a keyword spotter listens for the barge-in commands only, and any
word the player said just then is ignored.

Words alone do not stop the player obeying itself: heard through a laptop's own speakers, "pain"
can decode as "pause". So the recognizer also knows how loud each moment of the player's output
was (OwnVoice.played) and learns how loud that comes back through the microphone (EchoGate): a
command needs enough frames louder than the echo explains, which only a person in the room makes.
The echo alone never begins an utterance either, and an utterance over it ends when the person does:
one begun by the echo ran on with it, and a command said inside it was judged too long, unheard.
And since the recognizer knows every sample played, an echo canceller takes the player's voice out of
what the decoders hear, once it is seen to work; the levels stay those of the microphone.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from voiceguide.commands import Command
from voiceguide.decoding import (
    SAMPLE_RATE,
    Decoding,
    EchoCanceller,
    Engine,
    FrontEnd,
    Hypothesis,
    Mode,
    SecondOpinion,
    Tuning,
)
from voiceguide.echo_alignment import EchoAlignment
from voiceguide.judging import Heard, Judge, Rejection, Verdict
from voiceguide.own_voice import CONTIGUOUS_WITHIN, OwnVoice
from voiceguide.stream_clock import EarliestArrival

FRAME_SAMPLES = 480  # 30 ms: the detector's step
FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE
# The learnt echo delay is known to a frame or two, so the echo may come back this much sooner than it says:
# the echo gate looks that far ahead for output that explains a sound (bench/self_triggers.py: the onset of
# "Step" taken for a person's "stop" when the delay was learnt 50 ms long), and the canceller is given the
# output that much sooner (its filter can only model an echo that comes after what it is given).
ECHO_SOONER = 2 * FRAME_SECONDS
# Once the echo's lag is known to the sample (EchoAlignment), the canceller is given the output this much
# sooner than its echo, for the microphone's dating jittering by a few milliseconds from chunk to chunk.
ALIGNED_SOONER = 0.005
# An echo learnt early must be heard this far (dB) above the room in this share of the output's loud frames.
ECHO_ABOVE_ROOM_DB = 6.0
ECHO_THROUGHOUT = 0.8
ECHO_FRAMES_TO_JUDGE = 30  # frames of the echo alone over which the canceller is judged (about a second)
INT16_FULL_SCALE = 32768.0
INT16_FULL_SCALE_DB = 20.0 * math.log10(INT16_FULL_SCALE)
# A sound server under load fills microphone data that came late with exact zeros (seen on PipeWire, many
# times a minute). Taken for a quiet room they set the floor far under it, and every sound after was one
# endless utterance: minutes deaf to commands. A run this long of zeros is a gap, not a room (at a room's
# quietest, a few int16 steps, such a run never happens by chance) ...
DROPOUT_SAMPLES = 32
# ... unless it lasts: a microphone that gates its own silence to zeros does give them for seconds.
DROPOUTS_TRUSTED_AFTER = round(1.0 / FRAME_SECONDS)


@dataclass(frozen=True)
class Outcome:
    """What one utterance came to. `rejected` says why it is not a command (None: accepted).

    `at` and the speech times are on the caller's clock; `position` is seconds of audio since the
    stream began, which `voiceguide hear` prints. `by` names what read it: the engine's spotter, the
    engine's grammar decoder, or the second opinion.
    """

    text: str
    command: Command | None
    number: int | None
    confidence: float
    at: float
    position: float
    speech_start: float
    speech_end: float
    rejected: Rejection | None = None
    by: str = ""

    @property
    def accepted(self) -> bool:
        return self.rejected is None


class EchoGate:
    """Tells a person's voice from the player's own output coming back through the microphone.

    For every frame it gets the microphone's level and the loudest output block that could be
    echoing in it (both dBFS). Their difference is the coupling: how much quieter the echo is than
    what was played (a laptop: about -10 dB; headphones: the room's noise far below). The coupling
    is learnt as a high percentile of recent differences, from frames where the output is loud (in
    its quiet moments the microphone hears only the room, which says nothing about the echo) and
    which were not the person's: someone talking over the player must not teach it that the echo is
    louder. Until there is enough to learn from, the echo is assumed as loud as the output itself.
    If most recent frames seem the person's, the echo itself has grown (the speaker turned up): they
    are learnt from too.
    """

    SILENT_OUTPUT_DB = -70.0  # output quieter than this cannot be heard back
    LEARN_FROM_DB = -45.0  # output at least this loud (speech is about -20 dBFS) shows the coupling

    def __init__(self, margin_db: float, history: int = 500, warmup: int = 15, percentile: float = 90.0) -> None:
        self._margin = margin_db
        self._differences: deque[float] = deque(maxlen=history)
        self._recent_person: deque[bool] = deque(maxlen=100)
        self._warmup = warmup
        self._percentile = percentile
        self.coupling_db = 0.0

    def above_echo_db(self, heard_db: float, played_db: float) -> float:
        """How far this frame is above the echo expected of the output (infinite while nothing plays);
        `margin_db` above it, a person is in it. Call once per frame: it learns from the frame."""
        if played_db < self.SILENT_OUTPUT_DB:
            return math.inf
        above = heard_db - played_db - self.coupling_db
        if played_db >= self.LEARN_FROM_DB:
            louder = above > self._margin
            self._recent_person.append(louder)
            if not louder or 2 * sum(self._recent_person) > self._recent_person.maxlen:
                self._learn(heard_db - played_db)
        return above

    def _learn(self, difference: float) -> None:
        self._differences.append(difference)
        if len(self._differences) >= self._warmup:
            self.coupling_db = float(np.percentile(self._differences, self._percentile))


class EchoDelay:
    """How late the player's output comes back through the microphone, learnt from the sound itself.

    The player dates each block of output as it expects it to be heard; a loaded sound server plays it
    later, and a microphone's data can come late too: together up to seconds (the e2e rig: 2 s), where
    a fixed allowance of a quarter second let the late echo of "And up" pass for a person's "help". So
    the output's level envelope is matched with the microphone's over the last seconds, and the lag
    where they agree best is the delay, once they agree well enough (with headphones they never do,
    and the delay stays 0).

    A person's first "pause" comes a second or two into the session, so the search begins early, more
    often, and provisionally (an estimate over the whole history that finds no delay undoes it). A person's
    word over the player's first seconds can look like their echo, so an early estimate is held to more:
    delays up to a second only (a word said 2 s in was taken for an echo 2 s late), a second of the
    player's sound, closer agreement (over a second, "ready please" after "Say ready when you are set"
    agreed with it at 0.66, an echo at 0.8 to 1.0), and an echo heard throughout.
    """

    def __init__(self, longest: float, history: float = 10.0, every: float = 1.0, agreement: float = 0.6,
                 shortest: float = 1.0, early_every: float = 0.2, early_agreement: float = 0.8,
                 early_longest: float = 1.0) -> None:  # fmt: skip
        """Looks for delays up to `longest` seconds, every `every` seconds, in the last `history` seconds,
        comparing at least `shortest` seconds of output at every delay, and takes one only where the two
        envelopes' correlation is above `agreement`. Until it can look for every delay it looks every
        `early_every` seconds for delays up to `early_longest`, in at least `shortest` seconds of the
        player's sound, needing `early_agreement`."""
        self._lags = round(longest / FRAME_SECONDS)
        self._played: deque[float] = deque(maxlen=round(history / FRAME_SECONDS))
        self._heard: deque[float] = deque(maxlen=round(history / FRAME_SECONDS))
        self._every = round(every / FRAME_SECONDS)
        self._early_every = round(early_every / FRAME_SECONDS)
        self._early_lags = round(early_longest / FRAME_SECONDS)
        self._shortest = round(shortest / FRAME_SECONDS)
        self._full = self._lags + round(4.0 / FRAME_SECONDS)  # frames for a search over every delay
        self._agreement = agreement
        self._early_agreement = early_agreement
        self._since = 0
        self._found: int | None = None  # the lag the last estimate found
        self._provisional = False  # the delay taken was found before the whole range could be searched
        self.seconds = 0.0

    def follow(self, heard_db: float, played_db: float) -> None:
        """One frame: the microphone's level and the output's, both dBFS, dated alike."""
        self._heard.append(heard_db)
        self._played.append(max(played_db, EchoGate.SILENT_OUTPUT_DB))
        self._since += 1
        early = len(self._played) < self._full
        if self._since >= (self._early_every if early else self._every) and len(self._played) > self._shortest:
            self._since = 0
            longest = min(self._early_lags, self._lags) if early else self._lags
            self._estimate(min(longest, len(self._played) - self._shortest), provisional=early)

    def _estimate(self, lags: int, provisional: bool) -> None:
        """Correlate over the frames where the output was loud only: a person answering the player a moment
        after each line makes the envelopes agree in when there is sound, an echo in how it rises and
        falls within the words too. A lag is taken once two estimates in a row find it."""
        span = len(self._played) - lags
        played = np.asarray(self._played)[:span]
        loud = played >= EchoGate.LEARN_FROM_DB
        if np.count_nonzero(loud) < max(0.2 * span, self._shortest if provisional else 0):
            return  # too little output to show its echo
        heard = np.asarray(self._heard)
        out = played[loud] - played[loud].mean()
        scale = np.sqrt(np.sum(out * out))
        best, found = self._early_agreement if provisional else self._agreement, None
        for lag in range(lags + 1):
            back = heard[lag : lag + span][loud]
            back = back - back.mean()
            agreement = float(np.sum(out * back) / (scale * np.sqrt(np.sum(back * back)) + 1e-9))
            if agreement > best:
                best, found = agreement, lag
        if provisional and found is not None and not _echo_throughout(heard[found : found + span][loud], heard):
            found = None
        if found is not None and self._found is not None and abs(found - self._found) <= 1:
            if abs(found * FRAME_SECONDS - self.seconds) > 1.5 * FRAME_SECONDS:
                # Estimates a frame apart are the same delay: each move makes the echo canceller learn anew.
                self.seconds = found * FRAME_SECONDS
            self._provisional = provisional
        elif found is None and self._provisional and not provisional:
            self.seconds, self._provisional = 0.0, False
        self._found = found


def _echo_throughout(echoing: np.ndarray, heard: np.ndarray) -> bool:
    """Whether the microphone's levels where the output was loud (`echoing`, at the lag found) stand above the
    room (the quiet tenth of all it `heard`) nearly every time, as an echo does: a person's word over the
    player's first seconds agrees with one of its words, not with all of them (with headphones, a busy e2e
    run took a "pause" for an echo 2 s late)."""
    room = np.percentile(heard, 10)
    return float(np.mean(echoing > room + ECHO_ABOVE_ROOM_DB)) >= ECHO_THROUGHOUT


class _Utterance:
    """The audio and decoding state of the utterance in progress."""

    def __init__(
        self,
        start_frame: int,
        frames: list[bytes],
        decoding: Decoding | None,
        follows_talk: bool,
        over_talk: bool,
    ) -> None:
        self.start_frame = start_frame
        self.follows_talk = follows_talk  # it began too soon after other talk to be a command
        self.over_talk = over_talk  # it began while talk in the room went on
        self.audio: list[bytes] = frames
        self.last_speech = start_frame
        self.quiet = 0
        self.decoding = decoding
        self.spotting: Decoding | None = None
        self.too_long = False
        self.decided = False

    @property
    def speech_seconds(self) -> float:
        """From its onset to its last loud frame."""
        return (self.last_speech - self.start_frame) * FRAME_SECONDS


def _mean_square(frame: bytes) -> float:
    """A frame's power, in int16 steps squared."""
    samples = np.frombuffer(frame, dtype=np.int16).astype(np.float32)
    return float(np.mean(samples * samples))


def _level(frame: bytes) -> float:
    """A frame's power in dB above one int16 step squared."""
    return 10.0 * math.log10(_mean_square(frame) + 1.0)


def _db(power: float) -> float:
    """A mean square (full scale 1.0) in dBFS."""
    return 10.0 * math.log10(power + 1e-12)


def _has_dropout(frame: bytes) -> bool:
    """Whether the frame holds a run of DROPOUT_SAMPLES exact zeros: data the sound server did not deliver."""
    zeros = np.frombuffer(frame, dtype=np.int16) == 0
    if np.count_nonzero(zeros) < DROPOUT_SAMPLES:
        return False
    runs = np.convolve(zeros, np.ones(DROPOUT_SAMPLES, dtype=np.int16), mode="valid")
    return bool(runs.max() >= DROPOUT_SAMPLES)


class Floor:
    """The background level: follows quiet moments down at once and creeps up slowly through sound,
    more slowly still during an utterance. (A low percentile of recent levels cut sentences into
    command-sized pieces: twice the false commands on the development set.)"""

    def __init__(self) -> None:
        self.level: float | None = None
        self._dropouts = 0  # frames in a row with a dropout in them

    def follow(self, level: float, busy: bool, dropout: bool = False) -> float:
        self._dropouts = self._dropouts + 1 if dropout else 0
        if 0 < self._dropouts < DROPOUTS_TRUSTED_AFTER:  # a gap in the data says nothing about the room
            return self.level if self.level is not None else level
        if self.level is None or level < self.level:
            self.level = level
        else:
            self.level += min(level - self.level, 0.005 if busy else 0.03)
        return self.level


class Talk:
    """Ongoing talk in the room: the level that most of the last `window` frames of room sound stay
    under, or None while that is not speech-loud. It learns only from sound that may not be a command
    (between utterances, or an utterance already too long), so a command never raises its own bar."""

    def __init__(self, tuning: Tuning) -> None:
        self._levels: deque[float] = deque(maxlen=round(tuning.talk_window / FRAME_SECONDS))
        self._percentile = tuning.talk_percentile
        self._speech_db = tuning.on_db
        self.level: float | None = None

    def follow(self, level: float, floor: float, learn: bool) -> float | None:
        if not learn:
            return self.level
        self._levels.append(level)
        self.level = None
        if 2 * len(self._levels) >= self._levels.maxlen:
            talk = float(np.percentile(self._levels, self._percentile))
            self.level = talk if talk > floor + self._speech_db else None
        return self.level


class CommandRecognizer:
    """Turns a stream of 16 kHz mono int16 audio into command outcomes.

    `feed(pcm, end_time)` takes any chunk size; `end_time` is the clock time of its last sample, or a time by
    which it had arrived: the stream is dated by its chunks' earliest arrivals (stream_clock).
    """

    def __init__(
        self,
        engine: Engine,
        own_voice: OwnVoice | None = None,
        tuning: Tuning | None = None,
        front_end: FrontEnd | None = None,
        canceller: EchoCanceller | None = None,
        second_opinion: SecondOpinion | None = None,
    ) -> None:
        self.engine = engine
        self._spotter = f"{engine.name} spotter"
        self._canceller = canceller
        self._second_opinion = second_opinion
        self._output_at: float | None = None  # where the output given to the canceller last ended
        # Mean squares before and after the canceller, over recent frames of the player's echo alone.
        self._echo_taken_out: deque[tuple[float, float]] = deque(maxlen=ECHO_FRAMES_TO_JUDGE)
        self._front_end = front_end
        self._room = Floor()  # the room's own sound, before any cleaning
        self._suppressing = False
        self.language = engine.language
        self.own_voice = own_voice or OwnVoice()
        self.tuning = tuning or Tuning()
        self._alignment = EchoAlignment(SAMPLE_RATE, self.tuning.longest_echo_delay)
        self._judge = Judge(self.language, self.tuning, self.own_voice)
        self._pending = b""
        self._frames = 0  # frames seen since the stream began
        self._arrival = EarliestArrival()
        self._clock_offset = 0.0  # clock time minus audio position, as the chunks' earliest arrivals show it
        self._floor = Floor()
        self._talk = Talk(self.tuning)
        self._recent: deque[bool] = deque(maxlen=5)
        self._preroll: deque[bytes] = deque(maxlen=max(1, round(self.tuning.preroll / FRAME_SECONDS)))
        self._utterance: _Utterance | None = None
        self._echo = EchoGate(self.tuning.echo_margin_db)
        self._echo_delay = EchoDelay(self.tuning.longest_echo_delay)
        # Per recent frame: None when quiet, else whether it is louder than the echo explains.
        self._voiced: deque[bool | None] = deque(maxlen=round(self.tuning.max_speech / FRAME_SECONDS))
        self._last_person_frame: int | None = None  # the latest loud frame that was not the player's echo
        self._talk_end: int | None = None  # that frame as of the end of the last utterance

    @property
    def echo_delay(self) -> float:
        """How late the player's own voice comes back, in seconds, as learnt so far."""
        return self._echo_delay.seconds

    @property
    def echo_aligned(self) -> float | None:
        """How late the player's own voice comes back, to the sample, as the echo rules and the canceller now
        date it; None until the waveforms show it (EchoDelay's envelopes are used until then)."""
        return self._alignment.lag

    def use_second_opinion(self, opinion: SecondOpinion | None) -> None:
        """From the next utterance on, ask `opinion` about what the grammar decoder could not place."""
        self._second_opinion = opinion

    def expect_numbers(self, enabled: bool) -> None:
        """Number words join the grammar from the next utterance on (a pain check-in)."""
        self._judge.numbers = enabled

    def feed(self, pcm: bytes, end_time: float) -> list[Outcome]:
        data = self._pending + pcm
        usable = len(data) - len(data) % (2 * FRAME_SAMPLES)
        self._pending = data[usable:]
        self._clock_offset = self._arrival.offset((self._frames * FRAME_SAMPLES + len(data) // 2) / SAMPLE_RATE, end_time)
        outcomes: list[Outcome] = []
        for offset in range(0, usable, 2 * FRAME_SAMPLES):
            frame = data[offset : offset + 2 * FRAME_SAMPLES]
            dropout = _has_dropout(frame)
            outcome = self._frame(self._cleaned(frame, dropout), dropout)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    def flush(self) -> list[Outcome]:
        """The stream ended: judge the utterance in progress, as if silence followed."""
        if self._utterance is None:
            return []
        outcome = self._end_utterance()
        return [outcome] if outcome is not None else []

    # The front end, the detector, one 30 ms frame at a time.

    def _cleaned(self, frame: bytes, dropout: bool) -> bytes:
        """The frame through the front end while the room is loud enough to call for it.

        The front end hears every frame, so its picture of the noise is current when it is switched
        in; it is switched only between utterances, so no utterance is decoded half cleaned."""
        above = self.tuning.suppress_noise_above_db
        if self._front_end is None or above is None:
            return frame
        room = self._room.follow(_level(frame), self._utterance is not None, dropout) - INT16_FULL_SCALE_DB
        if self._utterance is None:
            hysteresis = self.tuning.suppress_hysteresis_db if self._suppressing else 0.0
            self._suppressing = room > above - hysteresis
        cleaned = self._front_end.process(frame)
        return cleaned if self._suppressing else frame

    def _frame(self, frame: bytes, dropout: bool = False) -> Outcome | None:
        level = _level(frame)
        floor = self._floor.follow(level, self._utterance is not None, dropout)
        played_db = self._played_db()
        maybe_command = self._utterance is not None and not self._utterance.too_long
        learn = not (maybe_command or dropout or self._player_echoing())
        talk = self._talk.follow(level, floor, learn)
        speech_at, going_at = self._thresholds(floor, talk)
        above_echo = self._echo.above_echo_db(level - INT16_FULL_SCALE_DB, played_db)
        person = above_echo > self.tuning.echo_margin_db
        beyond_echo = above_echo > self.tuning.echo_going_db
        loud = level > speech_at and beyond_echo
        self._frames += 1
        self._recent.append(loud and person)
        self._echo_delay.follow(level - INT16_FULL_SCALE_DB, self._played_now_db())
        # The echo rules count frames against the room's floor alone, so talk in the room (or the
        # player's late echo taken for it) never hides the player's words from them.
        self._voiced.append(person if level > floor + self.tuning.on_db else None)
        if loud and person:
            self._last_person_frame = self._frames
        frame = self._cancelled(frame, echo_only=played_db >= EchoGate.LEARN_FROM_DB and not person)
        utterance = self._utterance
        if utterance is None:
            self._preroll.append(frame)
            if sum(self._recent) >= self.tuning.onset_frames:
                self._begin_utterance()
            return None
        utterance.audio.append(frame)
        if utterance.decoding is not None:
            utterance.decoding.feed(frame)
        outcome = self._spot(utterance, frame)
        if level > going_at and beyond_echo:
            utterance.quiet = 0
            if loud:
                utterance.last_speech = self._frames
        else:
            utterance.quiet += 1
        if utterance.speech_seconds > self.tuning.max_speech and utterance.decoding is not None:
            utterance.too_long = True
            utterance.decoding.finish()  # stop spending CPU on conversation; the result is moot
            utterance.decoding = None
        if utterance.quiet * FRAME_SECONDS >= self.tuning.hangover:
            return self._end_utterance() or outcome
        return outcome

    def _cancelled(self, frame: bytes, echo_only: bool) -> bytes:
        """The frame just taken as the decoders should hear it: with the player's echo taken out while the
        player may be echoing in it, once the canceller is seen to take it out (`echo_only`: a frame of
        loud output and no person, which shows that). Until then, and when the echo comes back later than
        the canceller reaches, the frame as heard. The levels that find and judge utterances stay those
        of the frame as heard, so every echo rule sees what the microphone did."""
        if self._canceller is None or not self._player_echoing():
            self._output_at = None
            self._alignment.interrupted()
            return frame
        heard = np.frombuffer(frame, dtype=np.int16)
        if self._alignment.follow(heard, self._clock(self._frames), self._output):
            self._output_at = None  # the output given moves to where the echo is: the canceller starts anew
            self._canceller.reset()
            self._echo_taken_out.clear()
        start = self._own_time(self._frames - 1) + (ECHO_SOONER if self._alignment.lag is None else ALIGNED_SOONER)
        if self._output_at is not None and abs(self._output_at - start) < CONTIGUOUS_WITHIN:
            start = self._output_at  # the output as one stream, not jittering with each chunk's dating
        self._output_at = start + FRAME_SECONDS
        played = self._output(start, FRAME_SAMPLES)
        pcm = np.clip(np.round(played * INT16_FULL_SCALE), -32768, 32767).astype(np.int16).tobytes()
        cancelled = self._canceller.process(frame, pcm)
        if echo_only:
            self._echo_taken_out.append((_mean_square(frame), _mean_square(cancelled)))
        return cancelled if self._canceller_removes_echo() else frame

    def _output(self, start: float, count: int) -> np.ndarray:
        """The player's output from `start` on its own dating, at the microphone's rate."""
        return self.own_voice.output(start, count, SAMPLE_RATE)

    def _canceller_removes_echo(self) -> bool:
        if len(self._echo_taken_out) < ECHO_FRAMES_TO_JUDGE:
            return False
        before = sum(heard for heard, _ in self._echo_taken_out)
        after = sum(left for _, left in self._echo_taken_out)
        return 10.0 * math.log10((before + 1.0) / (after + 1.0)) >= self.tuning.echo_removed_db

    def _thresholds(self, floor: float, talk: float | None) -> tuple[float, float]:
        """The levels above which a frame is speech, and above which it keeps an utterance going."""
        tuning = self.tuning
        speech_at, going_at = floor + tuning.on_db, floor + tuning.off_db
        if talk is None:
            return speech_at, going_at
        return max(speech_at, talk + tuning.talk_on_db), max(going_at, talk + tuning.talk_off_db)

    def _player_echoing(self) -> bool:
        """Whether the player's own voice may still be in the frame just taken (it is not talk in the room):
        a loaded sound server plays it up to seconds later than it was handed over."""
        now = self._own_time(self._frames)
        return self.own_voice.speaking(now - self.tuning.talk_after_player, now)

    def _played_db(self) -> float:
        """The loudest output that can be echoing in the frame just taken (dBFS)."""
        end = self._own_time(self._frames)
        return _db(self.own_voice.loudest_played(end - FRAME_SECONDS - self.tuning.echo_lag, end + ECHO_SOONER))

    def _played_now_db(self) -> float:
        """The loudest output dated to the frame just taken, as the player dates it (dBFS)."""
        end = self._clock(self._frames)
        return _db(self.own_voice.loudest_played(end - FRAME_SECONDS, end))

    def _own_time(self, frame: int) -> float:
        """The end of `frame` on the player's dating of its own output: as late as its echo comes back, to the
        sample once the waveforms show it (and within a second of a sound server changing it: the level
        envelopes took eight, while the player's onsets, heard sooner than they expected, passed for a person's
        "please pause"), else as the envelopes tell."""
        aligned = self._alignment.lag
        return self._clock(frame) - (self._echo_delay.seconds if aligned is None else aligned)

    def _begin_utterance(self) -> None:
        frames = list(self._preroll)
        self._preroll.clear()
        onset = self._frames - sum(self._recent)
        decoding = self.engine.decode(Mode.NUMBERS if self._judge.numbers else Mode.COMMANDS)
        for frame in frames:
            decoding.feed(frame)
        quiet_before = None if self._talk_end is None else (onset - self._talk_end) * FRAME_SECONDS
        follows_talk = quiet_before is not None and quiet_before < self.tuning.talk_gap
        self._utterance = _Utterance(onset, frames, decoding, follows_talk, self._talk.level is not None)

    def _spot(self, utterance: _Utterance, frame: bytes) -> Outcome | None:
        """While the player is audible, listen for barge-in phrases inside whatever is heard."""
        if utterance.decided:
            return None
        if utterance.spotting is None:
            now = self._own_time(self._frames)
            if not self.own_voice.speaking(now - FRAME_SECONDS, now):
                return None
            utterance.spotting = self.engine.decode(Mode.SPOTTING)
            for earlier in utterance.audio[:-1]:
                utterance.spotting.feed(earlier)
        hit = utterance.spotting.feed(frame)
        if hit is None or not self._player_just_heard(self._frames):
            return None
        outcome = self._spotted(utterance, hit)
        if outcome.accepted:
            utterance.decided = True
        return outcome

    def _player_just_heard(self, frame: int) -> bool:
        """Whether the player was audible shortly before `frame` ended. Spotting is for words said over
        the player; once it has fallen silent, the whole utterance is decoded instead, which is far
        less easily fooled (a spotter finds "stop" in "next please")."""
        end = self._own_time(frame)
        return self.own_voice.speaking(end - self.tuning.spot_window, end)

    def _end_utterance(self) -> Outcome | None:
        utterance = self._utterance
        assert utterance is not None
        self._utterance = None
        self._recent.clear()
        outcome = self._decide(utterance)
        taken = utterance.decided or (outcome is not None and outcome.accepted)
        if utterance.speech_seconds >= self.tuning.min_speech and not taken:  # a command taken ends a turn; it is not talk
            self._talk_end = self._last_person_frame
        return outcome

    def _decide(self, utterance: _Utterance) -> Outcome | None:
        """What the finished utterance comes to; None when a barge-in phrase in it was taken already."""
        hit = utterance.spotting.finish() if utterance.spotting is not None else None
        if utterance.decided:
            if utterance.decoding is not None:
                utterance.decoding.finish()  # release the engine for the next utterance
            return None
        if hit is not None and self._player_just_heard(utterance.last_speech):
            outcome = self._spotted(utterance, hit)
            if outcome.accepted:
                if utterance.decoding is not None:
                    utterance.decoding.finish()
                return outcome
        reading = None if utterance.decoding is None else utterance.decoding.finish()
        heard = self._heard(utterance)
        verdict = self._judge.finished(reading, heard)
        if self._second_opinion is not None and self._judge.asks_second_opinion(verdict, heard):
            opinion = self._judge.second_opinion(self._second_opinion.transcribe(b"".join(utterance.audio)), heard)
            if opinion.rejected is None:
                return self._outcome(utterance, opinion, self._second_opinion.name)
        return self._outcome(utterance, verdict, self.engine.name)

    def _spotted(self, utterance: _Utterance, hit: Hypothesis) -> Outcome:
        """What a barge-in phrase the spotter found in the utterance comes to."""
        return self._outcome(utterance, self._judge.reading(hit, self._heard(utterance), spotted=True), self._spotter)

    def _heard(self, utterance: _Utterance) -> Heard:
        """What the judge needs to know of the utterance, as of now."""
        person, voiced = self._person_frames(utterance)
        return Heard(
            start=self._own_time(utterance.start_frame),
            end=self._own_time(utterance.last_speech),
            speech_seconds=utterance.speech_seconds,
            too_long=utterance.too_long or utterance.decoding is None,
            follows_talk=utterance.follows_talk,
            over_talk=utterance.over_talk,
            person_frames=person,
            voiced_frames=voiced,
            echo_cancelled=self._canceller is not None and self._canceller_removes_echo(),
        )

    def _person_frames(self, utterance: _Utterance) -> tuple[int, int]:
        """Of the utterance's loud frames up to its last speech (in at most `max_speech` seconds): how many are
        louder than the echo explains, and how many there are. The quiet that ends it is left out: over the
        player it is the echo alone, and counted it made a person's word over the player look mostly echo."""
        after = min(len(self._voiced), self._frames - utterance.last_speech)
        count = min(len(self._voiced) - after, utterance.last_speech - utterance.start_frame)
        frames = list(self._voiced)[len(self._voiced) - after - count : len(self._voiced) - after]
        return sum(voiced is True for voiced in frames), sum(voiced is not None for voiced in frames)

    def _outcome(self, utterance: _Utterance, verdict: Verdict, by: str) -> Outcome:
        position = self._frames * FRAME_SECONDS
        return Outcome(
            text=verdict.text,
            command=verdict.command,
            number=verdict.number,
            confidence=round(verdict.confidence, 3),
            at=self._clock(self._frames),
            position=position,
            speech_start=utterance.start_frame * FRAME_SECONDS,
            speech_end=utterance.last_speech * FRAME_SECONDS,
            rejected=verdict.rejected,
            by=by,
        )

    def _clock(self, frame: int) -> float:
        """The clock time at the end of `frame`."""
        return frame * FRAME_SECONDS + self._clock_offset
