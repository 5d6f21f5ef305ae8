"""Reapply an amendment's change onto a clause text that has moved on.

The amendment was written against `base`; the clause now reads `current`. The change base → proposed is
turned into diff-match-patch patches (from the word-level diff) and applied to `current`. patch_apply
silently skips a hunk it cannot place, so any hunk that did not apply makes the whole result a conflict: the
caller shows base, proposed and current side by side, and nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass

from .redline import _BudgetedDiff, diff_tokens


@dataclass(frozen=True)
class RebaseResult:
    base: str
    proposed: str
    current: str
    #: The proposal reapplied onto the current text, or None when any part did not apply.
    text: str | None
    hunks_applied: tuple[bool, ...]

    @property
    def clean(self) -> bool:
        return self.text is not None

    @property
    def failed_hunks(self) -> int:
        return self.hunks_applied.count(False)


def _patcher() -> _BudgetedDiff:
    dmp = _BudgetedDiff()
    # Legal text: a hunk goes only where its context matches closely, never "somewhere similar".
    dmp.Match_Threshold = 0.2
    dmp.Patch_DeleteThreshold = 0.2
    return dmp


def rebase_text(base: str, proposed: str, current: str) -> RebaseResult:
    if current == base:
        return RebaseResult(base, proposed, current, proposed, ())
    if proposed == base:
        return RebaseResult(base, proposed, current, current, ())
    dmp = _patcher()
    diffs = [(int(segment.op), segment.text) for segment in diff_tokens(base, proposed)]
    patches = dmp.patch_make(base, diffs)
    text, applied = dmp.patch_apply(patches, current)
    applied = tuple(bool(a) for a in applied)
    return RebaseResult(base, proposed, current, text if all(applied) else None, applied)
