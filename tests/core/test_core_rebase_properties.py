"""Properties of the rebase (issue #21), checked on generated texts: an amendment reapplied onto its own base is
itself; a proposal that changes nothing takes the current text; edits to words far apart both survive."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mou_tracker.core.rebase import rebase_text

#: Clause-like text: words, spaces, punctuation, Cyrillic and the odd line break.
texts = st.text(
    alphabet=st.sampled_from(list("abcdefghij ,.;:()-\n") + list("Участникисогласны")), min_size=0, max_size=200
)

#: Distinct words, so that every place in the text has context of its own.
_TREATY_WORDS = """participants memorandum cooperation secretariat office counter terrorism conference interaction
confidence building measures asia united nations agree areas exchange information experts training capacity workshops
seminars joint projects consult annually designate focal point costs borne each party shall notify writing amend
consent terminate months notice settle dispute amicably consultations privileges immunities waive enter force
signature remain valid years renew automatically languages english russian equally authentic done duplicate
originals witness whereof undersigned representatives duly authorised signed"""
VOCABULARY = sorted(set(_TREATY_WORDS.split()))
words = st.lists(st.sampled_from(VOCABULARY), min_size=16, max_size=60, unique=True)

#: Gap in words between the two parties' edits: the context of one never touches the other.
GAP = 6


def _edit(tokens: list[str], index: int, how: str, new_word: str) -> list[str]:
    if how == "replace":
        return [*tokens[:index], new_word, *tokens[index + 1 :]]
    if how == "delete":
        return [*tokens[:index], *tokens[index + 1 :]]
    return [*tokens[: index + 1], new_word, *tokens[index + 1 :]]  # insert after the word


@settings(max_examples=200, deadline=None)
@given(base=texts, proposed=texts)
def test_reapplied_onto_its_own_base_a_proposal_is_unchanged(base, proposed):
    result = rebase_text(base, proposed, base)
    assert result.clean and result.text == proposed


@settings(max_examples=200, deadline=None)
@given(base=texts, current=texts)
def test_a_proposal_that_changes_nothing_takes_the_current_text(base, current):
    result = rebase_text(base, base, current)
    assert result.clean and result.text == current


edits = st.sampled_from(["replace", "delete", "insert"])


@settings(max_examples=150, deadline=None)
@given(tokens=words, data=st.data(), proposal_edit=edits, current_edit=edits)
def test_edits_far_apart_both_apply_cleanly(tokens, data, proposal_edit, current_edit):
    """The proposal edits one word, the clause meanwhile another far from it: the rebase keeps both, in order."""
    first = data.draw(st.integers(0, len(tokens) // 2 - GAP), label="proposal's word")
    second = data.draw(st.integers(first + 2 * GAP, len(tokens) - 1), label="current text's word")
    base = " ".join(tokens)
    proposed = " ".join(_edit(tokens, first, proposal_edit, "PROPOSED"))
    current = " ".join(_edit(tokens, second, current_edit, "CURRENT"))
    # Applying the later edit first keeps the earlier index valid.
    both = " ".join(_edit(_edit(tokens, second, current_edit, "CURRENT"), first, proposal_edit, "PROPOSED"))

    result = rebase_text(base, proposed, current)

    assert result.clean, (base, proposed, current, result.hunks_applied)
    assert result.text == both
