"""The Word exports a legal officer circulates: tracked changes exact under accept all and reject all, each change
credited to the party and date of the amendment that made it, a Russian part in Russian, ready to send.

The oracle is LibreOffice itself (tests/lo_tracked_changes.py): it accepts, then rejects, every tracked change of
the redline and saves text, which must equal the clean exports of the two points, label for label, in English
and Russian.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from mou_tracker.core.attribution import Credit
from mou_tracker.core.clause_kinds import ClauseKind
from mou_tracker.core.numbering import ClauseNode, number_clauses
from mou_tracker.exports import docx
from mou_tracker.extensions import db
from mou_tracker.models import Amendment
from mou_tracker.services import redlines
from mou_tracker.services.redlines import Side, Words
from tests.conftest import wid_of
from tests.services.test_agreement import review
from tests.services.test_amendments import act, amendment_id, as_user, propose

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HERE = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")


def _adopt(people, new_id, party):
    """Table, concur (other party) and clear (the other party's legal reviewer)."""
    own, other, legal = (
        ("unoct.negotiator", "cica.negotiator", "cica.legal")
        if party == "UNOCT"
        else ("cica.negotiator", "unoct.negotiator", "unoct.legal")
    )
    assert act(people[own], new_id, "table").status_code == 302
    assert act(people[other], new_id, "concur").status_code == 302
    assert review(people[legal], new_id).status_code == 302
    return new_id


def _post_amendment(browser, url, data):
    return amendment_id(browser.post(url, data))


@pytest.fixture
def history(app, demo):
    """The demo after the SWG was frozen, then: adopted changes by both parties to one clause (CICA-1 then
    UNOCT-2 on Article 8), a deleted article (UNOCT-1 deletes Article 6, so 7–9 move up), an inserted paragraph
    (CICA-2, Article 2(2bis), so 2(3)–2(5) move down), a deleted paragraph (UNOCT-3, Article 9(3)), a heading
    removed (CICA-3, Article 4) and one changed in both languages (UNOCT-4, Article 1); then open amendments by
    UNOCT: two to one clause (UNOCT-5, UNOCT-6 on Article 6, formerly 7), a new paragraph and a deletion."""
    people = {
        login: as_user(app, demo, login)
        for login in ("unoct.negotiator", "cica.negotiator", "cica.legal", "unoct.legal", "cica.chair")
    }
    unoct, cica = people["unoct.negotiator"], people["cica.negotiator"]
    people["cica.chair"].post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    privileges = wid_of(app, "Nothing in or relating")
    amendment_clause = wid_of(app, "This Memorandum may be amended at any time")
    article_2 = wid_of(app, "Proceeding from the above objectives")
    second_area = wid_of(app, "Considering possible links")
    done_at = wid_of(app, "Done at [place]")
    article_4 = wid_of(app, "The Participants will consult each other")
    article_1 = wid_of(app, "The Participants will cooperate with the following objectives")
    settlement = wid_of(app, "Any difference arising")
    ids = {}
    ids["UNOCT-1"] = _adopt(
        people,
        _post_amendment(unoct, f"/clauses/{privileges}/propose-deletion", {"rationale": "Covered by the Charter."}),
        "UNOCT",
    )
    ids["CICA-1"] = _adopt(
        people,
        amendment_id(
            propose(
                cica,
                amendment_clause,
                "This Memorandum may be amended at any time by mutual written consent of both Participants.",
                rationale="Both Participants consent.",
            )
        ),
        "CICA",
    )
    ids["UNOCT-2"] = _adopt(
        people,
        amendment_id(
            propose(
                unoct,
                amendment_clause,
                "This Memorandum may be amended by mutual written consent of both Participants, expressed through "
                "an exchange of letters.",
                rationale="Letters are the practice.",
            )
        ),
        "UNOCT",
    )
    ids["CICA-2"] = _adopt(
        people,
        _post_amendment(
            cica,
            f"/propose/new-clause?parent={article_2}&after={second_area}",
            {
                "kind": "paragraph",
                "body_en": "Countering the use of new technologies for terrorist purposes;",
                "body_ru": "в противодействии использованию новых технологий в террористических целях;",
                "rationale": "A new area.",
            },
        ),
        "CICA",
    )
    ids["UNOCT-3"] = _adopt(
        people,
        _post_amendment(unoct, f"/clauses/{done_at}/propose-deletion", {"rationale": "Goes to the signature block."}),
        "UNOCT",
    )
    ids["CICA-3"] = _adopt(
        people,
        _post_amendment(
            cica,
            f"/clauses/{article_4}/amend",
            {
                "heading_en": "",
                "body_en": "The Participants will consult each other as necessary on the implementation of this "
                "Memorandum.",
                "body_ru": "",
                "rationale": "No heading; no fixed rhythm.",
            },
        ),
        "CICA",
    )
    ids["UNOCT-4"] = _adopt(
        people,
        _post_amendment(
            unoct,
            f"/clauses/{article_1}/amend",
            {
                "heading_en": "Objectives",
                "heading_ru": "Цели",
                "body_en": "The Participants will cooperate with the following objectives:",
                "body_ru": "Участники будут сотрудничать в следующих целях:",
                "rationale": "Shorter heading.",
            },
        ),
        "UNOCT",
    )
    # Open amendments of UNOCT (tabled): two to one clause, an insertion and a deletion.
    ids["UNOCT-5"] = amendment_id(propose(unoct, settlement, "Any dispute will be settled amicably."))
    act(unoct, ids["UNOCT-5"], "table")
    ids["UNOCT-6"] = amendment_id(propose(unoct, settlement, "Any difference will be settled by negotiation."))
    act(unoct, ids["UNOCT-6"], "table")
    ids["UNOCT-7"] = _post_amendment(
        unoct,
        f"/propose/new-clause?parent={article_2}&after={wid_of(app, 'Building the capacity')}",
        {"kind": "paragraph", "body_en": "Protecting critical infrastructure.", "rationale": "Another area."},
    )
    act(unoct, ids["UNOCT-7"], "table")
    ids["UNOCT-8"] = _post_amendment(
        unoct, f"/clauses/{wid_of(app, 'Consultations will review')}/propose-deletion", {"rationale": "Implied."}
    )
    act(unoct, ids["UNOCT-8"], "table")
    with app.app_context():
        found = {
            c: (db.session.get(Amendment, i).citation, db.session.get(Amendment, i).state.value) for c, i in ids.items()
        }
    assert found == {c: (c, "adopted" if n < 7 else "tabled") for n, c in enumerate(ids)}, found
    return people | {"ids": ids}


# Reading a Word file as a reader does, with every change accepted or rejected ---------------------------------------


def _document(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return etree.fromstring(archive.read("word/document.xml"))


def _part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def resolved_paragraphs(data: bytes, *, accept: bool) -> list[str]:
    """The paragraphs' texts once every tracked change is accepted (or rejected), as Word does it: the dropped
    side's runs go, the kept side's stay; a paragraph whose mark is dropped joins the paragraph after it."""
    drop, _keep = (f"{W}del", f"{W}ins") if accept else (f"{W}ins", f"{W}del")
    texts: list[str] = []
    carried = ""
    for paragraph in _document(data).iter(f"{W}p"):
        if paragraph.getparent().tag != f"{W}body":
            continue
        parts = []
        for element in paragraph.iter(f"{W}t", f"{W}delText", f"{W}tab", f"{W}br"):
            ancestors = {a.tag for a in element.iterancestors()}
            if drop in ancestors and not any(a.tag == f"{W}pPr" for a in element.iterancestors()):
                continue
            parts.append({f"{W}tab": "\t", f"{W}br": "\n"}.get(element.tag, element.text or ""))
        mark = paragraph.find(f"{W}pPr/{W}rPr/{drop}")
        text = carried + "".join(parts)
        if mark is not None:
            carried = text
            continue
        carried = ""
        texts.append(text)
    return texts


def _instrument_part(lines: list[str], first_heading: str) -> list[str]:
    """From the first language heading on: the cover lines above it say what the file is, and differ."""
    return lines[lines.index(first_heading) :]


# The redline is exact under accept and reject, checked on the XML (no LibreOffice) --------------------------------


REDLINES = {
    # (from, to): the clean export equal to accepting every change, and to rejecting every change.
    ("milestone:SWG", "now"): ("now", "milestone:SWG"),
    ("now", "milestone:SWG"): ("milestone:SWG", "now"),
}


def _clean(browser, point: str) -> bytes:
    response = browser.get(f"/exports/draft.docx?at={point}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.data


def _redline(browser, old: str, new: str, comments: bool = True) -> bytes:
    response = browser.get(f"/exports/redline.docx?from={old}&to={new}" + ("" if comments else "&comments=0"))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.data


def test_accepting_and_rejecting_every_change_gives_the_two_drafts_label_for_label(app, history):
    chair = history["cica.chair"]
    for (old, new), (accepted_point, rejected_point) in REDLINES.items():
        redline = _redline(chair, old, new)
        for accept, point in ((True, accepted_point), (False, rejected_point)):
            expected = _instrument_part(resolved_paragraphs(_clean(chair, point), accept=True), "English text")
            got = _instrument_part(resolved_paragraphs(redline, accept=accept), "English text")
            assert got == expected, (old, new, accept)


def _party_expected(now_lines: list[str]) -> list[str]:
    """The current draft with UNOCT's open amendments applied, by hand: Article 6 in UNOCT-6's words (the later
    of two), a new paragraph 2(7) (UNOCT-7), paragraph 4(1) deleted (UNOCT-8) so 4(2) becomes 4(1)."""
    lines = list(now_lines)
    english_end = next(i for i, line in enumerate(lines) if line.startswith("Меморандум"))
    settlement = lines.index(
        "Any difference arising from the interpretation or implementation of this Memorandum will "
        "be settled amicably through consultations between the Participants."
    )
    lines[settlement] = "Any difference will be settled by negotiation."
    building = next(i for i, line in enumerate(lines[:english_end]) if "Building the capacity" in line)
    lines.insert(building + 1, "7.\tProtecting critical infrastructure.")
    consultations = next(i for i, line in enumerate(lines) if line.startswith("1.\tConsultations will review"))
    del lines[consultations]
    assert lines[consultations].startswith("2.\tEach Participant will designate")
    lines[consultations] = "1." + lines[consultations][2:]
    return lines


def test_one_partys_open_amendments_accepted_give_that_draft_and_rejected_the_current_one(app, history):
    chair = history["cica.chair"]
    now = _instrument_part(resolved_paragraphs(_clean(chair, "now"), accept=True), "English text")
    for old in ("now", "milestone:SWG"):
        redline = _redline(chair, old, "party:UNOCT")
        accepted = _instrument_part(resolved_paragraphs(redline, accept=True), "English text")
        assert accepted == _party_expected(now), old
    rejected = _instrument_part(
        resolved_paragraphs(_redline(chair, "now", "party:UNOCT"), accept=False), "English text"
    )
    assert rejected == now


# LibreOffice as the independent reader ---------------------------------------------------------------------------


def _libreoffice_available() -> bool:
    if shutil.which("soffice") is None or not SYSTEM_PYTHON.exists():
        return False
    return (
        subprocess.run(  # noqa: S603 -- fixed arguments
            [SYSTEM_PYTHON, "-c", "import uno"], capture_output=True
        ).returncode
        == 0
    )


libreoffice = pytest.mark.skipif(not _libreoffice_available(), reason="LibreOffice (soffice, python3-uno) missing")


def _libreoffice_texts(tmp_path: Path, files: dict[str, tuple[bytes, str]]) -> dict[str, list[str]]:
    """{name: (docx, "accept" | "reject" | "none")} → {name: the text LibreOffice saves}, in one LibreOffice run."""
    jobs = []
    for name, (data, mode) in files.items():
        source = tmp_path / f"{name}.docx"
        source.write_bytes(data)
        jobs.append([str(source), mode, str(tmp_path / f"{name}.txt")])
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    done = subprocess.run(  # noqa: S603 -- fixed arguments
        [SYSTEM_PYTHON, HERE / "lo_tracked_changes.py", tmp_path / "jobs.json"], capture_output=True, timeout=240
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return {name: (tmp_path / f"{name}.txt").read_text(encoding="utf-8-sig").splitlines() for name in files}


@libreoffice
def test_libreoffice_accept_all_and_reject_all_give_the_clean_drafts_in_both_languages(app, history, tmp_path):
    chair = history["cica.chair"]
    files = {
        "clean_swg": (_clean(chair, "milestone:SWG"), "none"),
        "clean_now": (_clean(chair, "now"), "none"),
    }
    cases = {
        "swg_now": ("milestone:SWG", "now", "clean_now", "clean_swg"),
        "now_swg": ("now", "milestone:SWG", "clean_swg", "clean_now"),
        "now_party": ("now", "party:UNOCT", None, "clean_now"),
        "swg_party": ("milestone:SWG", "party:UNOCT", None, "clean_swg"),
    }
    for name, (old, new, _accepted, _rejected) in cases.items():
        redline = _redline(chair, old, new)  # with its comments, as people download it
        files[f"{name}.accept"] = (redline, "accept")
        files[f"{name}.reject"] = (redline, "reject")
    texts = {
        name: _instrument_part(lines, "English text") for name, lines in _libreoffice_texts(tmp_path, files).items()
    }
    assert "Статья 1 — Цели" in texts["clean_now"] and "Article 7 — Amendment" in texts["clean_now"]
    for name, (old, new, accepted, rejected) in cases.items():
        expected_accept = texts[accepted] if accepted else _party_expected(texts["clean_now"])
        assert texts[f"{name}.accept"] == expected_accept, (old, new, "accept all")
        assert texts[f"{name}.reject"] == texts[rejected], (old, new, "reject all")


# Each change credited to its own amendment -----------------------------------------------------------------------


def _marks(data: bytes, tag: str) -> list[tuple[str, str, str]]:
    root = _document(data)
    return [
        (e.get(f"{W}author"), e.get(f"{W}date"), "".join(t.text or "" for t in e.iter(f"{W}t", f"{W}delText")))
        for e in root.iter(f"{W}{tag}")
        if e.getparent().tag != f"{W}rPr"
    ]


def _tabled(app, citation_ids, citation) -> str:
    with app.app_context():
        return db.session.get(Amendment, citation_ids[citation]).tabled_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_deleted_clause_is_credited_to_the_deleting_amendment(app, history):
    data = _redline(history["cica.chair"], "milestone:SWG", "now")
    deleted = [m for m in _marks(data, "del") if "Nothing in or relating" in m[2] or "Done at [place]" in m[2]]
    assert deleted, _marks(data, "del")
    assert {(author, when) for author, when, _ in deleted} == {
        ("UNOCT", _tabled(app, history["ids"], "UNOCT-1")),
        ("UNOCT", _tabled(app, history["ids"], "UNOCT-3")),
    }
    # So are its number, its heading and its paragraph marks: nothing of it is CICA's or the initial draft's.
    privileges = [m for m in _marks(data, "del") if m[2] in ("Article 6", " — Privileges and immunities")]
    assert {m[0] for m in privileges} == {"UNOCT"}
    initial = "2024-03-06T09:00:00Z"
    assert all(when != initial for _, when, _ in _marks(data, "del") + _marks(data, "ins"))
    # An open deletion in a party's redline: that party and that amendment's date.
    party = _redline(history["cica.chair"], "now", "party:UNOCT")
    consultations = [m for m in _marks(party, "del") if "Consultations will review" in m[2]]
    assert consultations == [("UNOCT", _tabled(app, history["ids"], "UNOCT-8"), consultations[0][2])]


def test_each_change_carries_the_party_and_date_of_the_amendment_that_made_those_words(app, history):
    data = _redline(history["cica.chair"], "milestone:SWG", "now")
    ids = history["ids"]
    inserted = {text.strip(): (author, when) for author, when, text in _marks(data, "ins")}
    deleted = {text.strip(): (author, when) for author, when, text in _marks(data, "del")}
    # Article 8: CICA-1 put "both" for "the"; UNOCT-2 then took out "at any time" and added the letters.
    assert inserted["both"] == ("CICA", _tabled(app, ids, "CICA-1"))
    assert deleted["the"] == ("CICA", _tabled(app, ids, "CICA-1"))
    assert deleted["at any time"] == ("UNOCT", _tabled(app, ids, "UNOCT-2"))
    assert inserted[", expressed through an exchange of letters"] == ("UNOCT", _tabled(app, ids, "UNOCT-2"))
    # A renumbering is a tracked change of the number, credited to the amendment that caused it.
    cica_2, unoct_1, cica_3 = (
        (citation.split("-")[0], _tabled(app, ids, citation)) for citation in ("CICA-2", "UNOCT-1", "CICA-3")
    )
    assert _paragraph_marks(data, " — Amendment") == [
        ("del", "Article 8", unoct_1),
        ("ins", "Article 7", unoct_1),
    ]
    assert _paragraph_marks(data, "Implementing national and international standards")[:2] == [
        ("del", "3.", cica_2),
        ("ins", "4.", cica_2),
    ]
    # A removed heading takes its separator with it (no "Article 4 —" left behind).
    assert _paragraph_marks(data, "Consultations and focal points") == [
        ("del", " — ", cica_3),
        ("del", "Consultations and focal points", cica_3),
    ]
    # Each date is that amendment's.
    for author, when, _text in _marks(data, "ins") + _marks(data, "del"):
        assert when in {_tabled(app, ids, c) for c in ids if c.startswith(author)}


def _paragraph_marks(data: bytes, containing: str) -> list[tuple[str, str, tuple[str, str]]]:
    """The changes of the first paragraph whose old or new text contains `containing`: (ins/del, text, (party,
    the amendment whose tabling date the change carries))."""
    for paragraph in _document(data).iter(f"{W}p"):
        if containing not in "".join(t.text or "" for t in paragraph.iter(f"{W}t", f"{W}delText")):
            continue
        return [
            (
                mark.tag.removeprefix(W),
                "".join(t.text or "" for t in mark.iter(f"{W}t", f"{W}delText")),
                (mark.get(f"{W}author"), mark.get(f"{W}date")),
            )
            for mark in paragraph.iter(f"{W}ins", f"{W}del")
            if mark.getparent().tag != f"{W}rPr"
        ]
    raise AssertionError(f"no paragraph with {containing!r}")


def test_two_open_amendments_of_one_party_to_one_clause_are_both_named_in_the_document(app, history):
    data = _redline(history["cica.chair"], "now", "party:UNOCT")
    text = "\n".join(resolved_paragraphs(data, accept=True))
    assert "UNOCT-6 and UNOCT-5 both amend Article 6; UNOCT-6, the later, is shown as tracked changes." in text


# Ready to circulate ----------------------------------------------------------------------------------------------


def test_the_word_files_are_ready_to_circulate(app, history):
    chair = history["cica.chair"]
    response = chair.get("/exports/redline.docx?from=milestone:SWG&to=milestone:SWG")
    assert response.status_code == 200
    response = chair.get("/exports/redline.docx?from=milestone:SWG&to=now")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="CICA-UNOCT-MoU_redline_SWG-to-{today}.docx"'
    )
    data = response.data
    settings_xml = etree.fromstring(_part(data, "word/settings.xml"))
    assert settings_xml.find(f"{W}trackRevisions") is not None  # edits made in Word are tracked too
    root = _document(data)
    sections = root.findall(f".//{W}sectPr")
    assert len(sections) == 2  # one per language, each with its own running header
    for section in sections:
        size = section.find(f"{W}pgSz")
        assert (int(size.get(f"{W}w")), int(size.get(f"{W}h"))) == (11906, 16838)  # A4, in twentieths of a point
    headers = [etree.fromstring(_part(data, f"word/header{n}.xml")) for n in (1, 2)]
    header_texts = ["".join(h.itertext()) for h in headers]
    assert any(
        "CICA Secretariat – UNOCT MoU · Tracked changes: Draft frozen for the Special Working Group" in t
        for t in header_texts
    )
    assert any("г." in t for t in header_texts)  # the Russian part's header dates the Russian way
    footer = _part(data, "word/footer1.xml").decode()
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert all("\t" not in (t.text or "") for t in root.iter(f"{W}t", f"{W}delText"))
    assert root.find(f".//{W}tab") is not None
    core = etree.fromstring(_part(data, "docProps/core.xml"))
    created = next(e.text for e in core if e.tag.endswith("created"))
    assert created.startswith(today)
    assert next(e.text for e in core if e.tag.endswith("title")).startswith("Memorandum of Understanding")
    # The rationale of each amendment is a comment on its change.
    comments = "".join(etree.fromstring(_part(data, "word/comments.xml")).itertext())
    assert "UNOCT-2: Letters are the practice." in comments and "CICA-2: A new area." in comments
    without = _redline(chair, "milestone:SWG", "now", comments=False)
    assert "word/comments.xml" not in zipfile.ZipFile(io.BytesIO(without)).namelist()


def test_the_russian_part_speaks_russian(app, history):
    data = _clean(history["cica.chair"], "now")
    lines = resolved_paragraphs(data, accept=True)
    russian = lines[next(i for i, line in enumerate(lines) if line.startswith("Меморандум")) :]
    assert "Статья 1 — Цели" in russian and "Статья 2 — Направления сотрудничества" in russian
    assert any(line.startswith("а)\tУкреплять") for line in russian)
    assert not any("Article" in line for line in russian)
    assert "Русский text" not in lines


def test_paper_size_letter_when_configured(app, history):
    app.config["MOU_PAPER_SIZE"] = "Letter"
    try:
        data = _clean(history["cica.chair"], "now")
    finally:
        app.config["MOU_PAPER_SIZE"] = "A4"
    size = _document(data).find(f".//{W}pgSz")
    assert (int(size.get(f"{W}w")), int(size.get(f"{W}h"))) == (12240, 15840)


# Any history: the same exactness on the XML, for random drafts and random amendments (no database) ----------------

_WORDS = ["the", "Participants", "will", "cooperate", "Memorandum", ",", ";", "Участники", "будут", "сотрудничать"]
_CREDITS = [Credit("CICA", dt.datetime(2024, 3, 13, tzinfo=dt.UTC), "CICA-1", "Why."), Credit("UNOCT", None, "UNOCT-1")]
_text = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=6).map(" ".join)


@st.composite
def _histories(draw):
    """Two draft states of up to three articles with paragraphs or items, and what lies between them."""
    nodes, old_words, new_words, steps = {}, {}, {}, {}
    next_id = 1
    for article_position in range(draw(st.integers(1, 3))):
        article = next_id
        next_id += 1
        nodes[article] = ClauseNode(article, None, article_position, ClauseKind.article)
        child_kind = draw(st.sampled_from([ClauseKind.paragraph, ClauseKind.item]))
        for position in range(draw(st.integers(0, 3))):
            nodes[next_id] = ClauseNode(next_id, article, position, child_kind)
            next_id += 1
    for node_id, node in nodes.items():

        def words(kind=node.kind):
            heading = draw(st.none() | _text) if kind is ClauseKind.article else None
            russian = draw(st.none() | _text)
            return {"en": Words(heading, draw(_text)), "ru": Words(heading and "Заголовок", russian)}

        first = node_id == 1  # the first article stands on both sides, in both languages (see below)
        old = first or draw(st.booleans())
        fates = ["same", "changed"] if first else ["same", "changed", "deleted"]
        fate = draw(st.sampled_from(fates)) if old else draw(st.sampled_from(["added", "none"]))
        if old:
            old_words[node_id] = words()
        if fate == "same":
            new_words[node_id] = old_words[node_id]
        elif fate in ("changed", "added"):
            new_words[node_id] = words()
        if first:
            # A language's part as a whole is not a tracked change: each language has text on both sides.
            for words_of in (old_words, new_words):
                words_of[1]["ru"] = Words(words_of[1]["ru"].heading, words_of[1]["ru"].body or "Статья")
        if fate != "same" and fate != "none":
            middle = [(words(), draw(st.sampled_from(_CREDITS)))] if draw(st.booleans()) else []
            steps[node_id] = [*middle, (new_words.get(node_id), draw(st.sampled_from(_CREDITS)))]
    # A child cannot stand without its article.
    for words_of in (old_words, new_words):
        for node_id in list(words_of):
            parent = nodes[node_id].parent_id
            if parent is not None and parent not in words_of:
                del words_of[node_id]
    return nodes, old_words, new_words, steps


def _state(nodes, words) -> Side:
    side = Side()
    for node_id, by_language in words.items():
        side.nodes[node_id] = nodes[node_id]
        side.words[node_id] = by_language
        side.authors[node_id] = "CICA"
    return side


class _Clause:
    def __init__(self, numbered, node, words):
        self.kind, self.depth, self.label, self.words = node.kind, numbered.depth, numbered.label, words

    def heading(self, language):
        return self.words[language].heading

    def body(self, language):
        return self.words[language].body


def _clean_of(side: Side, wordings) -> bytes:
    clauses = [_Clause(n, side.nodes[n.id], side.words[n.id]) for n in number_clauses(side.nodes.values())]
    return docx.clean_draft("T", "S", clauses, wordings)


@settings(max_examples=25, deadline=None)
@given(_histories())
def test_any_history_accepted_gives_the_newer_draft_and_rejected_the_older(history_case):
    nodes, old_words, new_words, steps = history_case
    before, after = _state(nodes, old_words), _state(nodes, new_words)
    russian = docx.Wording(
        "ru", "Текст на русском языке", article="Статья %(number)s", **docx.DRAFTING_CONVENTIONS["ru"]
    )
    wordings = [docx.Wording("en", "English text"), russian]
    rows = redlines.draft_rows(before, after, ["en", "ru"], lambda ids: {i: steps.get(i, []) for i in ids})
    data = docx.redlined_draft("T", "S", rows, wordings)
    for accept, side in ((True, after), (False, before)):
        got = resolved_paragraphs(data, accept=accept)
        expected = resolved_paragraphs(_clean_of(side, wordings), accept=True) if side.nodes else None
        if expected is None:
            assert all(line in ("T", "S") for line in got)
            continue
        assert got[2:] == expected[2:], (accept, got, expected)
