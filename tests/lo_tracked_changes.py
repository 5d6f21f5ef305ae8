"""LibreOffice as an independent reader of Word files, for tests/web/test_exports_docx_exact.py and
tests/services/test_docx_comments_oracle.py.

Run with the system Python that has LibreOffice's `uno` module (Debian `python3-uno`), never the venv:

    /usr/bin/python3 tests/lo_tracked_changes.py JOBS.json

JOBS.json is a list of [input .docx, "accept" | "reject" | "none", output .txt] or [..., output .txt, comments
.json]. One LibreOffice process (with its own profile folder, so that parallel runs never collide) reads every
file, accepts or rejects every tracked change through the same dispatcher commands as Edit > Track Changes >
Accept All / Reject All, and saves the result as plain UTF-8 text; given a fourth path, it also writes there the
comments it read, as a JSON list of {"author", "date", "text", "anchor"} in document order ("anchor": the words
the comment is anchored on, tracked deletions included, before any change is accepted or rejected).

Word files with comments: LibreOffice 7.4 aborts (the bridge reports "Binary URP bridge disposed") when it lays
out the comments of a document opened in a window through this bridge, even a hidden one; and a comment removed
through the API (removeTextContent, dispose) whose range spans a tracked change makes it abort when it stores the
document. So each file is first loaded as a model without a window (TextDocument.load, as
tests/make_roundtrip_fixtures.py does), where its comments are read; the model is stored, comments and all, in
LibreOffice's own format (ODT, lossless for tracked changes); the comments are taken out of that ODT's
content.xml (nothing else changes), and that copy is opened in a hidden window, where the dispatcher (which needs
a frame) accepts or rejects all changes. Reading the Word file, the part under test, is LibreOffice's own
throughout; so the tests give it the exports as people download them, comments included.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

import uno
from com.sun.star.beans import PropertyValue


def _props(**values):
    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        out.append(prop)
    return tuple(out)


#: LibreOffice's import filter for .docx ("Word 2007-365").
WORD_FILTER = "MS Word 2007 XML"


def _iso(value) -> str:
    """A com.sun.star.util.DateTime as ISO 8601 to the second, as Word files write dates."""
    return (
        f"{value.Year:04d}-{value.Month:02d}-{value.Day:02d}T{value.Hours:02d}:{value.Minutes:02d}:{value.Seconds:02d}Z"
    )


def _texts(text):
    """The paragraphs of `text` in reading order, table cells included (a cover table, a signature block)."""
    paragraphs = text.createEnumeration()
    while paragraphs.hasMoreElements():
        element = paragraphs.nextElement()
        if element.supportsService("com.sun.star.text.TextTable"):
            for name in element.getCellNames():
                yield from _texts(element.getCellByName(name))
        elif element.supportsService("com.sun.star.text.Paragraph"):
            yield element


def _comments(model) -> list[dict[str, str]]:
    """Each comment as LibreOffice read it ({"author", "date", "text", "anchor"}), in document order: a comment
    is a text portion of type "Annotation" where its range starts."""
    found = []
    for paragraph in _texts(model.getText()):
        portions = paragraph.createEnumeration()
        while portions.hasMoreElements():
            portion = portions.nextElement()
            if portion.TextPortionType != "Annotation":
                continue
            field = portion.TextField
            record = {
                "author": field.Author,
                "date": _iso(field.DateTimeValue),
                "text": field.Content,
                "anchor": field.getAnchor().getString(),
            }
            found.append(record)
    return found


#: A comment in ODT's content.xml: its body (office:annotation, never nested) and where its range ends.
_ODT_COMMENT = re.compile(
    r"<office:annotation\b[^>]*?(?:/>|>.*?</office:annotation>)|<office:annotation-end\b[^>]*/>", re.DOTALL
)


def _without_comments(source: str, target: str) -> None:
    """A copy of the ODT file `source` without its comments, everything else byte for byte. In the model, a
    comment removed through the API (removeTextContent, dispose) whose range spans a tracked change makes
    LibreOffice 7.4 abort when it stores the document; so they go from LibreOffice's own file instead."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for entry in original.infolist():  # mimetype first and stored, as ODT requires: the same entries, in order
            data = original.read(entry.filename)
            if entry.filename == "content.xml":
                data = _ODT_COMMENT.sub("", data.decode("utf-8")).encode("utf-8")
            copy.writestr(entry, data)


def main(jobs_path: str) -> int:
    with open(jobs_path, encoding="utf-8") as handle:
        jobs = json.load(handle)
    profile = tempfile.mkdtemp(prefix=f"lo_profile_{os.getpid()}_")
    pipe = f"mou_oracle_{os.getpid()}"
    office = subprocess.Popen(  # noqa: S603 -- fixed arguments
        [  # noqa: S607 -- soffice from the PATH, as a person runs it
            "soffice",
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: ended whole, soffice.bin included
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        context = None
        for _ in range(300):
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.1)
        if context is None:
            print("LibreOffice did not start", file=sys.stderr)
            return 2
        smgr = context.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", context)
        for job in jobs:
            source, mode, target = job[:3]
            comments_target = job[3] if len(job) > 3 else None
            # Every file's comments leave it before a window opens (see the docstring).
            native, stripped = os.path.join(profile, "native.odt"), os.path.join(profile, "stripped.odt")
            model = smgr.createInstanceWithContext("com.sun.star.text.TextDocument", context)
            try:
                model.load(_props(URL=uno.systemPathToFileUrl(os.path.abspath(source)), FilterName=WORD_FILTER))
            except Exception as error:  # reported, then the run fails
                print(f"LibreOffice could not read {source}: {error}", file=sys.stderr)
                return 3
            try:
                comments = _comments(model)
                if comments_target is not None:
                    with open(comments_target, "w", encoding="utf-8") as handle:
                        json.dump(comments, handle, ensure_ascii=False, indent=1)
                model.storeToURL(uno.systemPathToFileUrl(native), _props(FilterName="writer8"))
            finally:
                model.close(True)
            _without_comments(native, stripped)
            document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(stripped), "_blank", 0, _props(Hidden=True))
            if document is None:
                print(f"LibreOffice could not open {source} (its copy without comments)", file=sys.stderr)
                return 3
            try:
                frame = document.getCurrentController().getFrame()
                if mode == "accept":
                    dispatcher.executeDispatch(frame, ".uno:AcceptAllTrackedChanges", "", 0, ())
                elif mode == "reject":
                    dispatcher.executeDispatch(frame, ".uno:RejectAllTrackedChanges", "", 0, ())
                document.storeToURL(
                    uno.systemPathToFileUrl(os.path.abspath(target)),
                    _props(FilterName="Text (encoded)", FilterOptions="UTF8,LF,,,"),
                )
            finally:
                document.close(True)
        with contextlib.suppress(Exception):
            desktop.terminate()
        return 0
    finally:
        with contextlib.suppress(subprocess.TimeoutExpired):
            office.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(office.pid, signal.SIGKILL)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
