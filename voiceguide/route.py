"""Where the moves lead in a routine's parts: after the introduction, "skip", "back" (pure queries).

The parts are the plan's (plan.py): the introduction first, then each side, set, rest and pause of
every step in order.
"""

from __future__ import annotations

from collections.abc import Sequence

from voiceguide.plan import Part, PartKind


def first_part(parts: Sequence[Part], start_part: int = 0) -> int:
    """Where the routine starts after the introduction: part 1, or a later one (--resume)."""
    return min(max(start_part, 1), len(parts))


def leads_into_ready(parts: Sequence[Part], start_part: int = 0) -> bool:
    """The introduction goes straight on to a ready step, whose wait for "ready" is then the only one."""
    start = first_part(parts, start_part)
    return start < len(parts) and parts[start].kind is PartKind.READY


def last_of_step(parts: Sequence[Part], index: int) -> bool:
    return index + 1 >= len(parts) or parts[index + 1].step != parts[index].step


def next_step(parts: Sequence[Part], index: int) -> int:
    """The first part of the next step ("skip"); len(parts) past the last one."""
    return next((i for i, part in enumerate(parts) if part.step > parts[index].step), len(parts))


def back(parts: Sequence[Part], index: int) -> int:
    """The start of the side, set or step before ("back"). The pauses between them are passed over: a
    person who says "back" on the right side wants the left side again, not the time to change sides."""
    return next((i for i in range(index - 1, 0, -1) if not parts[i].is_rest), 0)
