"""Word round trip, the pure part: paragraphs of a revised document matched to clauses and read as proposals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from mou_tracker.core.clause_kinds import ClauseKind
from mou_tracker.core.roundtrip import (
    BaseClause,
    BaseVersion,
    MatchHow,
    ProposalKind,
    Source,
    kind_of_label,
    label_key,
    read_changes,
)

WHEN = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Change:
    author: str = "Legal Office"
    date: dt.datetime | None = WHEN


@dataclass(frozen=True)
class Comment:
    text: str
    author: str = "Legal Office"
    date: dt.datetime | None = WHEN


@dataclass(frozen=True)
class Para:
    index: int
    before: str
    after: str | None = None
    clause_wid: str | None = None
    language: str | None = "en"
    part: str = "body"
    label: str = ""
    inserted_whole: bool = False
    deleted_whole: bool = False
    changes: tuple = ()
    comments: tuple = ()

    def __post_init__(self):
        if self.after is None:
            object.__setattr__(self, "after", self.before)
        if self.after != self.before and not self.changes:
            object.__setattr__(self, "changes", (Change(),))


@dataclass(frozen=True)
class Doc:
    paragraphs: tuple
    tracked: bool = True

    def __post_init__(self):
        # Paragraphs are numbered in document order, as the reader does.
        renumbered = tuple(Para(**{**p.__dict__, "index": i}) for i, p in enumerate(self.paragraphs))
        object.__setattr__(self, "paragraphs", renumbered)


def version(key, seq, en, ru=None, heading=None):
    texts = {"en": (heading, en)}
    if ru is not None:
        texts["ru"] = (None, ru)
    return BaseVersion(key, seq, texts)


def clause(wid, kind, label, citation, parent, *versions, reference_key=None):
    return BaseClause(wid, kind, label, citation, parent, tuple(versions), reference_key)


@dataclass
class Draft:
    clauses: list = field(default_factory=list)


def draft() -> list[BaseClause]:
    return [
        clause("t", ClauseKind.title, "", "Title", None, version(1, 1, "Memorandum of Understanding")),
        clause(
            "a1",
            ClauseKind.article,
            "Article 1",
            "Article 1",
            None,
            version(2, 1, "The Parties agree.", heading="Purpose"),
        ),
        clause(
            "p1",
            ClauseKind.paragraph,
            "1.",
            "Article 1(1)",
            "a1",
            version(3, 1, "The Parties shall cooperate closely.", "Стороны тесно сотрудничают."),
        ),
        clause(
            "p2",
            ClauseKind.paragraph,
            "2.",
            "Article 1(2)",
            "a1",
            version(5, 2, "Each Party shall designate a focal point.", "Каждая Сторона назначает координатора."),
            version(4, 1, "Each Party may designate a focal point.", "Каждая Сторона может назначить координатора."),
        ),
        clause(
            "a2",
            ClauseKind.article,
            "Article 2",
            "Article 2",
            None,
            version(6, 1, "This Memorandum takes effect on signature.", heading="Entry into force"),
        ),
    ]


def export_paragraphs(changes: dict[int, Para] | None = None, *, with_ids=True) -> tuple:
    """The draft as the export writes it (English part only), with some paragraphs replaced."""
    rows = [
        Para(0, "Memorandum of Understanding", clause_wid="t"),
        Para(1, " — Purpose", clause_wid="a1", part="heading", label="Article 1"),
        Para(2, "The Parties agree.", clause_wid="a1"),
        Para(3, "The Parties shall cooperate closely.", clause_wid="p1", label="1."),
        Para(4, "Each Party shall designate a focal point.", clause_wid="p2", label="2."),
        Para(5, " — Entry into force", clause_wid="a2", part="heading", label="Article 2"),
        Para(6, "This Memorandum takes effect on signature.", clause_wid="a2"),
    ]
    for index, row in (changes or {}).items():
        rows[index] = row
    if not with_ids:
        rows = [Para(**{**row.__dict__, "clause_wid": None}) for row in rows]
    return tuple(rows)


def test_numbers_compare_across_languages():
    assert label_key("Article 2") == label_key("Статья 2") == "2"
    assert label_key("(b)") == label_key("б)")
    assert kind_of_label("Article 4") is ClauseKind.article
    assert kind_of_label("4.") is ClauseKind.paragraph
    assert kind_of_label("(d)") is ClauseKind.item


def test_a_tracked_word_change_is_one_proposal_with_its_author_and_comment():
    edited = Para(
        3,
        "The Parties shall cooperate closely.",
        "The Parties shall cooperate closely and in good faith.",
        clause_wid="p1",
        label="1.",
        comments=(Comment("Our legal office insists."),),
    )
    reading = read_changes(Doc(export_paragraphs({3: edited})), draft(), ["en", "ru"], required=["en"])
    assert len(reading.proposals) == 1
    proposal = reading.proposals[0]
    assert proposal.kind is ProposalKind.change and proposal.clause_wid == "p1"
    assert proposal.texts["en"] == (None, "The Parties shall cooperate closely and in good faith.")
    # Russian is not in the document: proposed unchanged, so the amendment changes English only.
    assert proposal.texts["ru"] == (None, "Стороны тесно сотрудничают.")
    assert proposal.source is Source.tracked and proposal.base_key == 3 and not proposal.outdated
    assert [c.author for c in proposal.credits] == ["Legal Office"]
    assert [c.text for c in proposal.comments] == ["Our legal office insists."]
    assert all(m.how is MatchHow.identifier for m in reading.matches)
    assert not reading.unmatched


def test_a_changed_heading_is_proposed_with_the_body_unchanged():
    edited = Para(5, " — Entry into force", " — Entry into effect", clause_wid="a2", part="heading", label="Article 2")
    (proposal,) = read_changes(Doc(export_paragraphs({5: edited})), draft(), ["en", "ru"]).proposals
    assert proposal.texts["en"] == ("Entry into effect", "This Memorandum takes effect on signature.")


def test_nothing_changed_is_said():
    reading = read_changes(Doc(export_paragraphs(), tracked=False), draft(), ["en", "ru"])
    assert reading.nothing_changed and not reading.unmatched


def test_a_document_made_from_an_older_version_is_written_against_it():
    edited = Para(
        4,
        "Each Party may designate a focal point.",
        "Each Party may designate one focal point.",
        clause_wid="p2",
        label="2.",
    )
    (proposal,) = read_changes(Doc(export_paragraphs({4: edited})), draft(), ["en", "ru"]).proposals
    assert proposal.base_key == 4 and proposal.outdated
    assert proposal.base_texts["en"] == (None, "Each Party may designate a focal point.")


def test_text_edited_without_tracking_is_not_applied_blindly():
    edited = Para(
        4, "Each Party must designate a focal point.", "Each Party must designate two.", clause_wid="p2", label="2."
    )
    reading = read_changes(Doc(export_paragraphs({4: edited})), draft(), ["en", "ru"])
    assert not reading.proposals
    assert "neither its current text" in reading.unmatched[0].reason


def test_whole_deleted_clause_and_whole_inserted_paragraph():
    deleted = Para(4, "Each Party shall designate a focal point.", "", clause_wid="p2", label="2.", deleted_whole=True)
    inserted = Para(
        7, "", "The Parties shall meet once a year.", label="3.", inserted_whole=True, changes=(Change("Capital"),)
    )
    rows = (*export_paragraphs({4: deleted})[:5], inserted, *export_paragraphs()[5:])
    reading = read_changes(Doc(rows), draft(), ["en", "ru"], required=["en"])
    kinds = {p.kind: p for p in reading.proposals}
    assert kinds[ProposalKind.delete].clause_wid == "p2"
    new = kinds[ProposalKind.insert]
    assert (new.new_kind, new.parent_wid, new.after_wid) == (ClauseKind.paragraph, "a1", "p2")
    assert new.texts == {"en": (None, "The Parties shall meet once a year.")}
    assert new.credits[0].author == "Capital"


def test_a_new_clause_without_the_required_language_is_reported_not_proposed():
    inserted = Para(7, "", "Новый пункт.", language="ru", label="3.", inserted_whole=True)
    rows = (*export_paragraphs()[:5], inserted, *export_paragraphs()[5:])
    reading = read_changes(Doc(rows), draft(), ["en", "ru"], required=["en"])
    assert not reading.proposals
    assert "needs its text" in reading.unmatched[0].reason


def test_without_identifiers_paragraphs_are_matched_by_number_and_wording():
    edited = Para(3, "The Parties shall cooperate closely.", "The Parties shall cooperate very closely.", label="1.")
    rows = export_paragraphs({3: edited}, with_ids=False)
    reading = read_changes(Doc((Para(99, "Legal office comments, 20 November"), *rows)), draft(), ["en", "ru"])
    (proposal,) = reading.proposals
    assert proposal.clause_wid == "p1"
    assert {m.wid for m in reading.matches} == {"t", "a1", "p1", "p2", "a2"}
    assert [u.text for u in reading.unmatched] == ["Legal office comments, 20 November"]


def test_a_clean_retyped_document_is_compared_with_the_point_named():
    retyped = export_paragraphs(
        {4: Para(4, "Each Party shall designate a senior focal point.", label="2.")}, with_ids=False
    )
    clauses = draft()
    # Compared with the point where Article 1(2) stood at its first version.
    clauses[3] = BaseClause(**{**clauses[3].__dict__, "reference_key": 4})
    (proposal,) = read_changes(Doc(retyped, tracked=False), clauses, ["en", "ru"]).proposals
    assert proposal.source is Source.comparison and proposal.clause_wid == "p2"
    assert proposal.base_key == 4 and proposal.outdated
    assert proposal.texts["en"] == (None, "Each Party shall designate a senior focal point.")


def test_a_clean_document_without_a_clause_proposes_its_deletion():
    rows = tuple(row for row in export_paragraphs(with_ids=False) if row.index != 4)
    reading = read_changes(Doc(rows, tracked=False), draft(), ["en", "ru"])
    assert [(p.kind, p.clause_wid) for p in reading.proposals] == [(ProposalKind.delete, "p2")]


def test_a_comment_on_an_unchanged_clause_is_said_not_lost():
    commented = Para(2, "The Parties agree.", clause_wid="a1", comments=(Comment("Fine as is."),))
    reading = read_changes(Doc(export_paragraphs({2: commented})), draft(), ["en", "ru"])
    assert reading.nothing_changed
    assert "not taken" in reading.notices[0]


def test_russian_paragraphs_are_matched_in_their_own_language():
    rows = (
        *export_paragraphs(),
        Para(
            10, "Стороны тесно сотрудничают.", "Стороны тесно и добросовестно сотрудничают.", language=None, label="1."
        ),
    )
    (proposal,) = read_changes(Doc(rows), draft(), ["en", "ru"]).proposals
    assert proposal.clause_wid == "p1"
    assert proposal.texts["ru"] == (None, "Стороны тесно и добросовестно сотрудничают.")
    assert proposal.texts["en"] == (None, "The Parties shall cooperate closely.")


def test_an_identifier_the_negotiation_never_had_is_matched_by_its_words():
    """An export of another copy of the negotiation: its bookmarks name other ids."""
    edited = Para(
        3, "The Parties shall cooperate closely.", "The Parties shall cooperate.", clause_wid="x-1", label="1."
    )
    rows = [Para(**{**r.__dict__, "clause_wid": "x-" + str(r.index)}) for r in export_paragraphs({3: edited})]
    reading = read_changes(Doc(tuple(rows)), draft(), ["en", "ru"], known_wids={"t", "a1", "p1", "p2", "a2"})
    assert [p.clause_wid for p in reading.proposals] == ["p1"] and not reading.unmatched


def test_an_identifier_of_a_clause_not_in_the_draft_compared_is_reported():
    rows = (
        *export_paragraphs(),
        Para(9, "A clause deleted since.", "A clause deleted since, changed.", clause_wid="gone"),
    )
    reading = read_changes(Doc(rows), draft(), ["en", "ru"], known_wids={"gone"})
    assert not reading.proposals
    assert "not in the draft compared with" in reading.unmatched[0].reason


def test_two_new_articles_each_with_heading_and_text_are_two_new_clauses():
    new = [
        Para(7, "", " — Costs", part="heading", label="Article 3", inserted_whole=True),
        Para(8, "", "Each Party bears its own costs.", inserted_whole=True),
        Para(9, "", " — Languages", part="heading", label="Article 4", inserted_whole=True),
        Para(10, "", "English and Russian are equally authentic.", inserted_whole=True),
        Para(11, "", "Стороны несут свои расходы.", language="ru", inserted_whole=True),
    ]
    reading = read_changes(Doc((*export_paragraphs(), *new)), draft(), ["en", "ru"], required=["en"])
    inserted = [p for p in reading.proposals if p.kind is ProposalKind.insert]
    assert [(p.new_kind, p.parent_wid, p.after_wid) for p in inserted] == [(ClauseKind.article, None, "a2")] * 2
    assert inserted[0].texts == {
        "en": ("Costs", "Each Party bears its own costs."),
        "ru": (None, "Стороны несут свои расходы."),
    }
    assert inserted[1].texts == {"en": ("Languages", "English and Russian are equally authentic.")}
