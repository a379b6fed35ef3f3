"""Where the introduction, "skip" and "back" lead, on heel-spur's plan and on a small one."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from voiceguide import route
from voiceguide.library import locate
from voiceguide.plan import build_plan
from voiceguide.routine import load_routine

HEEL_SPUR = build_plan(load_routine(locate("heel-spur")))
SMALL = build_plan(load_routine(Path(__file__).parent / "data" / "small.yaml"))


def index(parts, label: str) -> int:
    return [part.label for part in parts].index(label)


def test_back_passes_over_the_pauses_between_sides_and_sets() -> None:
    right = index(HEEL_SPUR, "Plantar fascia stretch, set 1 of 3, right side")
    left = index(HEEL_SPUR, "Plantar fascia stretch, set 1 of 3, left side")
    assert HEEL_SPUR[right - 1].label == "Plantar fascia stretch, changing sides"
    assert route.back(HEEL_SPUR, right) == left
    assert route.back(HEEL_SPUR, right - 1) == left  # said while changing sides
    second_set = index(HEEL_SPUR, "Plantar fascia stretch, set 2 of 3, left side")
    assert route.back(HEEL_SPUR, second_set) == right  # over the rest between the sets
    assert route.back(HEEL_SPUR, 1) == 0 and route.back(HEEL_SPUR, 0) == 0


def test_skip_leads_to_the_next_step_and_past_the_last_one_to_the_end() -> None:
    right = index(HEEL_SPUR, "Plantar fascia stretch, set 1 of 3, right side")
    skipped_to = route.next_step(HEEL_SPUR, right)
    assert HEEL_SPUR[skipped_to].step == HEEL_SPUR[right].step + 1
    assert HEEL_SPUR[skipped_to - 1].step == HEEL_SPUR[right].step  # the first part of that step
    assert route.next_step(HEEL_SPUR, len(HEEL_SPUR) - 1) == len(HEEL_SPUR)


def test_the_introduction_leads_to_the_first_part_or_where_a_session_resumes() -> None:
    assert route.first_part(SMALL) == 1 and route.first_part(SMALL, start_part=3) == 3
    assert route.first_part(SMALL, start_part=99) == len(SMALL)
    assert route.leads_into_ready(HEEL_SPUR) and not route.leads_into_ready(SMALL)
    assert route.last_of_step(SMALL, len(SMALL) - 1)


@given(st.data())
def test_back_always_lands_earlier_on_a_part_that_is_not_a_pause(data) -> None:
    parts = data.draw(st.sampled_from([HEEL_SPUR, SMALL]))
    index = data.draw(st.integers(1, len(parts) - 1))
    target = route.back(parts, index)
    assert target < index and not parts[target].is_rest
    assert all(part.is_rest for part in parts[target + 1 : index])  # only pauses were passed over
