"""The wait after failed sign-ins: free at first, then doubling, capped; and how a wait is said."""

from __future__ import annotations

import pytest

from mou_tracker.core.sign_in_delay import MAX_DELAY_SECONDS, sign_in_delay, wait_in_units


def test_the_first_failures_are_free_then_the_wait_doubles_up_to_the_cap():
    assert [sign_in_delay(n, free=5, cap=900) for n in range(0, 17)] == (
        [0] * 5 + [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    )


@pytest.mark.parametrize("failures", [10**6, 10**18])
def test_a_huge_count_waits_the_cap_without_building_a_huge_number(failures):
    assert sign_in_delay(failures) == MAX_DELAY_SECONDS


def test_a_cap_of_zero_turns_the_wait_off():
    assert sign_in_delay(100, cap=0) == 0


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, (1, "seconds")),
        (0.2, (1, "seconds")),
        (1.01, (2, "seconds")),
        (119, (119, "seconds")),
        (120, (2, "minutes")),
        (121, (3, "minutes")),
        (900, (15, "minutes")),
    ],
)
def test_a_wait_is_said_in_seconds_or_whole_minutes_rounded_up(seconds, expected):
    assert wait_in_units(seconds) == expected
