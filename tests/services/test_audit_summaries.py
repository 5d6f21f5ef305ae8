"""The audit trail reads in the reader's language: summaries stored in English are read back into their sentence
and values (services.audit.summary_message) and said in the interface language, on the page and in the CSV; a
summary no sentence matches (an older wording) is shown as stored.
"""

from __future__ import annotations

import csv
import io

from mou_tracker.extensions import db
from mou_tracker.models import AuditEvent
from mou_tracker.services import audit
from tests.web.test_exports_docx_exact import history  # noqa: F401  (the fixture)


def test_every_event_of_a_negotiation_reads_as_one_of_its_kinds_sentences(app, history):  # noqa: F811
    """The guard against drift: a service that changes its wording without its sentence here fails this test."""
    history["unoct.negotiator"].post(
        f"/amendments/{history['ids']['UNOCT-5']}/comments",
        {"body": "Noted.", "internal": "y"},
        token_from=f"/amendments/{history['ids']['UNOCT-5']}",
    )
    with app.app_context():
        events = list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.instrument_id.is_not(None))))
        kinds = {e.kind for e in events}
        assert {"amendment.proposed", "amendment.tabled", "amendment.concurred", "review.cleared"} <= kinds
        assert {"amendment.adopted", "milestone.frozen", "amendment.commented", "instrument.loaded"} <= kinds
        unread = [
            (e.kind, e.summary)
            for e in events
            if audit.sentences_of(e.kind) and not hasattr(audit.summary_message(e.kind, e.summary), "template")
        ]
        assert unread == []


def test_an_older_wording_is_shown_as_stored():
    assert audit.summary_message("amendment.tabled", "Tabled long ago") == "Tabled long ago"
    assert audit.summary_message("user.created", "Account x created") == "Account x created"


def _russian(browser):
    browser.post("/language", {"language": "ru", "next": "/"}, token_from="/")
    return browser


def test_a_russian_reader_reads_the_audit_trail_in_russian(app, history):  # noqa: F811
    unoct = _russian(history["unoct.negotiator"])
    page = unoct.get("/audit").get_data(as_text=True)
    # A legal review's decision and a party's own draft's handle are said in Russian, on the page...
    assert "Одобрено" in page
    assert ": Cleared" not in page
    assert "UNOCT-проект-" in page
    assert " draft " not in page
    # ... and in the CSV.
    rows = list(csv.DictReader(io.StringIO(unoct.get("/audit.csv").get_data(as_text=True).lstrip("\ufeff"))))
    summaries = [row["summary"] for row in rows]
    reviews = [s for s, row in zip(summaries, rows, strict=True) if row["kind"].startswith("review.")]
    assert reviews and all("Одобрено" in s and "Cleared" not in s for s in reviews), reviews
    assert any("UNOCT-проект-" in s for s in summaries)
    # An English reader reads the stored English.
    english = history["cica.chair"].get("/audit").get_data(as_text=True)
    assert ": Cleared" in english
