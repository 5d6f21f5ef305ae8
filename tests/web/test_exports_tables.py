"""CSV exports a spreadsheet reads as they are meant (issue #20, item 8): Excel on Windows shows the Cyrillic, no
row loses its clause, the wording, rationale and rejection reason travel, and the discussion is exported, each
party's internal notes to that party alone."""

from __future__ import annotations

import csv
import io

from mou_tracker.core.spreadsheet import BYTE_ORDER_MARK, spreadsheet_cell, write_csv
from tests.conftest import wid_of
from tests.services.test_agreement import review
from tests.services.test_amendments import SETTLEMENT, act, amendment_id, as_user, propose

PRIVILEGES = "Nothing in or relating"


def rows_of(browser, url: str) -> list[dict[str, str]]:
    response = browser.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    # What Excel looks at first: the UTF-8 byte-order mark, without which it reads the file in the local code page.
    assert response.data.startswith(BYTE_ORDER_MARK.encode("utf-8"))
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_every_csv_starts_with_a_byte_order_mark_and_keeps_cyrillic(app, demo):
    chair = as_user(app, demo, "cica.chair")
    clauses = rows_of(chair, "/exports/clauses.csv")
    assert any(r["text_ru"].startswith("Исходя из вышеуказанных целей") for r in clauses)
    for url in ("/exports/amendments.csv", "/exports/comments.csv", "/audit.csv"):
        rows_of(chair, url)
    # Each file says what it is and of when, without a stamp to the minute.
    disposition = chair.get("/exports/clauses.csv").headers["Content-Disposition"]
    assert "CICA-UNOCT-MoU_clauses_" in disposition and disposition.endswith('.csv"')


def test_one_rule_neutralises_formulas_in_every_csv():
    assert spreadsheet_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and spreadsheet_cell("-1+2") == "'-1+2"
    assert spreadsheet_cell(None) == "" and spreadsheet_cell(12) == "12" and spreadsheet_cell("Статья 1") == "Статья 1"
    text = write_csv(["a", "b"], [["@SUM(A1)", "ok"]])
    assert text == BYTE_ORDER_MARK + "a,b\r\n'@SUM(A1),ok\r\n"


def test_amendments_csv_has_the_deleted_clause_the_wording_rationale_and_rejection_reason(app, demo):
    unoct, cica, legal = (as_user(app, demo, login) for login in ("unoct.negotiator", "cica.negotiator", "cica.legal"))
    # A deletion, adopted: its clause is gone from the draft, and still named in the export.
    deletion = amendment_id(
        unoct.post(f"/clauses/{wid_of(app, PRIVILEGES)}/propose-deletion", {"rationale": "Covered elsewhere."})
    )
    assert act(unoct, deletion, "table").status_code == 302
    assert act(cica, deletion, "concur").status_code == 302
    assert review(legal, deletion).status_code == 302
    # A change, rejected with a reason.
    change = amendment_id(
        propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably.", rationale="Shorter.")
    )
    assert act(unoct, change, "table").status_code == 302
    rejected = cica.post(
        f"/amendments/{change}/reject",
        {"reason": "=Not acceptable to CICA.", "expected_revision": "1"},
        token_from=f"/amendments/{change}",
    )
    assert rejected.status_code == 302
    rows = {r["amendment"]: r for r in rows_of(cica, "/exports/amendments.csv")}
    assert rows["UNOCT-1"]["state"] == "adopted" and rows["UNOCT-1"]["clause"] == "Article 6 (deleted)"
    assert rows["UNOCT-1"]["text_en"] == "" and rows["UNOCT-1"]["rationale"] == "Covered elsewhere."
    assert rows["UNOCT-2"]["text_en"] == "Any dispute will be settled amicably."
    assert rows["UNOCT-2"]["rationale"] == "Shorter."
    assert rows["UNOCT-2"]["rejection_reason"] == "'=Not acceptable to CICA."  # never a formula
    assert {"heading_en", "text_en", "heading_ru", "text_ru"} <= set(rows["UNOCT-2"])


def test_the_other_party_reads_only_the_wording_that_was_tabled(app, demo):
    unoct, cica = as_user(app, demo, "unoct.negotiator"), as_user(app, demo, "cica.negotiator")
    draft = amendment_id(propose(cica, wid_of(app, SETTLEMENT), "A wording CICA keeps to itself.", "Internal."))
    assert all(r["rationale"] != "Internal." for r in rows_of(unoct, "/exports/amendments.csv"))
    (own,) = [r for r in rows_of(cica, "/exports/amendments.csv") if r["amendment"] == f"CICA draft {draft}"]
    assert own["text_en"] == "A wording CICA keeps to itself." and own["rationale"] == "Internal."


def test_the_discussion_csv_gives_each_party_its_own_internal_notes_only(app, demo):
    unoct, cica = as_user(app, demo, "unoct.negotiator"), as_user(app, demo, "cica.negotiator")
    chair = as_user(app, demo, "cica.chair")
    new_id = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    act(unoct, new_id, "table")
    cica.post(f"/amendments/{new_id}/comments", {"body": "Our line: accept if UNOCT drops 'dispute'.", "internal": "y"})
    cica.post(f"/amendments/{new_id}/comments", {"body": "We could accept with one change."})
    unoct.post(f"/amendments/{new_id}/comments", {"body": "=Our fallback: keep 'difference'.", "internal": "y"})
    # A note on CICA's untabled draft is CICA's business, as the draft is.
    draft = amendment_id(propose(cica, wid_of(app, PRIVILEGES), "A wording CICA keeps to itself."))
    cica.post(f"/amendments/{draft}/comments", {"body": "Draft note."})

    def said(browser) -> set[tuple[str, str, str]]:
        return {(r["amendment"], r["internal"], r["comment"]) for r in rows_of(browser, "/exports/comments.csv")}

    shared = ("UNOCT-1", "no", "We could accept with one change.")
    cica_note = ("UNOCT-1", "yes", "Our line: accept if UNOCT drops 'dispute'.")
    unoct_note = ("UNOCT-1", "yes", "'=Our fallback: keep 'difference'.")
    draft_note = (f"CICA draft {draft}", "yes", "Draft note.")
    assert said(cica) == {shared, cica_note, draft_note}
    assert said(chair) == {shared, cica_note, draft_note}  # the CICA chair belongs to CICA
    assert said(unoct) == {shared, unoct_note}
    (row,) = [r for r in rows_of(unoct, "/exports/comments.csv") if r["internal"] == "no"]
    assert row["author_party"] == "CICA" and row["clause"].startswith("Article")
    # The dashboard links it beside the other CSV exports.
    assert '/exports/comments.csv"' in chair.get("/dashboard").get_data(as_text=True)
