"""A routine as plain text: what `voiceguide show` prints, readable by a screen reader."""

from __future__ import annotations

from voiceguide.plan import safety_sentence, seconds_phrase
from voiceguide.routine import ReadyStep, RepsStep, RestStep, Routine, SayStep


def describe(routine: Routine) -> str:
    lines = [routine.title, "", routine.summary]
    if routine.source:
        lines.append(f"Source: {routine.source}")
    lines += ["", "Equipment: " + (", ".join(routine.equipment) if routine.equipment else "none")]
    if routine.safety:
        lines += ["", "Safety, spoken before the first session and when you say safety:",
                  *(f"- {note}" for note in routine.safety),
                  f"In one sentence, at the start of later sessions: {safety_sentence(routine)}"]
    lines += ["", f"Pain limit: {routine.pain_limit} out of 10", "", "Steps:"]
    for number, step in enumerate(routine.steps, start=1):
        lines.append(f"{number}. {_heading(routine, step)}")
        text = getattr(step, "text", "")
        if text and not isinstance(step, RestStep):
            lines.append(f"   {text}")
        if getattr(step, "brief", None):
            lines.append(f"   Brief: {step.brief}")
        for cue in getattr(step, "cues", []):
            lines.append(f"   At {seconds_phrase(cue.at)}: {cue.say}")
    if routine.notes:
        lines += ["", "Notes:", *(f"- {note}" for note in routine.notes)]
    return "\n".join(lines)


def _heading(routine: Routine, step) -> str:
    if isinstance(step, SayStep):
        return f"{step.name or 'Instruction'} (spoken)"
    if isinstance(step, ReadyStep):
        return f"{step.name or 'Get ready'} (waits until you say ready)"
    if isinstance(step, RestStep):
        return f"Rest, {seconds_phrase(step.duration or routine.defaults.rest)}: {step.text}"
    sets = step.sets or routine.defaults.sets
    if isinstance(step, RepsStep):
        tempo = step.tempo or routine.defaults.tempo
        timing = f"{step.reps} repetitions, {seconds_phrase(tempo)} each"
    else:
        timing = f"{'hold' if step.kind == 'hold' else 'for'} {seconds_phrase(step.duration or routine.defaults.hold)}"
    extras = []
    if step.sides:
        switch = seconds_phrase(step.switch or routine.defaults.switch)
        extras.append(f"each side, {step.first_side} first, {switch} to switch")
    if sets > 1:
        extras.append(f"{sets} sets with {seconds_phrase(step.rest or routine.defaults.rest)} rest between")
    return f"{step.name}: {timing}" + "".join(f", {extra}" for extra in extras)
