"""The rolling text (#17 item 2): the draft as delegations read it at the table, every tabled proposal in place in
square brackets with its citation, agreed ad ref. text marked; a page, a DOCX and a PDF, in each language."""

from __future__ import annotations

import io
import re

import docx as python_docx
import pypdf
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from mou_tracker.core.clause_kinds import ClauseKind
from mou_tracker.core.rolling import (
    Bracketed,
    Mark,
    Plain,
    Proposal,
    Tag,
    as_plain_text,
    compose,
    compose_clause,
    current_text,
    proposed_clause,
)
from mou_tracker.exports import docx as docx_export
from mou_tracker.exports.record_docx import RollingWords, rolling_docx
from mou_tracker.extensions import db
from mou_tracker.models import Amendment
from mou_tracker.services import rolling as rolling_service
from tests.conftest import DEMO_HOME, wid_of
from tests.services.test_agreement import review
from tests.services.test_amendments import AMENDMENT_CLAUSE, SETTLEMENT, act, amendment_id, as_user, propose
from tests.web.test_exports_docx_exact import _libreoffice_texts, libreoffice

BASE = "/n/cica-unoct-mou"
# Core: composition without an app ---------------------------------------------------------------------------

UNOCT3, CICA2, CICA3 = Tag("UNOCT-3", "UNOCT"), Tag("CICA-2", "CICA"), Tag("CICA-3", "CICA")
CURRENT = "The Participants may cooperate in the field of counter-terrorism."


def test_two_proposals_on_the_same_word_stand_side_by_side_after_the_current_word():
    pieces = compose(
        CURRENT,
        [
            (UNOCT3, "The Participants shall cooperate in the field of counter-terrorism."),
            (CICA2, "The Participants will cooperate in the field of counter-terrorism."),
        ],
    )
    assert as_plain_text(pieces) == (
        "The Participants [may] [UNOCT-3: shall] [CICA-2: will] cooperate in the field of counter-terrorism."
    )


def test_separate_changes_stay_separate_and_a_deletion_says_delete():
    pieces = compose(CURRENT, [(CICA3, "The Participants may cooperate in counter-terrorism matters.")])
    assert as_plain_text(pieces, "delete") == (
        "The Participants may cooperate in [the field of] [CICA-3: delete] counter-terrorism [CICA-3: matters]."
    )


def test_overlapping_changes_of_different_lengths_become_one_question_with_whole_alternatives():
    pieces = compose(
        CURRENT,
        [
            (UNOCT3, "The Participants shall cooperate in the field of counter-terrorism."),
            (CICA2, "The Participants will closely cooperate in the field of counter-terrorism."),
        ],
    )
    (question,) = [p for p in pieces if isinstance(p, Bracketed)]
    assert question.current == "may"
    assert [(a.citations, a.text) for a in question.alternatives] == [("UNOCT-3", "shall"), ("CICA-2", "will closely")]
    # An insertion inside a replaced span joins the question too.
    pieces = compose("a b c d", [(UNOCT3, "a x y d"), (CICA2, "a b z c d")])
    assert as_plain_text(pieces) == "a [b c] [UNOCT-3: x y] [CICA-2: b z c] d"


def test_identical_wording_from_two_proposals_is_shown_once_with_both_citations():
    pieces = compose("a b c", [(UNOCT3, "a c"), (CICA2, "a c")])
    assert as_plain_text(pieces) == "a [b] [UNOCT-3, CICA-2: delete] c"


def test_pure_insertions_keep_their_spaces_outside_the_brackets():
    assert as_plain_text(compose("a b c", [(UNOCT3, "a b c d")])) == "a b c [UNOCT-3: d]"
    assert as_plain_text(compose("a b c", [(UNOCT3, "z a b c")])) == "[UNOCT-3: z] a b c"
    assert as_plain_text(compose("", [(UNOCT3, "new words")])) == "[UNOCT-3: new words]"


def test_a_text_without_proposals_is_one_plain_piece():
    assert compose(CURRENT, []) == (Plain(CURRENT),)
    assert compose(CURRENT, [(UNOCT3, CURRENT)]) == (Plain(CURRENT),)


WORDS = st.lists(st.sampled_from(["a", "b", "c", "shall", "will", "Статья", ",", "."]), max_size=12)


@settings(max_examples=300, deadline=None)
@given(WORDS, st.lists(WORDS, max_size=3))
def test_composition_never_loses_or_adds_a_character_of_the_current_text(current_words, proposed):
    current = " ".join(current_words)
    proposals = [(Tag(f"P-{i}", "P"), " ".join(words)) for i, words in enumerate(proposed)]
    pieces = compose(current, proposals)
    assert current_text(pieces) == current
    for piece in pieces:
        if isinstance(piece, Bracketed):
            assert piece.alternatives and all(alt.tags for alt in piece.alternatives)


def test_clause_composition_marks_ad_ref_and_deletion_and_a_missing_language():
    agreed = compose_clause(
        key="w1", kind=ClauseKind.paragraph, depth=1, label="1.", heading=None, body="Text.", mark=Mark.ad_referendum
    )
    assert agreed.mark is Mark.ad_referendum and not agreed.bracketed
    deleted = compose_clause(
        key="w1",
        kind=ClauseKind.paragraph,
        depth=1,
        label="1.",
        heading=None,
        body="Text.",
        proposals=[Proposal(CICA2, delete=True), Proposal(UNOCT3)],
        mark=Mark.ad_referendum,
    )
    # A clause with tabled proposals is not agreed, whatever its last adoption.
    assert deleted.mark is None and deleted.bracketed
    assert deleted.deleted_by == (CICA2,) and deleted.without_text == (UNOCT3,)
    new = proposed_clause(key="new-1", kind=ClauseKind.paragraph, depth=1, heading=None, body="New.", tag=UNOCT3)
    assert new.inserted_by == UNOCT3 and as_plain_text(new.body) == "[UNOCT-3: New.]"
    headed = compose_clause(
        key="w2",
        kind=ClauseKind.article,
        depth=0,
        label="Article 2",
        heading="Areas",
        body="Text.",
        proposals=[Proposal(UNOCT3, heading="Areas of cooperation", body="Text.")],
    )
    assert as_plain_text(headed.heading) == "Areas [UNOCT-3: of cooperation]"
    assert as_plain_text(headed.body) == "Text."


# The negotiation at the table -------------------------------------------------------------------------------

UNOCT_WORDING = (
    "Any dispute arising from the interpretation or application of this Memorandum shall be settled amicably "
    "through consultations between the Participants."
)
CICA_WORDING = (
    "Any difference arising from the interpretation or application of this Memorandum will be settled amicably "
    "through consultations between the Participants."
)
SECRET = "Secret internal wording never tabled"


def _text(html: str) -> str:
    """The page's text as a reader sees it: tags dropped, entities read, spaces collapsed."""
    import html as html_module

    return re.sub(r"\s+", " ", html_module.unescape(re.sub(r"<[^>]+>", "", html)))


def _at_the_table(app, demo):
    """UNOCT and CICA each table a wording of the settlement clause; UNOCT proposes a new paragraph and the deletion
    of another; each party keeps an untabled draft of its own."""
    unoct, cica = as_user(app, demo, "unoct.negotiator"), as_user(app, demo, "cica.negotiator")
    settlement = wid_of(app, SETTLEMENT)
    ids = {}
    ids["unoct"] = amendment_id(
        propose(unoct, settlement, UNOCT_WORDING, ru="Любой спор разрешается путём консультаций.")
    )
    assert act(unoct, ids["unoct"], "table").status_code == 302
    ids["cica"] = amendment_id(propose(cica, settlement, CICA_WORDING))
    assert act(cica, ids["cica"], "table").status_code == 302
    amendment_clause = wid_of(app, AMENDMENT_CLAUSE)
    response = unoct.post(f"/clauses/{amendment_clause}/propose-deletion", {"rationale": "Not needed."})
    ids["deletion"] = amendment_id(response)
    assert act(unoct, ids["deletion"], "table").status_code == 302
    # Untabled drafts of both parties: never in the rolling text, for anyone.
    ids["unoct_draft"] = amendment_id(propose(unoct, amendment_clause, SECRET + " of UNOCT."))
    ids["cica_draft"] = amendment_id(propose(cica, amendment_clause, SECRET + " of CICA."))
    return unoct, cica, ids


def _citation(app, amendment_id_: int) -> str:
    with app.app_context():
        return db.session.get(Amendment, amendment_id_).citation


def test_the_page_shows_every_tabled_proposal_in_place_with_its_citation_and_no_draft(app, demo):
    unoct, cica, ids = _at_the_table(app, demo)
    u, c, d = (_citation(app, ids[k]) for k in ("unoct", "cica", "deletion"))
    for browser in (unoct, cica, as_user(app, demo, "cica.chair"), as_user(app, demo, "unoct.legal")):
        response = browser.get(f"{BASE}/rolling-text?language=en")
        assert response.status_code == 200
        text = _text(response.get_data(as_text=True))
        # Both wordings at the changed words, after the current one, each tagged with its citation.
        assert f"Any [difference] [{u}: dispute] arising" in text
        assert f"[will] [{u}: shall] [{c}: will]" not in text  # CICA keeps "will": only UNOCT changes that word
        assert f"Memorandum [will] [{u}: shall] be settled" in text
        # The same words proposed by both parties: one alternative, both citations.
        assert f"[implementation] [{u}, {c}: application]" in text
        # The proposed deletion of a whole clause is bracketed and says so.
        assert f"{d}: delete the clause" in text
        assert SECRET not in text
    # Russian: UNOCT's proposal has Russian words, CICA's has none (noted); labels are Russian.
    text = _text(cica.get(f"{BASE}/rolling-text?language=ru").get_data(as_text=True))
    assert f"[{u}: Любой спор разрешается путём консультаций.]" in text or f"{u}:" in text
    assert "Статья 1" in text and "Article 1" not in text
    assert c in text  # named among the proposals without Russian words
    assert SECRET not in text


def test_a_proposed_new_clause_appears_at_its_place_in_brackets(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    with app.app_context():
        from mou_tracker.models import Clause

        term = db.session.scalar(db.select(Clause).filter_by(wid=wid_of(app, "This Memorandum will remain in effect")))
        parent, after = term.parent.wid, term.wid
    response = unoct.post(
        f"/propose/new-clause?parent={parent}&after={after}",
        {"kind": "paragraph", "body_en": "Each Participant will bear its own costs.", "rationale": "Costs."},
    )
    new_id = amendment_id(response)
    assert act(unoct, new_id, "table").status_code == 302
    text = _text(unoct.get(f"{BASE}/rolling-text?language=en").get_data(as_text=True))
    citation = _citation(app, new_id)
    assert f"New clause proposed by {citation}" in text
    assert f"[{citation}: Each Participant will bear its own costs.]" in text
    # Right after the clause it follows, before the next one.
    proposed_at = text.index(f"[{citation}: Each Participant")
    assert text.index("This Memorandum will remain in effect") < proposed_at < text.index("Either Participant may")


def test_an_adopted_clause_is_marked_agreed_ad_ref(app, demo):
    unoct, cica = as_user(app, demo, "unoct.negotiator"), as_user(app, demo, "cica.negotiator")
    new_id = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), UNOCT_WORDING))
    assert act(unoct, new_id, "table").status_code == 302
    assert act(cica, new_id, "concur").status_code == 302
    assert review(as_user(app, demo, "cica.legal"), new_id).status_code == 302
    with app.app_context():
        assert db.session.get(Amendment, new_id).state.value == "adopted"
    html = unoct.get(f"{BASE}/rolling-text?language=en").get_data(as_text=True)
    assert re.search(r'rt-mark-ad_referendum">\(ad ref\.\)', html)
    assert html.count("rt-mark-ad_referendum") == 1
    # In Russian, for a Russian reader too.
    html = unoct.get(f"{BASE}/rolling-text?language=ru").get_data(as_text=True)
    assert html.count("rt-mark-ad_referendum") == 1


def test_a_language_the_negotiation_lacks_is_refused_clearly(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    for url in ("/rolling-text?language=fr", "/rolling-text.docx?language=fr", "/rolling-text.pdf?language=xx"):
        response = cica.get(BASE + url)
        assert response.status_code == 400
        assert "has no text in that language" in response.get_data(as_text=True)


def test_the_docx_has_each_language_with_its_own_labels_and_the_brackets(app, demo):
    _unoct, cica, ids = _at_the_table(app, demo)
    u = _citation(app, ids["unoct"])
    response = cica.get(f"{BASE}/rolling-text.docx")
    assert response.status_code == 200 and "rolling-text" in response.headers["Content-Disposition"]
    document = python_docx.Document(io.BytesIO(response.data))
    paragraphs = [p.text for p in document.paragraphs]
    assert any(p.startswith("Any [difference] [" + u + ": dispute]") for p in paragraphs)
    assert "Статья 1 — Цели сотрудничества" in paragraphs and "Article 1 — Objectives of cooperation" in paragraphs
    assert not any(SECRET in p for p in paragraphs)
    assert len(document.sections) == 2
    # One language only.
    only_ru = python_docx.Document(io.BytesIO(cica.get(f"{BASE}/rolling-text.docx?language=ru").data))
    texts = [p.text for p in only_ru.paragraphs]
    assert "Статья 1 — Цели сотрудничества" in texts and not any(t.startswith("Article 1") for t in texts)


@libreoffice
def test_libreoffice_reads_the_rolling_text_docx(app, demo, tmp_path):
    _unoct, cica, ids = _at_the_table(app, demo)
    u, c = _citation(app, ids["unoct"]), _citation(app, ids["cica"])
    data = cica.get(f"{BASE}/rolling-text.docx").data
    lines = _libreoffice_texts(tmp_path, {"rolling": (data, "none")})["rolling"]
    joined = "\n".join(lines)
    assert (
        f"Any [difference] [{u}: dispute] arising from the interpretation or [implementation] [{u}, {c}: application]"
        in (joined)
    )
    assert "Статья 1 — Цели сотрудничества" in lines
    assert SECRET not in joined


def test_the_pdf_reads_back_with_both_languages_and_russian_labels(app, demo):
    _unoct, cica, ids = _at_the_table(app, demo)
    u = _citation(app, ids["unoct"])
    response = cica.get(f"{BASE}/rolling-text.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    flat = re.sub(r"\s+", " ", text)
    assert f"[difference] [{u}: dispute]" in flat
    assert "Статья 1" in flat and "Article 1" in flat
    assert SECRET not in flat


def test_the_draft_page_and_the_meeting_pack_link_to_the_rolling_text(app, demo):
    cica = as_user(app, demo, "cica.chair")
    for page in ("/", "/meetings/SWG/pack"):
        html = cica.get(BASE + page).get_data(as_text=True)
        assert f'href="{BASE}/rolling-text' in html, page


def test_another_negotiation_shows_nothing_of_this_one_and_outsiders_get_not_found(app, demo):
    _unoct, cica, ids = _at_the_table(app, demo)
    u = _citation(app, ids["unoct"])
    other = "/n/cica-rats-mou"
    text = _text(cica.get(f"{other}/rolling-text?language=en").get_data(as_text=True))
    assert "Rolling text" in text and u not in text and "UNOCT" not in text
    outsider = as_user(app, demo, "unoct.chair")
    for url in (
        "/rolling-text",
        "/rolling-text.docx",
        "/rolling-text.pdf",
        "/signature-copy",
        "/signature-copy.docx",
        "/signature-copy.pdf",
    ):
        assert outsider.get(other + url).status_code == 404, url
    assert outsider.post(f"{other}/signature-copy", {}, token_from=f"{BASE}/signature-copy").status_code == 404


def test_clause_numbers_follow_the_language_of_the_text_not_the_interface(app, demo):
    cica = as_user(app, demo, "cica.negotiator")  # reads the interface in English
    print_view = _text(cica.get(f"{BASE}/print?lang=ru").get_data(as_text=True))
    assert "Статья 1" in print_view and "Article 1" not in print_view
    both = _text(cica.get(f"{BASE}/?lang=both").get_data(as_text=True))
    assert "Статья 1" in both and "Article 1" in both
    english = _text(cica.get(f"{BASE}/print?lang=en").get_data(as_text=True))
    assert "Article 1" in english and "Статья" not in english


# The Word file reads as the page -----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(WORDS, st.lists(WORDS, max_size=3), st.sampled_from(["", "\t", "\n", " & <b>", "\x01"]))
def test_each_clause_of_the_word_file_reads_as_the_rolling_text_on_paper(current_words, proposed, extra):
    """Whatever the words (markup characters, a tab, a line break, a character XML cannot hold), the Word paragraph
    holds the clause's number, then the text with its brackets exactly as core.rolling writes it on paper."""
    current = " ".join(current_words) + extra
    proposals = [Proposal(Tag(f"P-{i}", "P"), body=" ".join(words)) for i, words in enumerate(proposed)]
    clause = compose_clause(
        key="w1", kind=ClauseKind.paragraph, depth=1, label="1.", heading=None, body=current, proposals=proposals
    )
    data = rolling_docx("Title", "Subtitle", [(docx_export.ENGLISH, RollingWords(), [clause])])
    body = python_docx.Document(io.BytesIO(data)).paragraphs[-1]
    on_paper = as_plain_text(clause.body) if clause.body else RollingWords().missing
    assert body.text == "1.\t" + on_paper.replace("\x01", "")
    # The brackets and the citations are bold: they read without colour.
    bold = [run.text for run in body.runs if run.bold]
    for piece in clause.body:
        if isinstance(piece, Bracketed):
            assert "[" in bold and all(f"{alt.citations}:" in bold for alt in piece.alternatives)
    assert {run._r.rPr.find(qn("w:lang")).get(qn("w:val")) for run in body.runs} == {"en-GB"}


def test_the_word_file_keeps_the_paragraph_and_run_styles_python_docx_gave_it():
    """The Word XML is written as text for speed: the paragraphs carry the indent, spacing and centring, the runs
    bold, italic, size and language, as python-docx wrote them."""
    clauses = [
        compose_clause(
            key="a1", kind=ClauseKind.article, depth=0, label="Article 1", heading="Areas", body="", mark=Mark.agreed
        ),
        compose_clause(
            key="p1",
            kind=ClauseKind.paragraph,
            depth=1,
            label="1.",
            heading=None,
            body=CURRENT,
            proposals=[Proposal(UNOCT3, body=CURRENT.replace("may", "shall")), Proposal(CICA2, delete=True)],
        ),
        proposed_clause(key="new-1", kind=ClauseKind.item, depth=2, heading=None, body="New words.", tag=CICA3),
    ]
    document = python_docx.Document(
        io.BytesIO(rolling_docx("T", "S", [(docx_export.ENGLISH, RollingWords(), clauses)]))
    )
    paragraphs = document.paragraphs
    texts = [p.text for p in paragraphs]
    head = paragraphs[texts.index("Article 1 — Areas (agreed)")]
    assert head.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert [(r.text, bool(r.bold), bool(r.italic), r.font.size) for r in head.runs] == [
        ("Article 1", True, False, None),
        (" — ", True, False, None),
        ("Areas", True, False, None),
        (" (agreed)", False, True, Pt(9)),
    ]
    body = paragraphs[
        texts.index(
            "1.\t[The Participants [may] [UNOCT-3: shall] cooperate in the field of "
            "counter-terrorism.] [CICA-2: delete the clause]"
        )
    ]
    assert round(body.paragraph_format.left_indent.cm, 2) == 1 and body.paragraph_format.space_after == Pt(6)
    tag = next(r for r in body.runs if r.text == "UNOCT-3:")
    assert tag.bold and tag.font.size == Pt(9)
    note = paragraphs[texts.index("New clause proposed by CICA-3")]
    assert note.runs[0].italic and round(note.paragraph_format.left_indent.cm, 2) == 2
    assert "[CICA-3: New words.]" in texts


def _page_clauses(page: str) -> list[tuple[str, int]]:
    """Each clause of the rolling text page as a reader sees it (white space collapsed, screen-reader-only words
    left out), and how many paragraphs it takes on paper: its notes, the title, an article's (or a headed clause's)
    heading line, and its words, which begin with the clause's number and mark for any other clause."""
    tree = lxml_html.fromstring(page)
    found = []
    for item in tree.xpath("//ol[contains(@class, 'rolling-text')]/li"):
        for hidden in item.xpath(".//*[contains(concat(' ', @class, ' '), ' visually-hidden ')]"):
            hidden.drop_tree()
        notes = [p.text_content() for p in item.xpath("./p[contains(@class, 'rt-note')]")]
        title = item.xpath("./h2")
        head = "".join(div.text_content() for div in item.xpath("./div[contains(@class, 'clause-head')]"))
        words = "".join(
            p.text_content()
            for p in item.xpath("./p[contains(@class, 'rt-body') or contains(@class, 'missing-translation')]")
        )
        if "kind-article" not in item.get("class") and not item.xpath(".//span[@class='clause-heading']"):
            head, words = "", head + words
        lines = sum(1 for text in (*notes, head, words) if text.strip()) + len(title)
        found.append((" ".join(item.text_content().split()), lines))
    return found


@libreoffice
def test_libreoffice_reads_the_word_file_as_the_page_says_it_clause_by_clause(app, demo, tmp_path):
    unoct, cica, _ids = _at_the_table(app, demo)
    # Words Word must escape, on a clause of their own; a proposed new clause; a clause agreed ad ref.
    escaped = amendment_id(propose(cica, wid_of(app, "The Participants will consult"), "A & B <consult> more."))
    assert act(cica, escaped, "table").status_code == 302
    with app.app_context():
        from mou_tracker.models import Clause

        term = db.session.scalar(db.select(Clause).filter_by(wid=wid_of(app, "This Memorandum will remain in effect")))
        parent, after = term.parent.wid, term.wid
    response = unoct.post(
        f"/propose/new-clause?parent={parent}&after={after}",
        {"kind": "paragraph", "body_en": "Each Participant will bear its own costs.", "rationale": "Costs."},
    )
    assert act(unoct, amendment_id(response), "table").status_code == 302
    agreed = amendment_id(propose(unoct, wid_of(app, "This Memorandum will remain in effect"), "This MoU stays."))
    assert act(unoct, agreed, "table").status_code == 302
    assert act(cica, agreed, "concur").status_code == 302
    assert review(as_user(app, demo, "cica.legal"), agreed).status_code == 302
    data = cica.get(f"{BASE}/rolling-text.docx").data
    lines = [line for line in _libreoffice_texts(tmp_path, {"rolling": (data, "none")})["rolling"] if line.strip()]
    at = lines.index("English text") + 1
    for language, next_heading in (("en", "Текст на русском языке"), ("ru", None)):
        clauses = _page_clauses(cica.get(f"{BASE}/rolling-text?language={language}").get_data(as_text=True))
        assert len(clauses) > 20
        for text, count in clauses:
            on_paper = " ".join(lines[at : at + count]).replace("\t", " ").replace(" — ", " ")
            assert " ".join(on_paper.split()) == text
            at += count
        if next_heading:
            assert lines[at] == next_heading
            at += 1
    assert at == len(lines)
    joined = "\n".join(lines)
    assert "<consult>" in joined and " & " in joined and "(ad ref.)" in joined and "New clause proposed by" in joined


# Kept between requests ---------------------------------------------------------------------------------------


def _docx_lines(response) -> list[str]:
    assert response.status_code == 200
    return [p.text for p in python_docx.Document(io.BytesIO(response.data)).paragraphs]


def test_the_page_and_its_files_are_made_once_per_state_and_show_the_next_change(app, demo, monkeypatch):
    unoct, cica, ids = _at_the_table(app, demo)
    u = _citation(app, ids["unoct"])
    made: list[tuple[str, ...]] = []
    compose_texts = rolling_service.rolling_texts

    def counted(session, actor, languages):
        made.append(tuple(languages))
        return compose_texts(session, actor, languages)

    monkeypatch.setattr(rolling_service, "rolling_texts", counted)
    urls = (f"{BASE}/rolling-text?language=en", f"{BASE}/rolling-text.docx", f"{BASE}/rolling-text.pdf?language=ru")
    first = [cica.get(url) for url in urls]
    assert made == [("en",), ("en", "ru"), ("ru",)]
    again = [cica.get(url) for url in urls]
    assert made == [("en",), ("en", "ru"), ("ru",)]  # kept: nothing composed again
    assert [r.status_code for r in again] == [200, 200, 200]
    assert again[1].data == first[1].data and again[2].data == first[2].data
    assert re.search(r'filename="[^"]*rolling-text[^"]*\.docx"', again[1].headers["Content-Disposition"])
    assert again[2].mimetype == "application/pdf"
    assert f"[difference] [{u}: dispute]" in _text(again[0].get_data(as_text=True))

    # UNOCT's own draft moves UNOCT's state only: CICA's kept text stays kept; UNOCT's is made again, without it.
    del made[:]
    draft = amendment_id(propose(unoct, wid_of(app, "The Participants will consult"), SECRET + " again."))
    cica.get(urls[0])
    assert made == []
    assert SECRET not in _text(unoct.get(urls[0]).get_data(as_text=True))
    assert SECRET not in "\n".join(_docx_lines(unoct.get(urls[1])))
    assert made == [("en",), ("en", "ru")]

    # Tabled, it is at the table for everyone at the next view: the page and the Word file are made again.
    assert act(unoct, draft, "table").status_code == 302
    citation = _citation(app, draft)
    assert f"[{citation}: {SECRET} again]" in _text(cica.get(urls[0]).get_data(as_text=True))
    assert any(f"[{citation}: {SECRET} again]" in line for line in _docx_lines(cica.get(urls[1])))


def test_a_kept_rolling_text_is_never_another_negotiations(app, demo):
    _unoct, cica, ids = _at_the_table(app, demo)
    u = _citation(app, ids["unoct"])
    assert any(u in line for line in _docx_lines(cica.get(f"{BASE}/rolling-text.docx?language=en")))
    assert u in cica.get(f"{BASE}/rolling-text?language=en").get_data(as_text=True)
    other = "/n/cica-rats-mou"
    assert not any(u in line for line in _docx_lines(cica.get(f"{other}/rolling-text.docx?language=en")))
    assert u not in cica.get(f"{other}/rolling-text?language=en").get_data(as_text=True)


def test_a_rolling_text_too_long_for_a_pdf_is_offered_as_word(app, people, monkeypatch):
    """Above MOU_PDF_MAX_PROPOSALS open proposals the rolling text's PDF is neither offered nor typeset (a treaty's
    would take many minutes, beyond any request): its Word file, made in seconds, is."""
    chair = people["cica.chair"]
    assert "rolling-text.pdf" in chair.get(f"{DEMO_HOME}rolling-text?language=en").get_data(as_text=True)
    monkeypatch.setitem(app.config, "MOU_PDF_MAX_PROPOSALS", 0)
    proposed = amendment_id(propose(people["unoct.negotiator"], wid_of(app, SETTLEMENT), "Differences are settled."))
    assert act(people["unoct.negotiator"], proposed, "table").status_code == 302  # a new state: the page anew
    page = chair.get(f"{DEMO_HOME}rolling-text?language=en").get_data(as_text=True)
    assert "rolling-text.pdf" not in page and "rolling-text.docx" in page
    refused = chair.get(f"{DEMO_HOME}rolling-text.pdf?language=en")
    assert refused.status_code == 409
    assert "Download it as a Word document" in refused.get_data(as_text=True)
    assert chair.get(f"{DEMO_HOME}rolling-text.docx?language=en").status_code == 200
