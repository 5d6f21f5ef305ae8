from mou_tracker.core.rebase import rebase_text

BASE = "This Memorandum may be amended at any time by mutual written consent of the Participants."
PROPOSED = "This Memorandum may be amended at any time by mutual written consent of the Participants, expressed through an exchange of letters."


def test_clean_reapply_onto_a_text_changed_elsewhere():
    current = "This Memorandum may be amended by mutual written consent of the Participants."
    result = rebase_text(BASE, PROPOSED, current)
    assert result.clean
    assert (
        result.text
        == "This Memorandum may be amended by mutual written consent of the Participants, expressed through an exchange of letters."
    )


def test_change_over_the_same_words_is_a_conflict_and_gives_no_text():
    current = "This Memorandum may be amended at any time by mutual written consent of both Parties."
    result = rebase_text(BASE, PROPOSED, current)
    assert not result.clean
    assert result.text is None
    assert result.failed_hunks == 1
    assert (result.base, result.proposed, result.current) == (BASE, PROPOSED, current)


def test_unchanged_base_keeps_the_proposal():
    assert rebase_text(BASE, PROPOSED, BASE).text == PROPOSED


def test_several_changes_one_of_which_conflicts_is_a_conflict():
    base = "The Participants will consult annually. Each will designate a focal point. Costs are borne by each."
    proposed = (
        "The Participants will consult twice a year. Each will designate a focal point. Costs are shared equally."
    )
    current = (
        "The Participants will consult annually. Each will designate a focal point. Costs are met from voluntary funds."
    )
    result = rebase_text(base, proposed, current)
    assert result.hunks_applied.count(True) >= 1 and not result.clean
