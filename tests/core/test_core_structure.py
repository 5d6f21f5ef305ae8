"""Recognising an MoU's clause tree in plain paragraphs (core.structure): pure, no app."""

from __future__ import annotations

import pytest

from mou_tracker.core.clause_kinds import ClauseKind
from mou_tracker.core.numbering import item_letter
from mou_tracker.core.structure import (
    Recognition,
    SourceParagraph,
    is_closing_formula,
    is_operative_formula,
    paragraphs_from_plain_text,
    recognise,
)
from mou_tracker.demo_text import DRAFT


def typed_text(draft: list[dict], language: str = "en") -> str:
    """The demo draft as a lawyer would type it: numbers in the text, one blank line between paragraphs."""
    lines: list[str] = []
    article = 0
    for clause in draft:
        text = clause[language] or clause["en"]
        if clause["kind"] != "article":
            lines.append(text)
            continue
        article += 1
        heading = clause[f"heading_{language}"] if language != "en" else clause["heading"]
        if language == "ru":
            lines.append(f"Статья {article}. {heading or clause['heading']}")
        else:
            lines.append(f"Article {article} — {heading}")
        lines.append(text)
        paragraphs = items = 0
        for child in clause["children"]:
            child_text = child[language] or child["en"]
            if child["kind"] == "paragraph":
                paragraphs += 1
                lines.append(f"{paragraphs}.\t{child_text}")
            else:
                lines.append(f"({item_letter(items)})\t{child_text}")
                items += 1
    return "\n\n".join(lines)


def flatten(draft: list[dict], language: str = "en") -> list[tuple[str, int, str | None, str]]:
    """(kind, depth, heading, text) of every demo clause, in reading order."""
    out = []
    for clause in draft:
        heading = clause["heading"] if language == "en" else (clause["heading_ru"] or clause["heading"])
        out.append((clause["kind"], 0, heading, clause[language] or clause["en"]))
        for child in clause["children"]:
            out.append((child["kind"], 1, None, child[language] or child["en"]))
    return out


def shape(result: Recognition) -> list[tuple[str, int, str | None, str]]:
    return [(c.kind.value, c.depth, c.heading, c.text) for c in result.clauses]


def every_source_accounted_for(result: Recognition, paragraphs: list[SourceParagraph]) -> None:
    used = {i for c in result.clauses for i in c.source_indexes} | {
        n.source_index for n in result.notices if n.source_index is not None
    }
    missing = [i for i, p in enumerate(paragraphs) if p.text.strip() and i not in used]
    assert missing == [], [paragraphs[i].text for i in missing]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_demo_draft_typed_with_numbers_is_recognised_back(language):
    paragraphs = paragraphs_from_plain_text(typed_text(DRAFT, language))
    result = recognise(paragraphs)
    assert shape(result) == flatten(DRAFT, language)
    assert result.notices == []
    assert all(not c.warnings for c in result.clauses)
    every_source_accounted_for(result, paragraphs)
    # Parents point at the article the child stands in.
    for clause in result.clauses:
        if clause.kind in (ClauseKind.paragraph, ClauseKind.item):
            assert result.clauses[clause.parent].kind is ClauseKind.article


@pytest.mark.parametrize(
    ("lines", "heading", "text"),
    [
        (
            ["Article 1 — Objectives", "The Participants will cooperate."],
            "Objectives",
            "The Participants will cooperate.",
        ),
        (
            ["ARTICLE I: OBJECTIVES", "The Participants will cooperate."],
            "OBJECTIVES",
            "The Participants will cooperate.",
        ),
        (
            ["Article 1. Objectives", "The Participants will cooperate."],
            "Objectives",
            "The Participants will cooperate.",
        ),
        (["Art. 1 - Objectives", "The Participants will cooperate."], "Objectives", "The Participants will cooperate."),
        (
            ["Статья 1. Цели сотрудничества", "Участники будут сотрудничать."],
            "Цели сотрудничества",
            "Участники будут сотрудничать.",
        ),
        (
            ["Article 1", "Objectives", "The Participants will cooperate."],
            "Objectives",
            "The Participants will cooperate.",
        ),
        (["I. Objectives", "The Participants will cooperate."], "Objectives", "The Participants will cooperate."),
        (
            ["Article 1", "The Participants will cooperate as follows:"],
            None,
            "The Participants will cooperate as follows:",
        ),
    ],
)
def test_article_headings_on_the_same_line_or_the_next(lines, heading, text):
    result = recognise(paragraphs_from_plain_text("\n".join(["A Memorandum", "Have agreed as follows:", *lines])))
    article = next(c for c in result.clauses if c.kind is ClauseKind.article)
    assert (article.heading, article.text) == (heading, text)


def test_a_bold_centred_heading_on_the_next_line_even_if_it_ends_with_a_full_stop():
    result = recognise(
        [
            SourceParagraph("A Memorandum", bold=True, centred=True),
            SourceParagraph("Have agreed as follows:"),
            SourceParagraph("Article 1", bold=True, centred=True),
            SourceParagraph("Objectives.", bold=True, centred=True),
            SourceParagraph("The Participants will cooperate."),
        ]
    )
    assert [(c.kind.value, c.heading, c.text) for c in result.clauses] == [
        ("title", None, "A Memorandum"),
        ("preamble", None, "Have agreed as follows:"),
        ("article", "Objectives.", "The Participants will cooperate."),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Have agreed as follows:",
        "HAVE AGREED AS FOLLOWS",
        "Have reached the following understanding:",
        "The Participants have come to the following understanding:",
        "Hereby agree as follows:",
        "договорились о нижеследующем:",
        "Договорились о следующем",
        "пришли к следующему пониманию:",
        "Sont convenus de ce qui suit :",
    ],
)
def test_operative_formulas(text):
    assert is_operative_formula(text)


@pytest.mark.parametrize(
    "text",
    [
        "Recalling the understanding reached in Almaty,",
        "Noting that the Participants agreed in 2022 on the following long list of measures to be taken in the "
        "region by all the Member States of the Conference and by the United Nations and its offices and agencies",
        "Objectives of cooperation",
    ],
)
def test_not_operative_formulas(text):
    assert not is_operative_formula(text)


@pytest.mark.parametrize(
    "text",
    ["Done at Astana on 14 March 2024.", "Signed in New York", "Совершено в городе Астане", "IN WITNESS WHEREOF"],
)
def test_closing_formulas(text):
    assert is_closing_formula(text)


def test_an_unnumbered_closing_paragraph_ends_the_last_article_and_what_follows_is_reported():
    text = "\n".join(
        [
            "Memorandum",
            "Have agreed as follows:",
            "Article 1 — Entry into force",
            "This Memorandum will come into effect on signature.",
            "Done at Astana, on [date], in two originals.",
            "For the CICA Secretariat",
            "For UNOCT",
        ]
    )
    paragraphs = paragraphs_from_plain_text(text)
    result = recognise(paragraphs)
    closing = result.clauses[-1]
    assert (closing.kind, closing.text) == (ClauseKind.paragraph, "Done at Astana, on [date], in two originals.")
    assert result.clauses[closing.parent].heading == "Entry into force"
    assert "last paragraph of the last article" in closing.warnings[0]
    assert [n.text for n in result.notices] == ["For the CICA Secretariat", "For UNOCT"]
    every_source_accounted_for(result, paragraphs)


def test_roman_sub_items_stay_in_their_item_and_i_after_h_is_a_letter():
    letters = [f"({ch}) item {ch};" for ch in "abcdefgh"]
    text = "\n".join(
        [
            "Memorandum",
            "Have agreed as follows:",
            "Article 1 — Areas",
            "1. The Participants will cooperate in:",
            *letters[:2],
            "(i) first sub-item;",
            "(ii) second sub-item;",
            *letters[2:],
            "(i) the ninth item.",
            "2. Second paragraph:",
            "(i) a list numbered in roman numerals;",
            "(ii) second.",
        ]
    )
    result = recognise(paragraphs_from_plain_text(text))
    items = [c for c in result.clauses if c.kind is ClauseKind.item]
    assert [c.text for c in items[:2]] == [
        "item a;",
        "item b;\n(i) first sub-item;\n(ii) second sub-item;",
    ]
    assert "Sub-items" in items[1].warnings[0]
    assert items[8].text == "the ninth item."
    assert all(not c.warnings for c in items[2:])
    assert [c.text for c in items[9:]] == ["a list numbered in roman numerals;", "second."]
    assert all(result.clauses[c.parent].kind is ClauseKind.paragraph for c in items)


def test_a_number_out_of_sequence_is_warned_about():
    text = "Memorandum\nHave agreed as follows:\nArticle 1 — A\nText.\nArticle 3 — B\nText.\n1. One.\n3. Three.\n(a) a;\n(c) c."
    result = recognise(paragraphs_from_plain_text(text))
    warned = [(c.kind.value, str(c.warnings[0])) for c in result.clauses if c.warnings]
    assert warned == [
        ("article", "Numbered “Article 3” in the draft; by its position it becomes “Article 2”."),
        ("paragraph", "Numbered “3.” in the draft; by its position it becomes “2.”."),
        ("item", "Numbered “(c)” in the draft; by its position it becomes “(b)”."),
    ]


def test_a_draft_without_articles_reads_its_outermost_numbered_paragraphs_as_articles():
    text = (
        "Memorandum\nHave agreed as follows:\n1. The Participants will cooperate.\n(a) first;\n(b) second.\n2. Second."
    )
    result = recognise(paragraphs_from_plain_text(text))
    assert [(c.kind.value, c.depth, c.text) for c in result.clauses[2:]] == [
        ("article", 0, "The Participants will cooperate."),
        ("item", 1, "first;"),
        ("item", 1, "second."),
        ("article", 0, "Second."),
    ]
    assert "outermost numbered paragraphs" in result.notices[0].message


def test_a_draft_without_articles_reads_its_headings_as_articles():
    paragraphs = [
        SourceParagraph("Memorandum", style="Title"),
        SourceParagraph("Have agreed as follows:"),
        SourceParagraph("Objectives", heading_level=1),
        SourceParagraph("The Participants will cooperate."),
        SourceParagraph("Consultations", heading_level=1),
        SourceParagraph("Once a year.", number_label="1.", level=0),
    ]
    result = recognise(paragraphs)
    assert [(c.kind.value, c.heading, c.text) for c in result.clauses[2:]] == [
        ("article", "Objectives", "The Participants will cooperate."),
        ("article", "Consultations", ""),
        ("paragraph", None, "Once a year."),
    ]


def test_text_that_fits_nowhere_is_reported_not_dropped():
    paragraphs = paragraphs_from_plain_text(
        "Memorandum\nHave agreed as follows:\nA stray line.\n1. A stray paragraph.\n(a) A stray item.\nArticle 1 — A\nText."
    )
    result = recognise(paragraphs)
    assert [n.text for n in result.notices] == ["A stray line.", "1. A stray paragraph.", "(a) A stray item."]
    every_source_accounted_for(result, paragraphs)


def test_unnumbered_paragraphs_after_numbered_ones_are_joined_with_a_warning():
    result = recognise(
        paragraphs_from_plain_text("Memorandum\nHave agreed as follows:\nArticle 1 — A\n1. One.\nMore of one.")
    )
    assert result.clauses[-1].text == "One.\nMore of one."
    assert "joined" in result.clauses[-1].warnings[0]


def test_generated_numbers_are_read_from_the_label_not_the_text():
    paragraphs = [
        SourceParagraph("Memorandum", centred=True, bold=True),
        SourceParagraph("between the Participants", centred=True),
        SourceParagraph("Recalling,"),
        SourceParagraph("Have agreed as follows:"),
        SourceParagraph("Objectives", number_label="Article 1", level=0, bold=True),
        SourceParagraph("Cooperation.", number_label="1.", level=1),
        SourceParagraph("first;", number_label="a)", level=2),
        SourceParagraph("2024 will be a year of cooperation.", number_label="2.", level=1),
    ]
    result = recognise(paragraphs)
    assert shape(result) == [
        ("title", 0, None, "Memorandum between the Participants"),
        ("preamble", 0, None, "Recalling,"),
        ("preamble", 0, None, "Have agreed as follows:"),
        ("article", 0, "Objectives", ""),
        ("paragraph", 1, None, "Cooperation."),
        ("item", 2, None, "first;"),
        ("paragraph", 1, None, "2024 will be a year of cooperation."),
    ]


def test_no_title_no_formula_and_no_text_are_reported():
    assert [str(n.message) for n in recognise([]).notices] == ["The draft has no text."]
    result = recognise(paragraphs_from_plain_text("Recalling,\nArticle 1 — A\nText."))
    assert [c.kind.value for c in result.clauses] == ["preamble", "article"]
    assert len(result.notices) == 2  # no title, no operative formula


def test_plain_text_one_paragraph_per_line_or_wrapped_blocks():
    assert [p.text for p in paragraphs_from_plain_text("  One\r\nTwo\n\n\nThree  ")] == ["One", "Two", "Three"]
    wrapped = (
        "Memorandum of Understanding between the Secretariat of the Conference on\n"
        "Interaction and Confidence Building Measures in Asia\n\n"
        "Recalling that in the 2002 Almaty Act, the founding document of CICA, the\n"
        "Heads of State condemned terrorism,\n"
        "1. A numbered line starts a new paragraph inside a block of wrapped lines, and\n"
        "continues on the next line.\n"
    )
    assert [p.text for p in paragraphs_from_plain_text(wrapped)] == [
        "Memorandum of Understanding between the Secretariat of the Conference on Interaction and Confidence "
        "Building Measures in Asia",
        "Recalling that in the 2002 Almaty Act, the founding document of CICA, the Heads of State condemned terrorism,",
        "1. A numbered line starts a new paragraph inside a block of wrapped lines, and continues on the next line.",
    ]


def test_a_short_line_after_numbered_paragraphs_is_not_taken_for_a_late_heading():
    paragraphs = [
        SourceParagraph("Memorandum", bold=True),
        SourceParagraph("Have agreed as follows:"),
        SourceParagraph("", number_label="Article 1", level=0),
        SourceParagraph("One.", number_label="1.", level=1),
        SourceParagraph("Still paragraph one"),
    ]
    article, paragraph = recognise(paragraphs).clauses[2:]
    assert (article.heading, article.text) == (None, "")
    assert paragraph.text == "One.\nStill paragraph one"


def test_a_generated_number_of_an_unknown_shape_stays_in_the_text():
    paragraphs = [
        SourceParagraph("Memorandum", bold=True),
        SourceParagraph("Have agreed as follows:"),
        SourceParagraph("Objectives", number_label="Article 1", level=0),
        SourceParagraph("Scope.", number_label="§ 1", level=1),
    ]
    assert recognise(paragraphs).clauses[-1].text == "§ 1 Scope."


def test_any_sequence_of_paragraphs_gives_a_valid_tree_and_loses_nothing():
    """Random drafts (seeded): every clause sits under a parent its kind allows, and every source paragraph
    is in a clause or a notice."""
    import random

    from mou_tracker.core.clause_kinds import ALLOWED_PARENTS

    rng = random.Random(15)
    words = [
        "Article",
        "1",
        "—",
        "(a)",
        "(i)",
        "1.",
        "1.1",
        "PP1",
        "Done",
        "at",
        "•",
        "Have",
        "agreed",
        "as",
        "follows:",
        "Статья",
        "II.",
        "а)",
        "iv.",
        "I.",
        "Heading",
        ",",
        ";",
        ":",
    ]
    for _ in range(500):
        paragraphs = [
            SourceParagraph(
                " ".join(rng.choice(words) for _ in range(rng.randint(0, 6))),
                number_label=rng.choice([None, None, "1.", "(a)", "Article 2", "i.", "•", "§ 3"]),
                level=rng.choice([None, 0, 1, 2]),
                bold=rng.random() < 0.3,
                centred=rng.random() < 0.3,
                heading_level=rng.choice([None, None, 1]),
            )
            for _ in range(rng.randint(0, 15))
        ]
        result = recognise(paragraphs)
        for clause in result.clauses:
            parent = None if clause.parent is None else result.clauses[clause.parent].kind
            assert parent in ALLOWED_PARENTS[clause.kind]
        used = {i for c in result.clauses for i in c.source_indexes} | {n.source_index for n in result.notices}
        assert all(i in used for i, p in enumerate(paragraphs) if p.text.strip() or (p.number_label or "").strip())
