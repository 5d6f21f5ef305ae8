"""Make the Word round-trip fixtures (tests/fixtures/roundtrip/) with LibreOffice, as a person would.

Run it with the system Python that has LibreOffice's `uno` module (Debian `python3-uno`), from the checkout:

    /usr/bin/python3 tests/make_roundtrip_fixtures.py

It first has the app (the venv's Python, a throw-away SQLite database, the demo loaded) export the demo draft
clean, as a UNOCT negotiator downloads it (``clean_export.docx``), then opens that file in LibreOffice (its own
profile folder, so parallel runs never collide) and, as EDITS below says:

- ``libreoffice_tracked.docx``: with Edit > Track Changes > Record on, replaces a word, deletes a phrase, inserts
  a sentence, inserts a whole new paragraph after a clause, deletes one whole paragraph, edits an article's
  heading and a Russian paragraph, as two authors ("UNOCT Legal Office", then "A. Lawyer"), and adds two
  comments (each with its author); saved as Word 2007-365 (.docx);
- ``libreoffice_clean.docx``: the same edits without tracking and without comments (a "clean retyped" copy).

The tests (tests/core/test_docx_revisions.py) know EDITS too, so they expect exactly these edits. The fixtures are
committed; run this again only when the export or the demo text changes (the tests say so when they do).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = HERE / "fixtures" / "roundtrip"

FIRST_AUTHOR = "UNOCT Legal Office"
SECOND_AUTHOR = "A. Lawyer"

#: The edits, in order. "context" is found once in the document; "old" (words inside it) is replaced by "new"
#: ("" deletes them); "append" adds "new" at the end of the context's paragraph; "new_paragraph" adds a paragraph
#: after it; "delete_paragraph" deletes its paragraph whole. Shared with the tests, which import this module.
EDITS: list[dict[str, str]] = [
    # A word replaced (Article 4).
    {"kind": "replace", "author": FIRST_AUTHOR, "context": "at least once a year", "old": "once", "new": "twice"},
    # A phrase deleted (Article 8).
    {"kind": "replace", "author": FIRST_AUTHOR, "context": "amended at any time by", "old": " at any time", "new": ""},
    # A sentence inserted at the end of a paragraph (Article 8).
    {
        "kind": "append",
        "author": FIRST_AUTHOR,
        "context": "by mutual written consent of the Participants.",
        "new": " Any amendment will take effect on the date of the last signature.",
    },
    # A whole new paragraph after a clause (after Article 4(2)).
    {
        "kind": "new_paragraph",
        "author": SECOND_AUTHOR,
        "context": "of the designation in writing.",
        "new": "Each Participant will bear the costs of its own participation in the consultations.",
    },
    # A whole paragraph deleted (Article 9(2)).
    {"kind": "delete_paragraph", "author": SECOND_AUTHOR, "context": "Either Participant may terminate"},
    # An article's heading edited (Article 7).
    {
        "kind": "replace",
        "author": SECOND_AUTHOR,
        "context": "Settlement of differences",
        "old": "differences",
        "new": "disputes",
    },
    # A Russian paragraph edited (Article 1, the opening words).
    {
        "kind": "replace",
        "author": FIRST_AUTHOR,
        "context": "Участники будут сотрудничать в следующих целях:",
        "old": "будут сотрудничать",
        "new": "сотрудничают",
    },
]

#: When the comments are dated (year, month, day, hour UTC): LibreOffice dates tracked changes itself, now.
COMMENT_DATE = (2026, 11, 20, 10)

#: (author, the words anchored on, the comment's text): anchored on words the edits wrote.
COMMENTS: list[tuple[str, str, str]] = [
    (FIRST_AUTHOR, "twice", "Our capital asks for two consultations a year."),
    (SECOND_AUTHOR, "disputes", "As in the UNOCT model memorandum."),
]


# --- step 1: the export (the venv's Python) ---------------------------------------------------------------------


def export_clean(target: Path) -> None:
    """The demo draft as a UNOCT negotiator downloads it from the draft page (Export > Word, clean)."""
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from mou_tracker import create_app
    from mou_tracker.extensions import db
    from mou_tracker.services import demo
    from tests.conftest import Browser

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/demo.sqlite3",
                "SECRET_KEY": "fixture-only-secret",
            }
        )
        with app.app_context():
            upgrade()
            passwords = demo.load_demo(db.session)
            db.session.commit()
        browser = Browser(app.test_client(), passwords)
        browser.sign_in("unoct.negotiator")
        response = browser.get("/exports/draft.docx")
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        target.write_bytes(response.data)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# --- step 2: LibreOffice (the system Python with uno) -------------------------------------------------------------


def _props(**values):
    from com.sun.star.beans import PropertyValue

    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        out.append(prop)
    return tuple(out)


class Office:
    """One headless LibreOffice with a profile of its own, ended whole (soffice.bin included) on exit."""

    def __enter__(self):
        import uno

        self.profile = tempfile.mkdtemp(prefix=f"lo_roundtrip_{os.getpid()}_")
        pipe = f"mou_roundtrip_{os.getpid()}"
        self.process = subprocess.Popen(  # noqa: S603 -- fixed arguments
            [  # noqa: S607 -- soffice from the PATH, as a person runs it
                "soffice",
                "--headless",
                "--invisible",
                "--nologo",
                "--norestore",
                "--nodefault",
                f"-env:UserInstallation=file://{self.profile}",
                f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        self.context = None
        for _ in range(300):
            try:
                self.context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.1)
        if self.context is None:
            raise RuntimeError("LibreOffice did not start")
        self.smgr = self.context.ServiceManager
        self.desktop = self.smgr.createInstanceWithContext("com.sun.star.frame.Desktop", self.context)
        return self

    def __exit__(self, *exc):
        with contextlib.suppress(Exception):
            self.desktop.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        shutil.rmtree(self.profile, ignore_errors=True)

    def set_author(self, name: str) -> None:
        """The name LibreOffice records on tracked changes (Tools > Options > User Data)."""
        provider = self.smgr.createInstanceWithContext("com.sun.star.configuration.ConfigurationProvider", self.context)
        access = provider.createInstanceWithArguments(
            "com.sun.star.configuration.ConfigurationUpdateAccess", _props(nodepath="/org.openoffice.UserProfile/Data")
        )
        first, _, last = name.rpartition(" ")
        access.setPropertyValue("givenname", first)
        access.setPropertyValue("sn", last)
        access.commitChanges()

    def open(self, path: Path):
        """The document as a model without a window: LibreOffice 7.4 aborts when it lays out the comments of a
        document opened in a (hidden) window through this bridge, in its own event loop, whatever it does next."""
        import uno

        document = self.smgr.createInstanceWithContext("com.sun.star.text.TextDocument", self.context)
        document.load(_props(URL=uno.systemPathToFileUrl(str(path)), FilterName="MS Word 2007 XML"))
        return document

    def save_docx(self, document, path: Path) -> None:
        import uno

        document.storeToURL(uno.systemPathToFileUrl(str(path)), _props(FilterName="MS Word 2007 XML"))


def _find(document, words: str):
    """The one place `words` stand, within a paragraph (a search needs the layout a windowless model lacks)."""
    hits = []
    paragraphs = document.Text.createEnumeration()
    while paragraphs.hasMoreElements():
        paragraph = paragraphs.nextElement()
        if not paragraph.supportsService("com.sun.star.text.Paragraph"):
            continue
        text = paragraph.getString()  # deleted words tracked stay in the text until accepted
        at = text.find(words)
        while at >= 0:
            hits.append((paragraph, at))
            at = text.find(words, at + 1)
    if len(hits) != 1:
        raise LookupError(f"{len(hits)} times in the document, not once: {words!r}")
    paragraph, at = hits[0]
    cursor = paragraph.getText().createTextCursorByRange(paragraph.getStart())
    cursor.goRight(at, False)
    cursor.goRight(len(words), True)
    return cursor


def _words(document, context: str, old: str):
    """The range of `old` inside the one place `context` stands."""
    cursor = _find(document, context)
    cursor.collapseToStart()
    cursor.goRight(context.index(old), False)
    cursor.goRight(len(old), True)
    return cursor


def apply_edits(office: Office, document, *, tracked: bool) -> None:
    from com.sun.star.text.ControlCharacter import PARAGRAPH_BREAK
    from com.sun.star.util import DateTime

    commented_at = DateTime()
    commented_at.Year, commented_at.Month, commented_at.Day, commented_at.Hours = COMMENT_DATE

    document.RecordChanges = tracked
    for edit in EDITS:
        office.set_author(edit["author"])
        kind = edit["kind"]
        if kind == "replace":
            _words(document, edit["context"], edit["old"]).setString(edit["new"])
        elif kind == "append":
            cursor = _words(document, edit["context"], edit["context"])
            cursor.gotoEndOfParagraph(False)
            cursor.getText().insertString(cursor, edit["new"], False)
        elif kind == "new_paragraph":
            cursor = _words(document, edit["context"], edit["context"])
            cursor.gotoEndOfParagraph(False)
            text = cursor.getText()
            text.insertControlCharacter(cursor, PARAGRAPH_BREAK, False)
            text.insertString(cursor, edit["new"], False)
        elif kind == "delete_paragraph":
            cursor = _words(document, edit["context"], edit["context"])
            cursor.gotoStartOfParagraph(False)
            cursor.gotoNextParagraph(True)  # the paragraph and its mark
            cursor.setString("")
    if tracked:
        for author, anchored, text in COMMENTS:
            found = _find(document, anchored)
            comment = document.createInstance("com.sun.star.text.textfield.Annotation")
            comment.Author = author
            comment.Content = text
            comment.DateTimeValue = commented_at
            found.getText().insertTextContent(found, comment, True)


def make(office: Office, source: Path) -> None:
    for name, tracked in (("libreoffice_tracked.docx", True), ("libreoffice_clean.docx", False)):
        document = office.open(source)
        try:
            apply_edits(office, document, tracked=tracked)
            office.save_docx(document, FIXTURES / name)
        finally:
            document.close(True)


#: What `edit_everywhere` adds at the end of each paragraph that mentions the Memorandum.
APPENDED = " (edited)"


def edit_everywhere(office: Office, source: Path, target: Path) -> None:
    """With changes recorded, add APPENDED at the end of every paragraph that mentions "Memorandum" (where an
    export's bookmark ends), as LibreOffice's author "Checker"; for tests/core/test_docx_revisions.py, which checks
    that LibreOffice keeps every clause's bookmark."""
    office.set_author("Bookmark Checker")
    document = office.open(source)
    try:
        document.RecordChanges = True
        paragraphs = document.Text.createEnumeration()
        while paragraphs.hasMoreElements():
            paragraph = paragraphs.nextElement()
            if paragraph.supportsService("com.sun.star.text.Paragraph") and "Memorandum" in paragraph.getString():
                paragraph.getText().insertString(paragraph.getEnd(), APPENDED, False)
        office.save_docx(document, target)
    finally:
        document.close(True)


def main() -> int:
    if sys.argv[1:2] == ["--export"]:
        export_clean(Path(sys.argv[2]))
        return 0
    if sys.argv[1:2] == ["--edit-everywhere"]:  # --edit-everywhere IN OUT [IN OUT ...]
        with Office() as office:
            for source, target in zip(sys.argv[2::2], sys.argv[3::2], strict=True):
                edit_everywhere(office, Path(source), Path(target))
        return 0
    FIXTURES.mkdir(parents=True, exist_ok=True)
    clean = FIXTURES / "clean_export.docx"
    subprocess.run(  # noqa: S603 -- fixed arguments
        [str(ROOT / ".venv" / "bin" / "python"), str(Path(__file__).resolve()), "--export", str(clean)],
        check=True,
        cwd=ROOT,
    )
    with Office() as office:
        make(office, clean)
    return 0


if __name__ == "__main__":
    sys.exit(main())
