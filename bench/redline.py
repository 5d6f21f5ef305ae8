"""diff-match-patch on its own, on the clause pairs the app redlines: the yardstick for the redline engine."""

from __future__ import annotations

import time

from diff_match_patch import diff_match_patch

from mou_tracker.core.redline import tokenize


def _dmp() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0  # as the engine runs it: a result must not depend on the machine's load
    return dmp


def dmp_char(pairs) -> None:
    dmp = _dmp()
    for old, new in pairs:
        dmp.diff_main(old, new, False)


def dmp_word(pairs) -> None:
    """Word level: each distinct token one character (diff-match-patch's linesToChars technique)."""
    dmp = _dmp()
    for old, new in pairs:
        codes: dict[str, str] = {}
        a = "".join(codes.setdefault(t, chr(0xF0000 + len(codes))) for t in tokenize(old))
        b = "".join(codes.setdefault(t, chr(0xF0000 + len(codes))) for t in tokenize(new))
        dmp.diff_main(a, b, False)


def timed(fn, pairs) -> float:
    start = time.perf_counter()
    fn(pairs)
    return time.perf_counter() - start
