"""Clause numbers come from position alone (pure core, no app)."""

from mou_tracker.core.clause_kinds import ClauseKind as K
from mou_tracker.core.numbering import ClauseNode, item_letter, number_clauses


def tree(*nodes):
    return [ClauseNode(*n) for n in nodes]


MOU = tree(
    ("t", None, 0, K.title),
    ("pp1", None, 1, K.preamble),
    ("pp2", None, 2, K.preamble),
    ("a1", None, 3, K.article),
    ("a1i1", "a1", 0, K.item),
    ("a1i2", "a1", 1, K.item),
    ("a2", None, 4, K.article),
    ("a2p1", "a2", 0, K.paragraph),
    ("a2p2", "a2", 1, K.paragraph),
    ("a2p2a", "a2p2", 0, K.item),
)


def test_reading_order_labels_and_citations():
    numbered = number_clauses(reversed(MOU))  # input order must not matter
    assert [(n.id, n.label, n.citation, n.depth) for n in numbered] == [
        ("t", "", "Title", 0),
        ("pp1", "PP1", "PP1", 0),
        ("pp2", "PP2", "PP2", 0),
        ("a1", "Article 1", "Article 1", 0),
        ("a1i1", "(a)", "Article 1(a)", 1),
        ("a1i2", "(b)", "Article 1(b)", 1),
        ("a2", "Article 2", "Article 2", 0),
        ("a2p1", "1.", "Article 2(1)", 1),
        ("a2p2", "2.", "Article 2(2)", 1),
        ("a2p2a", "(a)", "Article 2(2)(a)", 2),
    ]


def test_inserting_an_article_renumbers_the_following_ones_but_keeps_ids():
    inserted = [*MOU, ClauseNode("new", None, 3, K.article)]  # same position as a1: ties break by id
    shifted = [
        ClauseNode(n.id, n.parent_id, n.position + (1 if n.position >= 3 and n.parent_id is None else 0), n.kind)
        for n in MOU
    ]
    shifted.append(ClauseNode("new", None, 3, K.article))
    numbers = {n.id: n.citation for n in number_clauses(shifted)}
    assert numbers["new"] == "Article 1"
    assert numbers["a1"] == "Article 2"
    assert numbers["a2p2a"] == "Article 3(2)(a)"
    assert len(number_clauses(inserted)) == len(MOU) + 1


def test_removing_a_clause_closes_the_gap_and_drops_its_children():
    without_a1 = [n for n in MOU if n.id != "a1"]
    numbered = {n.id: n.citation for n in number_clauses(without_a1)}
    assert numbered["a2"] == "Article 1"
    assert "a1i1" not in numbered  # an orphan is unreachable, so never shown


def test_item_letters_after_z():
    assert [item_letter(i) for i in (0, 25, 26, 27, 52)] == ["a", "z", "aa", "bb", "aaa"]
