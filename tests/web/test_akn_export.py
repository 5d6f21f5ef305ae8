"""The Akoma Ntoso export: valid against the OASIS schema in every language, with the lifecycle, and read back by
the draft importer as the same clauses."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from mou_tracker.imports.akn_reader import AKN_NAMESPACE, recognise_akn
from tests.conftest import DEMO_HOME, wid_of
from tests.services.test_agreement import review, state_of
from tests.services.test_amendments import SETTLEMENT, act, amendment_id, as_user, propose

A = f"{{{AKN_NAMESPACE}}}"
SCHEMA = Path(__file__).parents[1] / "fixtures" / "akoma-ntoso" / "akomantoso30.xsd"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def export(browser, language: str) -> etree._Element:
    response = browser.get(f"{DEMO_HOME}exports/akoma-ntoso.xml", query_string={"language": language})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/akn+xml"
    assert f"_akn_{language}_" in response.headers["Content-Disposition"]
    return etree.fromstring(response.get_data())


def draft_page_texts(app, language: str) -> list[tuple[str, str | None, str]]:
    from mou_tracker.extensions import db
    from mou_tracker.models import User
    from mou_tracker.services import draft as draft_service
    from mou_tracker.services.negotiations import open_negotiation

    with app.test_request_context():
        reader = db.session.scalar(db.select(User).where(User.login == "cica.negotiator"))
        instrument = open_negotiation(db.session, reader, "cica-unoct-mou")
        return [
            (c.kind.value, c.heading(language), c.body(language) or "")
            for c in draft_service.draft_as_of(db.session, reader, instrument, None)
        ]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_language_is_a_valid_expression_that_reads_back_as_the_same_clauses(app, demo, schema, language):
    cica = as_user(app, demo, "cica.negotiator")
    root = export(cica, language)
    schema.assertValid(root.getroottree())
    expression = root.find(f"{A}act/{A}meta/{A}identification/{A}FRBRExpression")
    assert expression.find(f"{A}FRBRlanguage").get("language") == {"en": "eng", "ru": "rus"}[language]
    assert "/cica-unoct-mou/" in expression.find(f"{A}FRBRuri").get("value")

    recognition = recognise_akn(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    # A clause not yet translated is kept in place (its wId, an empty paragraph); the reader skips an empty recital.
    expected = [t for t in draft_page_texts(app, language) if t[0] != "preamble" or t[2]]
    assert [(c.kind.value, c.heading, c.text) for c in recognition.clauses] == expected
    assert len(root.xpath("//*[@wId]")) == len(draft_page_texts(app, language))
    labels = [num.text for num in root.iter(f"{A}num")]
    assert labels[0] == ("Article 1" if language == "en" else "Статья 1")


def test_clauses_carry_their_stable_ids_and_adoptions_are_in_the_lifecycle(app, demo, schema):
    unoct = as_user(app, demo, "unoct.negotiator")
    cica = as_user(app, demo, "cica.negotiator")
    settlement = wid_of(app, SETTLEMENT)
    before = export(cica, "en")
    assert before.find(f".//{A}article[@wId='{settlement}']") is not None
    events_before = len(before.findall(f".//{A}lifecycle/{A}eventRef"))

    new = amendment_id(propose(unoct, settlement, "Any difference will be settled amicably by consultations."))
    assert act(unoct, new, "table").status_code == 302
    assert act(cica, new, "concur").status_code == 302
    assert review(as_user(app, demo, "cica.legal"), new).status_code == 302
    assert state_of(app, new) == "adopted"
    after = export(cica, "en")
    schema.assertValid(after.getroottree())
    article = after.find(f".//{A}article[@wId='{settlement}']")
    assert "settled amicably by consultations" in "".join(article.itertext())
    events = after.findall(f".//{A}lifecycle/{A}eventRef")
    assert len(events) == events_before + 1
    assert (events[-1].get("type"), events[-1].get("refersTo")) == ("amendment", f"#{settlement}")
    source = after.find(f".//{A}passiveRef[@eId='{events[-1].get('source')[1:]}']")
    assert source.get("showAs") == "UNOCT-1"


def test_an_unknown_language_is_refused_clearly(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    response = cica.get(f"{DEMO_HOME}exports/akoma-ntoso.xml", query_string={"language": "xx"})
    assert response.status_code == 400
    assert "no text in that language" in response.get_data(as_text=True)
