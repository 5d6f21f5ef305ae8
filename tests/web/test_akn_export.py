"""The Akoma Ntoso export: valid against the OASIS schema in every language, with the lifecycle and the open tabled
amendments (each an Akoma Ntoso amendment document, its changes as <ins>/<del> naming its party and citation; no
party's untabled draft, whoever asks), and read back by the draft importer as the same clauses, through the page
and through the API alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from mou_tracker.exports.akn import AmendmentsShown
from mou_tracker.imports.akn_reader import AKN_NAMESPACE, recognise_akn
from tests.api import test_api
from tests.api.test_api import API, client
from tests.conftest import DEMO_HOME, wid_of
from tests.services.test_agreement import review, state_of
from tests.services.test_amendments import AMENDMENT_CLAUSE, SETTLEMENT, act, amendment_id, as_user, propose

tokens = test_api.tokens  # the fixture: a token of each of four users of the demo

A = f"{{{AKN_NAMESPACE}}}"
SCHEMA = Path(__file__).parents[1] / "fixtures" / "akoma-ntoso" / "akomantoso30.xsd"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def download(browser, language: str, **query: str) -> bytes:
    response = browser.get(f"{DEMO_HOME}exports/akoma-ntoso.xml", query_string={"language": language, **query})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/akn+xml"
    assert f"_akn_{language}_" in response.headers["Content-Disposition"]
    return response.get_data()


def export(browser, language: str, **query: str) -> etree._Element:
    return etree.fromstring(download(browser, language, **query))


def act_of(root: etree._Element) -> etree._Element:
    """The act: the root's document, or the first component of the collection that carries the amendments."""
    found = root.find(f"{A}act")
    if found is None:
        found = root.find(f"{A}documentCollection/{A}collectionBody/{A}component/{A}act")
    assert found is not None
    return found


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
    expression = act_of(root).find(f"{A}meta/{A}identification/{A}FRBRExpression")
    assert expression.find(f"{A}FRBRlanguage").get("language") == {"en": "eng", "ru": "rus"}[language]
    assert "/cica-unoct-mou/" in expression.find(f"{A}FRBRuri").get("value")

    recognition = recognise_akn(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    # A clause not yet translated is kept in place (its wId, an empty paragraph); the reader skips an empty recital.
    expected = [t for t in draft_page_texts(app, language) if t[0] != "preamble" or t[2]]
    assert [(c.kind.value, c.heading, c.text) for c in recognition.clauses] == expected
    assert len(root.xpath("//*[@wId]")) == len(draft_page_texts(app, language))
    labels = [num.text for num in root.iter(f"{A}num")]
    assert labels[0] == ("Article 1" if language == "en" else "Статья 1")
    # The text alone (?amendments=none): the act is the root's document, the same act.
    alone = export(cica, language, amendments="none")
    schema.assertValid(alone.getroottree())
    assert [child.tag for child in alone] == [f"{A}act"]
    assert recognise_akn(etree.tostring(alone)).clauses == recognition.clauses


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


# The open tabled amendments --------------------------------------------------------------------------------------

UNOCT_WORDING = (
    "Any dispute arising from the interpretation or application of this Memorandum shall be settled amicably "
    "through consultations between the Participants."
)
UNOCT_RUSSIAN = "Любой спор разрешается дружественным путём посредством консультаций."
CICA_WORDING = (
    "Any difference arising from the interpretation or implementation of this Memorandum will be settled amicably "
    "through consultations between the Participants, within sixty days."
)
NEW_CLAUSE = "Each Participant will bear its own costs."
SECRET = "Secret wording never tabled"


def citation_of(app, amendment: int) -> str:
    from mou_tracker.extensions import db
    from mou_tracker.models import Amendment

    with app.app_context():
        return str(db.session.get(Amendment, amendment).citation)


def at_the_table(app, demo) -> dict[str, int]:
    """UNOCT tables a wording of the settlement clause (English and Russian), the deletion of the amendment clause
    and a new paragraph; CICA tables its own wording of the settlement clause (English only); each party keeps an
    untabled draft."""
    from mou_tracker.extensions import db
    from mou_tracker.models import Clause

    unoct, cica = as_user(app, demo, "unoct.negotiator"), as_user(app, demo, "cica.negotiator")
    settlement, amendment_clause = wid_of(app, SETTLEMENT), wid_of(app, AMENDMENT_CLAUSE)
    ids = {
        "unoct": amendment_id(propose(unoct, settlement, UNOCT_WORDING, "Dispute is the usual word.", UNOCT_RUSSIAN))
    }
    ids["cica"] = amendment_id(propose(cica, settlement, CICA_WORDING, "A time limit."))
    ids["deletion"] = amendment_id(
        unoct.post(f"/clauses/{amendment_clause}/propose-deletion", {"rationale": "Not needed."})
    )
    with app.app_context():
        term = db.session.scalar(db.select(Clause).filter_by(wid=wid_of(app, "This Memorandum will remain in effect")))
        parent, after = term.parent.wid, term.wid
    ids["insertion"] = amendment_id(
        unoct.post(
            f"/propose/new-clause?parent={parent}&after={after}",
            {"kind": "paragraph", "body_en": NEW_CLAUSE, "rationale": "Costs."},
        )
    )
    for key, who in (("unoct", unoct), ("cica", cica), ("deletion", unoct), ("insertion", unoct)):
        assert act(who, ids[key], "table").status_code == 302
    ids["unoct_draft"] = amendment_id(propose(unoct, amendment_clause, SECRET + " of UNOCT."))
    ids["cica_draft"] = amendment_id(propose(cica, settlement, SECRET + " of CICA."))
    return ids


def amendments_of(root: etree._Element) -> dict[str, etree._Element]:
    """The amendment documents of the collection, by citation (their docNumber)."""
    found = root.findall(f"{A}documentCollection/{A}collectionBody/{A}component/{A}amendment")
    return {amendment.find(f".//{A}docNumber").text: amendment for amendment in found}


def marks(root: etree._Element, amendment: etree._Element, tag: str) -> list[tuple[str, str, str]]:
    """Each <ins> or <del> of an amendment's content: (its words, its party's name, the citation), its refersTo
    resolved against the file's references (TLCOrganization, TLCReference) as a reader would."""
    shown = {element.get("eId"): element.get("showAs") for element in root.iter(f"{A}TLCOrganization")}
    shown |= {element.get("eId"): element.get("showAs") for element in root.iter(f"{A}TLCReference")}
    out = []
    for mark in amendment.find(f".//{A}amendmentContent").iter(f"{A}{tag}"):
        party, citation = (shown[reference.removeprefix("#")] for reference in mark.get("refersTo").split())
        out.append(("".join(mark.itertext()).strip(), party, citation))  # a change carries the space before it
    return out


def modification(act_element: etree._Element, amendment: etree._Element) -> tuple[str, str | None]:
    """What an amendment does (its textualMod type) and to which clause of the act (the wId at its destination)."""
    textual = amendment.find(f".//{A}activeModifications/{A}textualMod")
    eid = textual.find(f"{A}destination").get("href").partition("#")[2]
    target = act_element.find(f".//*[@eId='{eid}']")
    return textual.get("type"), None if target is None else target.get("wId")


def refused_field(api) -> str:
    return api.call("export_akoma_ntoso", query={"amendments": "drafts"}).get_json()["errors"][0]["field"]


def content_text(amendment: etree._Element) -> str:
    return " ".join("".join(amendment.find(f".//{A}amendmentContent").itertext()).split())


@pytest.mark.parametrize("language", ["en", "ru"])
def test_tabled_amendments_are_amendment_documents_with_their_changes_marked_and_no_draft(app, demo, schema, language):
    cica_before = export(as_user(app, demo, "cica.negotiator"), language)
    ids = at_the_table(app, demo)
    u, c, d, n = (citation_of(app, ids[key]) for key in ("unoct", "cica", "deletion", "insertion"))
    for login in ("unoct.negotiator", "cica.negotiator", "cica.chair"):
        data = download(as_user(app, demo, login), language)
        # Neither party's untabled draft, whoever asks: not the other party, not its own either.
        assert SECRET.encode() not in data
        root = etree.fromstring(data)
        schema.assertValid(root.getroottree())
        amendments = amendments_of(root)
        assert list(amendments) == [u, c, d, n]  # in the order of the draft, then of tabling
        act_element = act_of(root)
        names = {e.get("eId"): e.get("showAs") for e in act_element.iter(f"{A}TLCOrganization")}
        unoct_name, cica_name = names["unoct"], names["cica"]

        # Each says what it does to which clause of the act, who proposed it, and why.
        assert modification(act_element, amendments[u]) == ("substitution", wid_of(app, SETTLEMENT))
        assert modification(act_element, amendments[d]) == ("repeal", wid_of(app, AMENDMENT_CLAUSE))
        assert modification(act_element, amendments[n]) == (
            "insertion",
            wid_of(app, "This Memorandum will remain in effect"),
        )
        proponent = amendments[u].find(f".//{A}docProponent")
        assert (proponent.get("refersTo"), proponent.text) == ("#unoct", unoct_name)
        assert amendments[u].find(f".//{A}FRBRWork/{A}FRBRauthor").get("href") == "#unoct"
        assert "Dispute is the usual word." in "".join(amendments[u].find(f".//{A}amendmentJustification").itertext())

        if language == "en":
            # UNOCT's words: its insertions and deletions, each naming UNOCT and UNOCT's citation.
            assert ("dispute", unoct_name, u) in marks(root, amendments[u], "ins")
            assert ("difference", unoct_name, u) in marks(root, amendments[u], "del")
            assert ("shall", unoct_name, u) in marks(root, amendments[u], "ins")
            assert ("will", unoct_name, u) in marks(root, amendments[u], "del")
            assert {
                (p, cit) for _w, p, cit in marks(root, amendments[u], "ins") + marks(root, amendments[u], "del")
            } == {(unoct_name, u)}
            # CICA's, to the same clause, naming CICA.
            assert marks(root, amendments[c], "ins") == [(", within sixty days", cica_name, c)]
            assert not marks(root, amendments[c], "del")
            # The deletion strikes the whole clause; the new clause is all inserted.
            assert not marks(root, amendments[d], "ins")
            struck = [w for w, _p, _c in marks(root, amendments[d], "del")]
            assert struck[0] == "Amendment" and struck[1].startswith(AMENDMENT_CLAUSE)  # its heading, its words
            assert marks(root, amendments[n], "ins") == [(NEW_CLAUSE, unoct_name, n)]
            # The content reads as the clause would with the proposal accepted, once the deletions are left out.
            content = amendments[u].find(f".//{A}amendmentContent")
            proposed = "".join(
                text for text in content.xpath(".//a:p//text()[not(ancestor::a:del)]", namespaces={"a": AKN_NAMESPACE})
            )
            assert proposed == UNOCT_WORDING
        else:
            # In Russian: UNOCT's Russian words; CICA proposed none in Russian, and the file says so, unmarked.
            inserted = "".join(w for w, _p, _c in marks(root, amendments[u], "ins"))
            assert "спор" in inserted
            assert not marks(root, amendments[c], "ins") and not marks(root, amendments[c], "del")
            assert content_text(amendments[c])
            assert "Статья" in amendments[u].find(f".//{A}amendmentHeading").xpath("string()")

        # The act is the draft as it stands: unmarked, and read back as the same clauses as before the tabling.
        assert act_element.find(f".//{A}ins") is None and act_element.find(f".//{A}del") is None
        recognition = recognise_akn(data)
        before = recognise_akn(etree.tostring(cica_before))
        assert recognition.clauses == before.clauses
        assert [(clause.kind.value, clause.heading, clause.text) for clause in recognition.clauses] == [
            t for t in draft_page_texts(app, language) if t[0] != "preamble" or t[2]
        ]
        # Each amendment is reported by the importer, not imported.
        reported = [str(notice.message) for notice in recognition.notices]
        for citation in (u, c, d, n):
            assert any(citation in message for message in reported)


def test_an_unknown_amendments_option_is_refused_clearly(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    response = cica.get(f"{DEMO_HOME}exports/akoma-ntoso.xml", query_string={"amendments": "drafts"})
    assert response.status_code == 400
    assert "Choose which amendments the file carries: tabled, none." in response.get_data(as_text=True)


def test_the_api_gives_the_pages_file_with_the_same_options_and_no_draft(app, demo, tokens, schema):
    ids = at_the_table(app, demo)
    u = citation_of(app, ids["unoct"])
    for login in ("unoct.negotiator", "cica.negotiator"):
        api = client(app, tokens, login)
        response = api.call("export_akoma_ntoso", query={"language": "en"})
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert response.mimetype == "application/akn+xml"
        data = response.get_data()
        assert SECRET.encode() not in data
        root = etree.fromstring(data)
        schema.assertValid(root.getroottree())
        assert u in amendments_of(root)
        # The very file of the page.
        assert data == download(as_user(app, demo, login), "en")
        alone = api.call("export_akoma_ntoso", query={"language": "ru", "amendments": "none"})
        assert alone.status_code == 200
        assert etree.fromstring(alone.get_data())[0].tag == f"{A}act"
        # A value outside the document is a malformed query (400, naming the field); a language the negotiation
        # has no text in is refused by the service, as on the page (422).
        for query, status in (({"amendments": "drafts"}, 400), ({"language": "fr"}, 422)):
            refused = api.call("export_akoma_ntoso", query=query)
            assert refused.status_code == status, refused.get_data(as_text=True)
            assert refused.mimetype == "application/problem+json"
        assert refused_field(api) == "query.amendments"
    document = app.test_client().get(f"{API}/openapi.json").get_json()
    operation = document["paths"][f"{API}/negotiations/{{negotiation}}/exports/akoma-ntoso.xml"]["get"]
    assert operation["operationId"] == "export_akoma_ntoso"
    assert "application/akn+xml" in operation["responses"]["200"]["content"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert {"language", "amendments"} <= set(parameters)
    assert "untabled" in str(parameters["amendments"])
    assert set(parameters["amendments"]["schema"]["enum"]) == {choice.value for choice in AmendmentsShown}
