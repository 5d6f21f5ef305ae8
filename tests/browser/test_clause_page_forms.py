"""The clause page's part is shared by its readers (issue #22): the bracket declarations' form sits in it without a
token, and the page around it gives the form this view's token (`form="bracket-declarations"`). A real browser
must send it with the form."""

from __future__ import annotations

from tests.conftest import wid_of


def test_the_bracket_declarations_are_sent_with_this_views_token(app, people):
    wid = wid_of(app, "Done at [place]")
    negotiator = people("cica.negotiator")
    page = negotiator.page
    page.goto(f"/clauses/{wid}")
    page.get_by_role("checkbox", name="[place]").first.check()
    page.get_by_role("button", name="Save the declarations").click()
    page.wait_for_load_state()
    assert "1 bracket changed." in page.content()
    assert page.get_by_role("checkbox", name="[place]").first.is_checked()
