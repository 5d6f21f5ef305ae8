"""The instrument as Akoma Ntoso 3.0 (OASIS LegalDocML): one expression per language, valid against the schema.

What is written:
- FRBR identification: the work (the negotiation, by its slug and the date of its first draft), the expression
  (one language at one point of the negotiation) and the manifestation (this XML file, with when it was made);
- the lifecycle: the first draft, then every adoption that changed the text (``eventRef type="amendment"``, its
  source a ``passiveRef`` naming the amendment by its citation), in order;
- the workflow: each meeting's freeze and conclusion (``step``), with the meeting as a ``TLCEvent``;
- the parties as ``TLCOrganization``s;
- the text: the title in the preface, the preamble (the operative formula as the enacting formula), articles with
  their paragraphs and items, the closing formula in the conclusions.

Every clause carries a positional ``eId`` as the Akoma Ntoso naming convention builds it (``art_2__para_3``) and the
product's stable clause id as its ``wId``, so that a clause keeps one id through renumbering and across languages,
and the draft-import reader (`imports.akn_reader`) reads the same clauses back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from ..core.clause_kinds import ClauseKind
from ..core.structure import is_closing_formula, is_operative_formula

AKN_NAMESPACE = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
A = f"{{{AKN_NAMESPACE}}}"
#: ISO 639-2 codes, as FRBRlanguage wants them.
ISO_639_2 = {"en": "eng", "ru": "rus", "fr": "fra", "es": "spa", "ar": "ara", "zh": "zho", "de": "deu"}
SOURCE = "#mou-tracker"


@dataclass(frozen=True)
class AknClause:
    wid: str
    kind: ClauseKind
    depth: int
    #: The label as printed in this language ("Article 2", "Статья 2", "3.", "(b)").
    label: str
    heading: str | None
    body: str
    children: list[AknClause] = field(default_factory=list)


@dataclass(frozen=True)
class Adoption:
    date: dt.date
    citation: str
    #: The clause it changed (its stable id), None for a new clause whose id is not yet known to the reader.
    clause_wid: str | None


@dataclass(frozen=True)
class MeetingStep:
    code: str
    name: str
    date: dt.date
    #: "frozen" or "concluded".
    outcome: str


@dataclass(frozen=True)
class AknDocument:
    slug: str
    title: str
    language: str
    first_draft: dt.date
    #: The point of the negotiation this expression shows.
    as_of: dt.date
    generated_at: dt.datetime
    parties: list[tuple[str, str]]
    clauses: list[AknClause]
    adoptions: list[Adoption]
    meetings: list[MeetingStep]


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, A + tag, {key.rstrip("_"): value for key, value in attributes.items()})
    if text is not None:
        element.text = text
    return element


def _paragraphs(parent: etree._Element, text: str) -> None:
    for line in text.split("\n"):
        _sub(parent, "p", line)


def _id(value: str) -> str:
    """An NCName-safe id (the product's ids are letters, digits and hyphens)."""
    return "".join(char if char.isalnum() or char in "-_." else "_" for char in value)


def _identification(meta: etree._Element, document: AknDocument) -> None:
    work_uri = f"/akn/un/act/mou/{document.first_draft.isoformat()}/{document.slug}"
    language = ISO_639_2.get(document.language, document.language)
    expression_uri = f"{work_uri}/{language}@{document.as_of.isoformat()}"
    identification = _sub(meta, "identification", source=SOURCE)
    work = _sub(identification, "FRBRWork")
    _sub(work, "FRBRthis", value=f"{work_uri}/!main")
    _sub(work, "FRBRuri", value=work_uri)
    _sub(work, "FRBRdate", date=document.first_draft.isoformat(), name="firstDraft")
    for code, _name in document.parties:
        _sub(work, "FRBRauthor", href=f"#{_id(code.lower())}", as_="#negotiatingParty")
    _sub(work, "FRBRcountry", value="un")
    _sub(work, "FRBRname", value=document.title)
    _sub(work, "FRBRprescriptive", value="true")
    expression = _sub(identification, "FRBRExpression")
    _sub(expression, "FRBRthis", value=f"{expression_uri}/!main")
    _sub(expression, "FRBRuri", value=expression_uri)
    _sub(expression, "FRBRdate", date=document.as_of.isoformat(), name="version")
    _sub(expression, "FRBRauthor", href=SOURCE)
    _sub(expression, "FRBRlanguage", language=language)
    manifestation = _sub(identification, "FRBRManifestation")
    _sub(manifestation, "FRBRthis", value=f"{expression_uri}/!main.xml")
    _sub(manifestation, "FRBRuri", value=f"{expression_uri}/.akn")
    _sub(manifestation, "FRBRdate", date=document.generated_at.date().isoformat(), name="generation")
    _sub(manifestation, "FRBRauthor", href=SOURCE)
    _sub(manifestation, "FRBRformat", value="application/akn+xml")


def _meta(act: etree._Element, document: AknDocument) -> None:
    meta = _sub(act, "meta")
    _identification(meta, document)
    lifecycle = _sub(meta, "lifecycle", source=SOURCE)
    _sub(lifecycle, "eventRef", eId="evt_1", date=document.first_draft.isoformat(), source="#ro_1", type="generation")
    for number, adoption in enumerate(document.adoptions, start=2):
        _sub(
            lifecycle,
            "eventRef",
            eId=f"evt_{number}",
            date=adoption.date.isoformat(),
            source=f"#pr_{number}",
            type="amendment",
            refersTo=f"#{_id(adoption.clause_wid)}" if adoption.clause_wid else "#main",
        )
    if document.meetings:
        workflow = _sub(meta, "workflow", source=SOURCE)
        for meeting in document.meetings:
            _sub(
                workflow,
                "step",
                date=meeting.date.isoformat(),
                refersTo=f"#{_id(meeting.code.lower())}",
                outcome=f"#{meeting.outcome}",
            )
    references = _sub(meta, "references", source=SOURCE)
    work_uri = f"/akn/un/act/mou/{document.first_draft.isoformat()}/{document.slug}"
    _sub(references, "original", eId="ro_1", href=work_uri, showAs=document.title)
    for number, adoption in enumerate(document.adoptions, start=2):
        href = f"#amendment-{_id(adoption.citation)}"
        _sub(references, "passiveRef", eId=f"pr_{number}", href=href, showAs=adoption.citation)
    for code, name in document.parties:
        _ontology(references, "TLCOrganization", "organizations", _id(code.lower()), name)
    _ontology(references, "TLCOrganization", "organizations", "mou-tracker", "MoU Tracker")
    _ontology(references, "TLCRole", "roles", "negotiatingParty", "Negotiating party")
    for code, name in dict((_id(m.code.lower()), m.name) for m in document.meetings).items():
        _ontology(references, "TLCEvent", "events", code, name)
    for outcome in ("frozen", "concluded"):
        _ontology(references, "TLCConcept", "concepts", outcome, outcome)


def _ontology(references: etree._Element, tag: str, kind: str, eid: str, shown: str) -> None:
    _sub(references, tag, eId=eid, href=f"/akn/ontology/{kind}/{eid}", showAs=shown)


def _clause(parent: etree._Element, clause: AknClause, parent_eid: str, index: int) -> None:
    if clause.kind is ClauseKind.article:
        tag, eid = "article", f"art_{index}"
    elif clause.kind is ClauseKind.paragraph:
        tag, eid = "paragraph", f"{parent_eid}__para_{index}"
    else:
        tag, eid = "point", f"{parent_eid}__point_{index}"
    element = _sub(parent, tag, eId=eid, wId=_id(clause.wid))
    _sub(element, "num", clause.label)
    if clause.heading:
        _sub(element, "heading", clause.heading)
    children = [child for child in clause.children if not is_closing_formula(child.body)]
    if not children:
        _paragraphs(_sub(element, "content"), clause.body)
        return
    if clause.body:
        _paragraphs(_sub(element, "intro"), clause.body)
    for number, child in enumerate(children, start=1):
        _clause(element, child, eid, number)


def expression(document: AknDocument) -> bytes:
    """One language of the instrument as an Akoma Ntoso 3.0 ``<act>``."""
    root = etree.Element(A + "akomaNtoso", nsmap={None: AKN_NAMESPACE})
    act = _sub(root, "act", name="memorandumOfUnderstanding", contains="singleVersion")
    _meta(act, document)
    title = next((c for c in document.clauses if c.kind is ClauseKind.title), None)
    preface = _sub(act, "preface")
    long_title = _sub(_sub(preface, "longTitle"), "p")
    doc_title = _sub(long_title, "docTitle", title.body if title else document.title)
    if title is not None:
        doc_title.set("wId", _id(title.wid))
    preamble_clauses = [c for c in document.clauses if c.kind is ClauseKind.preamble]
    if preamble_clauses:
        preamble = _sub(act, "preamble")
        recitals = None
        for clause in preamble_clauses:
            if is_operative_formula(clause.body):
                _paragraphs(_sub(preamble, "formula", name="enactingFormula", wId=_id(clause.wid)), clause.body)
                continue
            if recitals is None:
                recitals = _sub(preamble, "recitals")
            recital = _sub(recitals, "recital", eId=f"rec_{len(recitals) + 1}", wId=_id(clause.wid))
            _paragraphs(recital, clause.body)
    body = _sub(act, "body")
    articles = [c for c in document.clauses if c.kind is ClauseKind.article]
    for number, article in enumerate(articles, start=1):
        _clause(body, article, "", number)
    closing = [c for article in articles for c in article.children if is_closing_formula(c.body)]
    if closing:
        _paragraphs(_sub(act, "conclusions", wId=_id(closing[-1].wid)), closing[-1].body)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def tree(flat: Iterable[AknClause]) -> list[AknClause]:
    """Nest clauses given in reading order with their depths (0 = top level)."""
    roots: list[AknClause] = []
    stack: list[AknClause] = []
    for clause in flat:
        while stack and stack[-1].depth >= clause.depth:
            stack.pop()
        (stack[-1].children if stack else roots).append(clause)
        stack.append(clause)
    return roots
