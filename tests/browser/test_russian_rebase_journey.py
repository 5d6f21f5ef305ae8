"""A clause, in Russian, through a rebase conflict resolved by hand to adoption (issue #19).

UNOCT tables an amendment; the clause then changes under it (as an adopted amendment changes it), so the amendment
is outdated and its rebase conflicts. The UNOCT negotiator revises it by hand against the current text, CICA
concurs, a legal reviewer clears it, and it becomes the clause's text. At every step the page is read as a Russian
reader sees it: the expected Russian sentences are there, and no English is left except proper names and the
texts' own English.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, labels
from tests.conftest import add_clause_version, wid_of

CLAUSE_START = "This Memorandum may be amended at any time"
PROPOSED = (
    "This Memorandum may be amended at any time by mutual written consent of the Participants, "
    "expressed through an exchange of letters."
)
#: What the clause became meanwhile: the same words UNOCT changed, changed otherwise.
CHANGED_MEANWHILE = "This Memorandum may be amended at any time by mutual written consent of both Parties."
RESOLVED = (
    "This Memorandum may be amended at any time by mutual written consent of both Parties, "
    "expressed through an exchange of letters."
)

#: Words that stay as they are on a Russian page: proper names (parties, people, the product, the negotiation's
#: short title), citations of amendments, clause identifiers, and abbreviations used as such in Russian.
PROPER = re.compile(
    r"\b(?:CICA|UNOCT|MoU Tracker|CICA Secretariat – UNOCT MoU|Daniel Moreau|Aigerim Sadykova|Yerlan Abenov|"
    r"Priya Raman|Nurlan Bekov|UTC|ad ref\.?|id|c-[0-9a-f]+|DOCX|PDF|CSV|API|"
    # File formats by their names, as a Russian text names them too.
    r"Word|OpenDocument|Excel|PNG|JPEG|docx|odt|xlsx|"
    # A user's login, as typed in a mention (@cica.negotiator).
    r"[a-z]+\.(?:negotiator|legal|chair|admin)|"
    r"Secretariat of the Conference on Interaction and Confidence Building Measures in Asia|"
    r"United Nations Office of Counter-Terrorism|"
    # The demo's record of where the first draft came from: a stored text, written in English by its author.
    r"Initial draft circulated by the CICA Secretariat with note NCT/CT/274 \(Astana, 6 March 2024\)\.)"
)
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def english_left(page) -> list[str]:
    """The English words the page shows in its interface (main region and title): texts marked lang="en" (the
    clause's English wording) and the words a user typed are left out; proper names are allowed."""
    root = lxml_html.fromstring(page.content())
    found = []
    texts = [root.findtext(".//title") or ""]
    main = root.xpath("//main")[0]
    for element in main.iter():
        if not isinstance(element.tag, str):
            continue
        if any(e.get("lang") == "en" for e in [element, *element.iterancestors()]):
            continue
        if "prewrap" in (element.get("class") or "") or element.tag in ("textarea", "option", "script", "code"):
            continue
        texts += [element.text or "", *(element.get(a) or "" for a in ("title", "aria-label", "placeholder"))]
        parent = element.getparent()
        if element.tail and not (parent is not None and parent.get("lang") == "en"):
            texts.append(element.tail)
    for text in texts:
        remainder = PROPER.sub(" ", text)
        if LATIN_WORD.search(remainder):
            found.append(" ".join(text.split()))
    return found


def check_page(person, what: str, *, shows: list[str]):
    page = person.page
    page.wait_for_load_state()  # a click waits for the next page to start, not for it to be read
    assert page.locator("html").get_attribute("lang") == "ru"
    body = " ".join(page.locator("main").inner_text().split())
    for sentence in shows:
        assert sentence in body, f"{what}: «{sentence}» missing from: {body[:1500]}"
    assert english_left(page) == [], what
    assert axe_violations(page) == [], what
    person.shot(f"rebase-{what}")


def test_a_clause_goes_through_a_rebase_conflict_to_adoption_in_russian(app, people):
    _ = labels("ru")
    wid = wid_of(app, CLAUSE_START)

    # UNOCT proposes and tables its change.
    unoct = people("unoct.negotiator", "ru")
    page = unoct.page
    page.goto(f"/clauses/{wid}?lang=en")
    page.get_by_role("link", name=_("Propose a change")).click()
    page.get_by_label(_("Text – %(language)s") % {"language": _("English")}).fill(PROPOSED)
    page.get_by_label(_("Rationale")).fill("Порядок изменения должен быть ясен.")
    page.locator("form.form.wide [type=submit]").click()
    page.get_by_role("button", name=_("Table to the other party")).click()
    amendment_url = page.url
    assert "UNOCT-1" in page.locator("h1").inner_text()
    check_page(unoct, "1-tabled", shows=[_("Tabled"), "UNOCT-1"])

    # The clause changes under it (what an adopted CICA amendment does): the amendment is outdated.
    add_clause_version(app, wid, CHANGED_MEANWHILE, reason="Согласованная формулировка")
    page.goto(amendment_url)
    outdated = _(
        "%(citation)s was written against version %(seq)s of the clause; the clause is now at version %(now)s."
    )
    check_page(
        unoct,
        "2-outdated",
        shows=[_("Outdated"), outdated % {"citation": "UNOCT-1", "seq": 1, "now": 2}],
    )

    # Rebasing conflicts: the three texts side by side, and nothing changed.
    page.get_by_role("link", name=_("Rebase onto the current text")).click()
    check_page(
        unoct,
        "3-conflict",
        shows=[
            _("Conflict."),
            _("Version %(seq)s (the base)") % {"seq": 1},
            _("Version %(seq)s (now)") % {"seq": 2},
            _("%(citation)s proposed") % {"citation": "UNOCT-1"},
        ],
    )
    assert CHANGED_MEANWHILE in page.locator(".conflict").first.inner_text()

    # Revised by hand against the current text.
    page.get_by_role("link", name=_("Revise %(citation)s by hand") % {"citation": "UNOCT-1"}).click()
    english = page.get_by_label(_("Text – %(language)s") % {"language": _("English")})
    check_page(unoct, "4-revise-by-hand", shows=[_("Revise %(citation)s") % {"citation": "UNOCT-1"}])
    english.fill(RESOLVED)
    page.get_by_label(_("Rationale")).fill("Порядок изменения должен быть ясен; учтена действующая редакция.")
    page.locator("form.form.wide [type=submit]").click()
    page.wait_for_url(amendment_url)
    page.wait_for_load_state()
    assert page.locator("h1 .badge", has_text=_("Outdated")).count() == 0
    check_page(
        unoct,
        "5-revised",
        shows=[_("Revision %(seq)s") % {"seq": 2}, _("Revised against version %(seq)s") % {"seq": 2}],
    )
    inserted = " ".join(page.locator(".redline ins.rl-ins").all_inner_texts())
    assert "exchange of letters" in inserted and "Participants" not in inserted  # against the current text
    assert page.locator(".redline ins.rl-ins").first.get_attribute("title") == _("Inserted by %(party)s") % {
        "party": "UNOCT"
    }

    # CICA concurs; the legal review clears it; it is adopted.
    cica = people("cica.negotiator", "ru")
    cica.page.goto(amendment_url)
    cica.page.get_by_role("button", name=_("Concur for %(party)s") % {"party": "CICA"}).click()
    expect(cica.page.locator(".flash-success")).to_have_count(1)
    check_page(cica, "6-concurred", shows=[_("concurred with revision %(seq)s") % {"seq": 2}])
    for login in ("cica.legal", "unoct.legal"):  # as many clearances as the negotiation's rule asks for
        reviewer = people(login, "ru")
        reviewer.page.goto(amendment_url)
        if reviewer.page.get_by_role("button", name=_("Record the review")).count() == 0:
            continue
        reviewer.page.get_by_label(_("Decision")).select_option("cleared")
        reviewer.page.get_by_role("button", name=_("Record the review")).click()
        if _("Adopted") in reviewer.page.locator("h1 .badge").first.inner_text():
            break
    page = reviewer.page
    adopted = _("Adopted: this wording is now the text of %(clause)s.") % {"clause": "статьи 8"}
    check_page(reviewer, "7-adopted", shows=[_("Adopted"), adopted])

    # The clause reads the resolved wording, and its history says which amendment made it, in Russian.
    page.goto(f"/clauses/{wid}?lang=en")
    assert RESOLVED in page.locator(".current-text").inner_text()
    check_page(reviewer, "8-clause-history", shows=["UNOCT-1 принята: Порядок изменения должен быть ясен"])
