"""LibreOffice as an independent reader of Word files, for tests/test_exports_docx_exact.py.

Run with the system Python that has LibreOffice's `uno` module (Debian `python3-uno`), never the venv:

    /usr/bin/python3 tests/lo_tracked_changes.py JOBS.json

JOBS.json is a list of [input .docx, "accept" | "reject" | "none", output .txt]. One LibreOffice process (with
its own profile folder, so that parallel runs never collide) opens every file, accepts or rejects every tracked
change through the same dispatcher commands as Edit > Track Changes > Accept All / Reject All, and saves the
result as plain UTF-8 text.

LibreOffice 7.4 opened through this bridge refuses a Word file that holds comments (loadComponentFromURL returns
nothing, even for a file LibreOffice wrote itself), so the tests give it the exports made without comments
(?comments=0); the comments are checked on the XML.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def _props(**values):
    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        out.append(prop)
    return tuple(out)


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
        for source, mode, target in jobs:
            url = uno.systemPathToFileUrl(os.path.abspath(source))
            document = desktop.loadComponentFromURL(url, "_blank", 0, _props(Hidden=True))
            if document is None:
                print(f"LibreOffice could not open {source}", file=sys.stderr)
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
