"""The tracked-changes Word export as people download it, comments included, read by LibreOffice
(tests/lo_tracked_changes.py): Accept All gives the newer draft, Reject All the older one, and the comments
LibreOffice shows are each amendment's rationale, by its party, dated when it was tabled, on that amendment's
change.
"""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

from lxml import etree

from tests.make_roundtrip_fixtures import COMMENTS as LIBREOFFICE_COMMENTS
from tests.make_roundtrip_fixtures import FIXTURES as ROUNDTRIP_FIXTURES
from tests.web.test_exports_docx_exact import (  # noqa: F401 -- history is a fixture
    HERE,
    SYSTEM_PYTHON,
    W,
    _clean,
    _instrument_part,
    _redline,
    _tabled,
    history,
    libreoffice,
)

#: What the amendments of the `history` fixture give as their rationale (propose() says "Clarity." by default).
RATIONALES = {
    "UNOCT-1": "Covered by the Charter.",
    "CICA-1": "Both Participants consent.",
    "UNOCT-2": "Letters are the practice.",
    "CICA-2": "A new area.",
    "UNOCT-3": "Goes to the signature block.",
    "CICA-3": "No heading; no fixed rhythm.",
    "UNOCT-4": "Shorter heading.",
    "UNOCT-5": "Clarity.",
    "UNOCT-6": "Clarity.",
    "UNOCT-7": "Another area.",
    "UNOCT-8": "Implied.",
}


def _libreoffice(tmp_path: Path, files: dict[str, tuple[bytes, str]]) -> dict[str, tuple[list[str], list[dict]]]:
    """{name: (docx, "accept" | "reject" | "none")} → {name: (the text LibreOffice saves, the comments it read)},
    in one LibreOffice run."""
    jobs = []
    for name, (data, mode) in files.items():
        source = tmp_path / f"{name}.docx"
        source.write_bytes(data)
        jobs.append([str(source), mode, str(tmp_path / f"{name}.txt"), str(tmp_path / f"{name}.comments.json")])
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    done = subprocess.run(  # noqa: S603 -- fixed arguments
        [SYSTEM_PYTHON, HERE / "lo_tracked_changes.py", tmp_path / "jobs.json"], capture_output=True, timeout=240
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return {
        name: (
            (tmp_path / f"{name}.txt").read_text(encoding="utf-8-sig").splitlines(),
            json.loads((tmp_path / f"{name}.comments.json").read_text(encoding="utf-8")),
        )
        for name in files
    }


def _written_comments(data: bytes) -> list[dict[str, str]]:
    """The comments as the export wrote them, in document order: author, date, text (comments.xml) and the words
    between each comment's range start and end (document.xml)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        notes = etree.fromstring(archive.read("word/comments.xml"))
        document = etree.fromstring(archive.read("word/document.xml"))
    by_id = {
        note.get(f"{W}id"): {
            "author": note.get(f"{W}author"),
            "date": note.get(f"{W}date"),
            "text": "".join(t.text or "" for t in note.iter(f"{W}t")),
        }
        for note in notes.iter(f"{W}comment")
    }
    order, anchors, open_ids = [], {}, set()
    for element in document.iter(f"{W}commentRangeStart", f"{W}commentRangeEnd", f"{W}t", f"{W}delText", f"{W}tab"):
        comment_id = element.get(f"{W}id")
        if element.tag == f"{W}commentRangeStart":
            order.append(comment_id)
            anchors[comment_id] = ""
            open_ids.add(comment_id)
        elif element.tag == f"{W}commentRangeEnd":
            open_ids.discard(comment_id)
        else:
            for open_id in open_ids:
                anchors[open_id] += "\t" if element.tag == f"{W}tab" else element.text or ""
    return [by_id[i] | {"anchor": anchors[i]} for i in order]


@libreoffice
def test_libreoffice_accepts_and_rejects_all_in_the_redline_with_its_comments(app, history, tmp_path):  # noqa: F811
    chair = history["cica.chair"]
    redline = _redline(chair, "milestone:SWG", "now")
    read = _libreoffice(
        tmp_path,
        {
            "clean_swg": (_clean(chair, "milestone:SWG"), "none"),
            "clean_now": (_clean(chair, "now"), "none"),
            "accept": (redline, "accept"),
            "reject": (redline, "reject"),
        },
    )
    texts = {name: _instrument_part(lines, "English text") for name, (lines, _comments) in read.items()}
    assert read["accept"][1], "the redline LibreOffice read has no comments: the test would prove nothing"
    assert "Article 7 — Amendment" in texts["clean_now"] and "Статья 1 — Цели" in texts["clean_now"]
    assert texts["accept"] == texts["clean_now"]
    assert texts["reject"] == texts["clean_swg"]
    # The comments' anchors are not left in the text as stray characters.
    assert not any("\ufff9" in line or "\ufffc" in line for line in texts["accept"] + texts["reject"])


@libreoffice
def test_libreoffice_reads_each_amendments_rationale_as_a_comment_on_its_change(app, history, tmp_path):  # noqa: F811
    chair, ids = history["cica.chair"], history["ids"]
    redlines = {
        "swg_now": _redline(chair, "milestone:SWG", "now"),
        "now_party": _redline(chair, "now", "party:UNOCT"),
    }
    files = {name: (data, "none") for name, data in redlines.items()}
    # The oracle's own reading, on comments LibreOffice itself wrote (not our exporter): it must find them.
    files["libreoffice_fixture"] = ((ROUNDTRIP_FIXTURES / "libreoffice_tracked.docx").read_bytes(), "none")
    read = _libreoffice(tmp_path, files)
    fixture_comments = read["libreoffice_fixture"][1]
    assert [(c["author"], c["anchor"], c["text"]) for c in fixture_comments] == LIBREOFFICE_COMMENTS

    expected_notes = {
        "swg_now": {"UNOCT-1", "CICA-1", "UNOCT-2", "CICA-2", "UNOCT-3", "CICA-3", "UNOCT-4"},
        # UNOCT-5 and UNOCT-6 amend one clause; only the later, UNOCT-6, is shown as changes.
        "now_party": {"UNOCT-6", "UNOCT-7", "UNOCT-8"},
    }
    for name, data in redlines.items():
        seen = read[name][1]
        # LibreOffice reads exactly the comments the export wrote, anchored on the same words.
        assert seen == _written_comments(data), name
        # Each is one amendment's rationale, by its party, dated when it was tabled; every amendment shown has one.
        assert {(c["author"], c["date"], c["text"]) for c in seen} == {
            (citation.split("-")[0], _tabled(app, ids, citation), f"{citation}: {RATIONALES[citation]}")
            for citation in expected_notes[name]
        }, name
        assert all(c["anchor"].strip() for c in seen), name

    # Anchored on the change the amendment made: in Article 8 (7 now), CICA-1 put "both" for "the" and UNOCT-2
    # took out "at any time"; UNOCT-1's deletion of Article 6 is on its number; CICA-2's new paragraph on its.
    anchors = {(c["text"].split(":")[0], c["anchor"].strip()) for c in read["swg_now"][1]}
    assert {("CICA-1", "the"), ("UNOCT-2", "at any time"), ("UNOCT-1", "Article 6"), ("CICA-2", "3.")} <= anchors
    # In a party's redline: UNOCT-6 on the words it takes out, UNOCT-7 on its new paragraph's number (2(7)),
    # UNOCT-8 on the number of the paragraph it deletes (4(1)).
    party_anchors = {(c["text"].split(":")[0], c["anchor"].strip()) for c in read["now_party"][1]}
    assert {
        ("UNOCT-6", "arising from the interpretation or implementation of this Memorandum"),
        ("UNOCT-7", "7."),
        ("UNOCT-8", "1."),
    } <= party_anchors
