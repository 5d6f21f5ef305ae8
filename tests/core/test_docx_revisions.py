"""Reading a marked-up Word document back (imports/docx_revisions.py, issue #16): tracked changes as Word and
LibreOffice write them, comments, the clause ids the product's exports embed, and hostile files refused.

The LibreOffice fixtures (tests/fixtures/roundtrip/) were made by tests/make_roundtrip_fixtures.py, whose EDITS
and COMMENTS say exactly what was done to the clean export; Word's own markup is written by tests/roundtrip_docs.py.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import subprocess
import zipfile
from pathlib import Path

import pytest

from mou_tracker.extensions import db
from mou_tracker.imports.docx_reader import ImportRefused
from mou_tracker.imports.docx_revisions import (
    ChangeKind,
    ParagraphPart,
    RevisedDocument,
    RevisedParagraph,
    bookmark_name,
    read_revised_docx,
)
from mou_tracker.models import Milestone, User
from tests.conftest import Browser
from tests.make_roundtrip_fixtures import APPENDED, COMMENT_DATE, COMMENTS, EDITS, FIRST_AUTHOR, SECOND_AUTHOR
from tests.roundtrip_docs import Key, WordEditor, minimal_docx, random_tracked_edits
from tests.web.test_exports_docx_exact import SYSTEM_PYTHON, history, libreoffice  # noqa: F401 -- fixtures

HERE = Path(__file__).resolve().parents[1]
FIXTURES = HERE / "fixtures" / "roundtrip"
REGENERATE = "the demo's export changed: run /usr/bin/python3 tests/make_roundtrip_fixtures.py and commit its output"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.docx").read_bytes()


def key_of(paragraph: RevisedParagraph) -> Key:
    assert paragraph.clause_wid is not None and paragraph.language is not None
    return Key(paragraph.clause_wid, paragraph.language, paragraph.part.value)


def by_key(document: RevisedDocument) -> dict[Key, RevisedParagraph]:
    found = {}
    for paragraph in document.paragraphs:
        if paragraph.clause_wid is not None:
            assert key_of(paragraph) not in found, key_of(paragraph)
            found[key_of(paragraph)] = paragraph
    return found


W_BODY = "<w:p><w:pPr><w:rPr>{mark}</w:rPr></w:pPr>{runs}</w:p>"


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def deleted(text: str) -> str:
    return f'<w:r><w:delText xml:space="preserve">{text}</w:delText></w:r>'


def change(tag: str, inner: str, author: str = "A", change_id: int = 1, date: str = "2026-11-20T10:00:00Z") -> str:
    return f'<w:{tag} w:id="{change_id}" w:author="{author}" w:date="{date}">{inner}</w:{tag}>'


# --- the product's exports carry the clause ids ------------------------------------------------------------------


def test_bookmark_names_are_what_word_accepts_and_read_back():
    name = bookmark_name("c-1a2b3c4d5e6f", "ru", ParagraphPart.heading)
    assert name == "mou_h_ru_c_1a2b3c4d5e6f"
    assert len(name) <= 40 and name[0].isalpha() and name.replace("_", "").isalnum()
    # Ids that cannot be spelt in a bookmark name get none (the paragraph is then matched by its words).
    assert bookmark_name("c-" + "a" * 40, "en", ParagraphPart.body) is None
    assert bookmark_name("c 1", "en", ParagraphPart.body) is None
    assert bookmark_name("c-1", "zh-Hans", ParagraphPart.body) is None


def test_every_clean_export_names_each_clause_paragraph_the_negotiation_and_its_point(app, demo):
    from mou_tracker.services import draft as draft_service

    unoct = Browser(app.test_client(), demo)
    unoct.sign_in("unoct.negotiator")
    response = unoct.get("/exports/draft.docx")
    assert response.status_code == 200
    document = read_revised_docx(response.data)
    with app.app_context():
        instrument = draft_service.current_instrument(db.session)
        reader = db.session.scalar(db.select(User).where(User.login == "unoct.negotiator"))
        clauses = draft_service.draft_as_of(db.session, reader, instrument)
        expected = set()
        for clause in clauses:
            for language in ("en", "ru"):
                body = clause.body(language)
                if body is None:
                    continue
                if body:
                    expected.add(Key(clause.clause.wid, language, "body"))
                if clause.kind.value == "article" or clause.heading(language) is not None:
                    expected.add(Key(clause.clause.wid, language, "heading"))
        texts = {
            Key(c.clause.wid, language, "body"): c.body(language)
            for c in clauses
            for language in ("en", "ru")
            if c.body(language)
        }
    found = by_key(document)
    assert set(found) == expected
    assert all(found[key].after == text for key, text in texts.items())
    assert not document.tracked and not document.notices
    assert document.negotiation == "cica-unoct-mou"
    assert document.based_on is not None
    assert abs(dt.datetime.fromisoformat(document.based_on) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)

    # A meeting's frozen draft says when it was frozen.
    chair = Browser(app.test_client(), demo)
    chair.sign_in("cica.chair")
    assert chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG").status_code == 302
    frozen = read_revised_docx(unoct.get("/exports/draft.docx?at=milestone:SWG").data)
    with app.app_context():
        frozen_at = db.session.scalar(
            db.select(Milestone.frozen_at).where(Milestone.code == "SWG", Milestone.frozen_at.is_not(None))
        )
    assert dt.datetime.fromisoformat(frozen.based_on or "") == frozen_at
    assert set(by_key(frozen)) == expected

    # The committed LibreOffice fixtures were made from this very export (same texts; the ids are the demo's own
    # random ones, so they differ from load to load).
    def texts_of(doc: RevisedDocument) -> list[tuple]:
        return [(p.language, p.part, p.label, p.after) for p in doc.paragraphs]

    assert texts_of(read_revised_docx(fixture("clean_export"))) == texts_of(document), REGENERATE


@libreoffice
def test_libreoffice_keeps_every_clause_bookmark_when_it_edits_and_saves(app, history, tmp_path):  # noqa: F811
    chair = history["cica.chair"]
    exports = {
        "clean": chair.get("/exports/draft.docx").data,
        "redline": chair.get("/exports/redline.docx?from=milestone:SWG&to=party:UNOCT").data,
    }
    arguments = []
    for name, data in exports.items():
        (tmp_path / f"{name}.docx").write_bytes(data)
        arguments += [str(tmp_path / f"{name}.docx"), str(tmp_path / f"{name}_lo.docx")]
    done = subprocess.run(  # noqa: S603 -- fixed arguments
        [SYSTEM_PYTHON, HERE / "make_roundtrip_fixtures.py", "--edit-everywhere", *arguments],
        capture_output=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    for name, data in exports.items():
        original = by_key(read_revised_docx(data))
        edited = read_revised_docx((tmp_path / f"{name}_lo.docx").read_bytes())
        found = by_key(edited)
        assert set(found) == set(original), name
        assert len(original) > 40
        for key, paragraph in found.items():
            was = original[key]
            assert paragraph.before == was.before, (name, key)
            if "Memorandum" in was.before + was.after:  # LibreOffice's text holds the deleted words too
                assert paragraph.after == was.after + APPENDED, (name, key)
                last = paragraph.changes[-1]
                assert (last.kind, last.author, last.text) == (ChangeKind.inserted, "Bookmark Checker", APPENDED)
            else:
                assert paragraph.after == was.after, (name, key)
        assert edited.negotiation == "cica-unoct-mou"


# --- LibreOffice's tracked changes (the committed fixtures) --------------------------------------------------------


def _expected_from_edits(baseline: dict[Key, RevisedParagraph]):
    """What EDITS did to the clean export: each clause paragraph's text after, the authors of its changes, the
    paragraphs deleted whole, and the new paragraph (after which clause paragraph, its text, its author)."""
    after = {key: p.after for key, p in baseline.items()}
    authors: dict[Key, set[str]] = {}
    deleted_whole: set[Key] = set()
    inserted = []

    def where(context: str) -> Key:
        keys = [key for key, text in after.items() if context in text]
        assert len(keys) == 1, context
        return keys[0]

    for edit in EDITS:
        key = where(edit["context"])
        text = after[key]
        if edit["kind"] == "replace":
            at = text.index(edit["context"]) + edit["context"].index(edit["old"])
            after[key] = text[:at] + edit["new"] + text[at + len(edit["old"]) :]
        elif edit["kind"] == "append":
            after[key] = text + edit["new"]
        elif edit["kind"] == "new_paragraph":
            inserted.append((key, edit["new"], edit["author"]))
            continue
        elif edit["kind"] == "delete_paragraph":
            after[key] = ""
            deleted_whole.add(key)
        authors.setdefault(key, set()).add(edit["author"])
    return after, authors, deleted_whole, inserted


def test_libreoffice_tracked_changes_read_exactly_as_made():
    baseline = by_key(read_revised_docx(fixture("clean_export")))
    document = read_revised_docx(fixture("libreoffice_tracked"))
    after, authors, deleted_whole, inserted = _expected_from_edits(baseline)
    found = by_key(document)
    assert set(found) == set(baseline)  # LibreOffice kept every bookmark
    assert document.tracked and not document.notices
    assert document.negotiation == "cica-unoct-mou"
    assert document.based_on == read_revised_docx(fixture("clean_export")).based_on
    for key, paragraph in found.items():
        assert paragraph.before == baseline[key].after, key
        assert paragraph.after == after[key], key
        assert paragraph.label == baseline[key].label, key
        assert paragraph.deleted_whole == (key in deleted_whole), key
        assert not paragraph.inserted_whole
        assert {c.author for c in paragraph.changes} == authors.get(key, set()), key
        assert all(c.date is not None for c in paragraph.changes)
    # Spelled out, as a reader of the test would check the document by eye.
    heading = next(p for p in document.paragraphs if p.label == "Article 7" and p.part is ParagraphPart.heading)
    assert (heading.before, heading.after) == ("Settlement of differences", "Settlement of disputes")
    assert [(c.kind, c.text) for c in heading.changes] == [
        (ChangeKind.deleted, "differences"),
        (ChangeKind.inserted, "disputes"),
    ]
    russian = next(p for p in document.paragraphs if p.before.startswith("Участники будут сотрудничать"))
    assert russian.language == "ru" and russian.after == "Участники сотрудничают в следующих целях:"

    # The new paragraph: right after the clause it follows, no clause id, inserted whole by its author.
    ((after_key, text, author),) = inserted
    index = found[after_key].index
    new = document.paragraphs[index + 1]
    assert (new.clause_wid, new.language, new.part) == (None, "en", ParagraphPart.body)
    assert (new.before, new.after, new.inserted_whole, new.deleted_whole) == ("", text, True, False)
    assert [(c.kind, c.author, c.text) for c in new.changes] == [(ChangeKind.inserted, author, text)]
    assert len(document.paragraphs) == len(baseline) + 1

    comments = [(c, p) for p in document.paragraphs for c in p.comments]
    assert sorted((c.author, c.anchored, c.text) for c, _ in comments) == sorted(COMMENTS)
    for comment, paragraph in comments:
        assert comment.date == dt.datetime(*COMMENT_DATE, tzinfo=dt.UTC)
        assert comment.anchored in paragraph.after
    assert {a for a, _, _ in COMMENTS} == {FIRST_AUTHOR, SECOND_AUTHOR}


def test_libreoffice_clean_retyped_copy_has_the_new_texts_and_no_changes():
    baseline = by_key(read_revised_docx(fixture("clean_export")))
    document = read_revised_docx(fixture("libreoffice_clean"))
    after, _authors, deleted_whole, inserted = _expected_from_edits(baseline)
    found = by_key(document)
    assert not document.tracked and not document.notices
    assert set(found) == set(baseline) - deleted_whole
    for key, paragraph in found.items():
        assert paragraph.before == paragraph.after == after[key], key
        assert not paragraph.changes and not paragraph.comments
    ((after_key, text, _author),) = inserted
    new = document.paragraphs[found[after_key].index + 1]
    assert (new.clause_wid, new.after, new.inserted_whole) == (None, text, False)


# --- Word's tracked changes, written as Word writes them -----------------------------------------------------------


@pytest.mark.parametrize("seed", range(30))
def test_random_word_edits_read_back_clause_by_clause_and_word_by_word(seed):
    edited = random_tracked_edits(fixture("clean_export"), seed)
    document = read_revised_docx(edited.data)
    found = by_key(document)
    assert document.tracked == bool(edited.changed)
    assert edited.changed
    for key, expected in edited.expected.items():
        paragraph = found[key]
        assert (paragraph.before, paragraph.after) == (expected.before, expected.after), key
        assert [c.author for c in paragraph.changes] == expected.authors, key
        assert all(c.date == dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC) for c in paragraph.changes)
    assert not document.notices


def test_word_paragraph_inserted_and_deleted_whole_and_comments():
    editor = WordEditor(fixture("clean_export"))
    keys = list(editor.paragraphs)
    body = next(k for k in keys if editor.paragraphs[k].text.startswith("This Memorandum may be amended"))
    gone = next(k for k in keys if editor.paragraphs[k].text.startswith("Either Participant may terminate"))
    heading = next(k for k in keys if editor.paragraphs[k].text == "Amendment")
    editor.replace(body, "at any time ", "", "Legal Office")
    editor.insert_paragraph_after(body, "Amendments will be recorded in writing.", "Legal Office")
    editor.delete_paragraph(gone, "Capital")
    editor.comment(body, "Why delete “at any time”?", "Capital")
    editor.comment(heading, "Keep the heading short.", "Legal Office")
    document = read_revised_docx(editor.to_bytes())
    found = by_key(document)
    amended = found[body]
    assert amended.after == "This Memorandum may be amended by mutual written consent of the Participants."
    assert [(c.author, c.text) for c in amended.comments] == [("Capital", "Why delete “at any time”?")]
    assert amended.comments[0].anchored == amended.after
    assert amended.comments[0].date == dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    new = document.paragraphs[amended.index + 1]
    assert (new.clause_wid, new.inserted_whole, new.after, new.before) == (
        None,
        True,
        "Amendments will be recorded in writing.",
        "",
    )
    assert not amended.inserted_whole and [c.kind for c in amended.changes] == [ChangeKind.deleted]
    removed = found[gone]
    assert removed.deleted_whole and removed.after == "" and removed.label == "2."
    assert removed.before.startswith("Either Participant may terminate")
    assert [c.author for c in removed.changes] == ["Capital"]
    assert found[heading].comments[0].anchored == "Amendment"
    assert found[heading].label == "Article 8"
    assert not document.notices


def test_a_new_paragraph_typed_before_a_clause_takes_no_clause_id_even_inside_its_bookmark():
    editor = WordEditor(fixture("clean_export"))
    key = next(k for k, p in editor.paragraphs.items() if p.text.startswith("Consultations will review"))
    editor.insert_paragraph_before(key, "The Participants will meet in Almaty.", "Capital")
    document = read_revised_docx(editor.to_bytes())
    clause = by_key(document)[key]
    new = document.paragraphs[clause.index - 1]
    assert (new.clause_wid, new.language, new.inserted_whole) == (None, "en", True)
    assert (new.before, new.after) == ("", "The Participants will meet in Almaty.")
    assert clause.before == clause.after and clause.label == "1." and not clause.changes
    assert set(by_key(document)) == set(editor.paragraphs)
    assert not document.notices


# --- the cases an export never shows: moves, nesting, fields, spanning changes ------------------------------------


def paragraphs_of(body: str, comments: str | None = None) -> RevisedDocument:
    return read_revised_docx(minimal_docx(body, comments))


def test_moved_words_and_a_moved_paragraph():
    body = (
        "<w:p>"
        + run("The Participants ")
        + change("moveFrom", run("promptly "), "Mover", 1)
        + run("will consult each other")
        + change("moveTo", run(" promptly"), "Mover", 2)
        + run(".")
        + "</w:p>"
        + W_BODY.format(
            mark=change("moveFrom", "", "Mover", 3), runs=change("moveFrom", run("Moved away."), "Mover", 4)
        )
        + "<w:p>"
        + run("In between.")
        + "</w:p>"
        + W_BODY.format(mark=change("moveTo", "", "Mover", 5), runs=change("moveTo", run("Moved away."), "Mover", 6))
    )
    first, away, between, here = paragraphs_of(body).paragraphs
    assert first.before == "The Participants promptly will consult each other."
    assert first.after == "The Participants will consult each other promptly."
    assert [(c.kind, c.text) for c in first.changes] == [
        (ChangeKind.moved_from, "promptly "),
        (ChangeKind.moved_to, " promptly"),
    ]
    assert away.deleted_whole and (away.before, away.after) == ("Moved away.", "")
    assert here.inserted_whole and (here.before, here.after) == ("", "Moved away.")
    assert between.before == between.after == "In between." and not between.changes


def test_nested_changes_by_two_authors():
    # A inserted "swiftly and "; B then deleted "and " inside A's insertion, and deleted "fully" of the original.
    body = (
        "<w:p>"
        + run("Act ")
        + change("ins", run("swiftly ") + change("del", deleted("and "), "B", 2), "A", 1)
        + change("del", deleted("fully"), "B", 3)
        + run(" now.")
        + "</w:p>"
    )
    (paragraph,) = paragraphs_of(body).paragraphs
    assert paragraph.before == "Act fully now."
    assert paragraph.after == "Act swiftly  now."
    assert [(c.kind, c.author, c.text) for c in paragraph.changes] == [
        (ChangeKind.inserted, "A", "swiftly and "),
        (ChangeKind.deleted, "B", "and "),
        (ChangeKind.deleted, "B", "fully"),
    ]


def _bookmarked(wid: str, inner: str, mark: str = "", bookmark_id: int = 1) -> str:
    name = bookmark_name(wid, "en", ParagraphPart.body)
    return W_BODY.format(
        mark=mark,
        runs=f'<w:bookmarkStart w:id="{bookmark_id}" w:name="{name}"/>{inner}<w:bookmarkEnd w:id="{bookmark_id}"/>',
    )


def test_a_change_spanning_two_clauses_is_split_between_them_and_reported():
    # Word: from "beta" in clause 1 to "gamma" in clause 2 deleted: two w:del and clause 1's paragraph mark.
    body = _bookmarked(
        "c-1",
        run("1.") + "<w:r><w:tab/></w:r>" + run("Alpha ") + change("del", deleted("beta"), "B", 1),
        mark=change("del", "", "B", 2),
    ) + _bookmarked(
        "c-2",
        run("2.") + "<w:r><w:tab/></w:r>" + change("del", deleted("gamma"), "B", 3) + run(" delta"),
        bookmark_id=2,
    )
    document = paragraphs_of(body)
    one, two = document.paragraphs
    assert (one.clause_wid, one.label, one.before, one.after) == ("c-1", "1.", "Alpha beta", "Alpha ")
    assert (two.clause_wid, two.label, two.before, two.after) == ("c-2", "2.", "gamma delta", " delta")
    assert not one.deleted_whole and not two.deleted_whole
    assert [c.text for c in one.changes] == ["beta"] and [c.text for c in two.changes] == ["gamma"]
    assert len(document.notices) == 1
    assert "runs across two paragraphs" in document.notices[0] and "Alpha beta" in document.notices[0]


def test_numbers_come_off_the_text_and_a_tab_of_the_clause_itself_stays():
    body = (
        _bookmarked("c-1", run("аа)") + "<w:r><w:tab/></w:r>" + run("двадцать девятый пункт"))
        + _bookmarked("c-2", run("Rate:\t5 per cent"), bookmark_id=2)
        + _bookmarked("c-3", run("PP2") + "<w:r><w:tab/></w:r>" + run("Recalling"), bookmark_id=3)
    )
    labelled, tabbed, preamble = paragraphs_of(body).paragraphs
    assert (labelled.label, labelled.after) == ("аа)", "двадцать девятый пункт")
    assert (tabbed.label, tabbed.after) == ("", "Rate:\t5 per cent")
    assert (preamble.label, preamble.after) == ("PP2", "Recalling")


def test_a_paragraph_split_in_two_is_reported():
    body = (
        W_BODY.format(mark=change("ins", "", "A", 1), runs=run("First half,"))
        + "<w:p>"
        + run(" second half.")
        + "</w:p>"
    )
    document = paragraphs_of(body)
    assert [p.after for p in document.paragraphs] == ["First half,", " second half."]
    assert not any(p.inserted_whole for p in document.paragraphs)
    assert len(document.notices) == 1 and "splits a paragraph" in document.notices[0]


def test_field_results_are_text_and_instructions_are_not():
    body = (
        "<w:p>"
        + run("See page ")
        + '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGEREF x </w:instrText></w:r>'
        + '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> QUOTE inner </w:instrText></w:r>'
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + run("hidden")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + run("3")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        + '<w:fldSimple w:instr=" NUMPAGES ">'
        + run(" of 9")
        + "</w:fldSimple>"
        + run(".")
        + "</w:p>"
    )
    (paragraph,) = paragraphs_of(body).paragraphs
    assert paragraph.after == "See page 3 of 9."


def test_comments_anchor_author_date_and_a_comment_over_two_paragraphs():
    body = (
        "<w:p>"
        + run("Article 2 — Scope")
        + "</w:p>"
        + "<w:p>"
        + run("1.")
        + "<w:r><w:tab/></w:r>"
        + run("The ")
        + '<w:commentRangeStart w:id="7"/>'
        + run("Participants will")
        + '<w:commentRangeEnd w:id="7"/>'
        + '<w:r><w:commentReference w:id="7"/></w:r>'
        + '<w:commentRangeStart w:id="8"/>'
        + run(" meet.")
        + "</w:p>"
        + "<w:p>"
        + run("(a)\tonce a year.")
        + '<w:commentRangeEnd w:id="8"/><w:r><w:commentReference w:id="8"/></w:r></w:p>'
    )
    comments = (
        '<w:comment w:id="7" w:author="UNOCT Legal" w:date="2026-11-20T10:00:00Z" w:initials="UL">'
        "<w:p>" + run("Which participants?") + "</w:p><w:p>" + run("Say so.") + "</w:p></w:comment>"
        '<w:comment w:id="8" w:author="Capital" w:date="not a date">'
        + "<w:p>"
        + run("Too rare.")
        + "</w:p></w:comment>"
    )
    heading, first, second = paragraphs_of(body, comments).paragraphs
    assert (heading.part, heading.label, heading.after) == (ParagraphPart.heading, "Article 2", "Scope")
    assert (first.label, first.after) == ("1.", "The Participants will meet.")
    assert (second.label, second.after) == ("(a)", "once a year.")
    assert [(c.author, c.text, c.anchored) for c in first.comments] == [
        ("UNOCT Legal", "Which participants?\nSay so.", "Participants will"),
        ("Capital", "Too rare.", "meet.\n(a)\tonce a year."),  # as it reads, number and all
    ]
    assert first.comments[0].date == dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
    assert first.comments[1].date is None
    assert not second.comments
    assert heading.clause_wid is None and heading.language is None


def test_a_comment_begun_between_paragraphs_a_comment_on_nothing_and_a_nested_table():
    body = (
        '<w:commentRangeStart w:id="1"/>'
        + "<w:p>"
        + run("Ten words in a table follow.")
        + '<w:commentRangeEnd w:id="1"/><w:r><w:commentReference w:id="1"/></w:r></w:p>'
        + "<w:tbl><w:tr><w:tc><w:p>"
        + run("Outer cell.")
        + "</w:p><w:tbl><w:tr><w:tc><w:p>"
        + run("Inner cell.")
        + "</w:p></w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl>"
    )
    comments = (
        '<w:comment w:id="1" w:author="A"><w:p>' + run("On the first.") + "</w:p></w:comment>"
        '<w:comment w:id="2" w:author="B"><w:p>' + run("On nothing at all.") + "</w:p></w:comment>"
    )
    document = paragraphs_of(body, comments)
    assert [p.after for p in document.paragraphs] == ["Ten words in a table follow.", "Outer cell.", "Inner cell."]
    assert [(c.author, c.anchored) for c in document.paragraphs[0].comments] == [("A", "Ten words in a table follow.")]
    (notice,) = document.notices
    assert "A comment by B (“On nothing at all.”) is not on the text of a clause" in notice


# --- hostile and damaged files ------------------------------------------------------------------------------------


def refused(data: bytes) -> str:
    with pytest.raises(ImportRefused) as caught:
        read_revised_docx(data)
    assert caught.value.message.template  # a Message the web layer translates
    return str(caught.value.message)


def repack(data: bytes, changes: dict[str, bytes | None]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename not in changes:
                target.writestr(entry.filename, source.read(entry))
        for name, content in changes.items():
            if content is not None:
                target.writestr(name, content)
    return out.getvalue()


def test_hostile_and_damaged_files_are_refused_with_a_clear_message():
    clean = fixture("clean_export")
    assert "empty" in refused(b"")
    assert "not a Word document" in refused(b"Memorandum of Understanding, as plain text")
    assert "PDF" in refused(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")
    assert "not a Word document" in refused(clean[:3000])
    assert "macros" in refused(repack(clean, {"word/vbaProject.bin": b"\x00" * 100}))
    bomb = repack(clean, {"word/document.xml": b"<" + b" " * (20 * 1024 * 1024) + b"/>"})
    assert "zip bomb" in refused(bomb)
    entities = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    for part in ("word/document.xml", "word/comments.xml", "docProps/custom.xml"):
        assert "document type declaration" in refused(repack(clean, {part: entities})), part
    assert "damaged" in refused(repack(clean, {"docProps/custom.xml": b"<Properties><property"}))
    assert "damaged" in refused(repack(clean, {"word/document.xml": b"<w:document><w:body><w:p>"}))
    assert "no text" in refused(minimal_docx("<w:p/>" + "<w:p>" + run("   ") + "</w:p>"))


def test_a_document_of_any_origin_reads_without_ids_or_properties():
    rng = random.Random(7)
    words = ["cooperation", "terrorism", "Participants", "Memorandum"]
    body = "".join("<w:p>" + run(" ".join(rng.choice(words) for _ in range(6))) + "</w:p>" for _ in range(3))
    document = paragraphs_of(body)
    assert document.negotiation is None and document.based_on is None and not document.tracked
    assert [p.index for p in document.paragraphs] == [0, 1, 2]
    assert all(p.clause_wid is None and p.language is None and p.label == "" for p in document.paragraphs)
