"""How long a sign-in must wait after failed attempts: the decision, without storage or a clock.

Failures are counted per (account, address) pair, so an attacker slows only their own guesses: the account's
owner, signing in from elsewhere, is never made to wait. The first few failures are free (typos happen); after
them the wait doubles with every further failure, up to a cap, instead of a lock for a fixed quarter of an hour.
"""

from __future__ import annotations

import math

#: Failures of one pair allowed without any wait.
FREE_FAILURES = 5
#: The longest wait, in seconds, however many failures.
MAX_DELAY_SECONDS = 15 * 60


def sign_in_delay(failures: int, *, free: int = FREE_FAILURES, cap: int = MAX_DELAY_SECONDS) -> int:
    """Seconds to refuse further attempts after `failures` consecutive failures: 0 up to `free - 1` failures,
    then 1, 2, 4, 8, ... seconds, never more than `cap`."""
    if failures < free or cap <= 0:
        return 0
    exponent = failures - free
    if exponent >= cap.bit_length():  # 2**exponent would pass the cap anyway; do not build a huge number
        return cap
    return min(cap, 2**exponent)


def wait_in_units(seconds: float) -> tuple[int, str]:
    """A wait as a person reads it: (number, "seconds") below two minutes, else whole minutes, rounded up so the
    reader never comes back too early."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 120:
        return seconds, "seconds"
    return math.ceil(seconds / 60), "minutes"
