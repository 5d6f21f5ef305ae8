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

With the amendments (`AmendmentsShown.tabled`, the default of the export), the file is a ``documentCollection``: the
act above, unchanged (its text is the current draft, never marked up, so whoever reads the act reads the draft),
followed by one Akoma Ntoso ``amendment`` document per open tabled amendment, in the order of the draft:

- its FRBR identification (the work is the amendment, its author the proposing party, its number the citation);
- ``analysis/activeModifications/textualMod``: what it does (substitution, insertion, repeal) and where, its
  destination the ``eId`` of the clause in the act (for a new clause, the clause it follows or the one it opens);
- ``preface``: the citation (``docNumber``), the proposing party (``docProponent``) and the day it was tabled;
- ``amendmentHeading``: the clause concerned, as the expression's language cites it;
- ``amendmentContent``: the clause's words with the proposal's changes against the current text as ``<ins>`` and
  ``<del>``, each carrying ``refersTo="#<party> #<citation>"``, which name the party's ``TLCOrganization`` (in the
  act's references) and the amendment's own ``TLCReference`` (showAs the citation);
- ``amendmentJustification``: the rationale.

Only tabled amendments are written, never a party's untabled draft, whoever asks (see services.record). Separate
documents rather than ``<ins>``/``<del>`` in the act: two proposals to the same words cannot both be inline
insertions and deletions of one text, a proposed new clause or a deletion is not an inline change, and an act
carrying proposals would no longer be the draft an importer or another tool reads.

Every clause carries a positional ``eId`` as the Akoma Ntoso naming convention builds it (``art_2__para_3``) and the
product's stable clause id as its ``wId``, so that a clause keeps one id through renumbering and across languages,
and the draft-import reader (`imports.akn_reader`) reads the same clauses back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lxml import etree

from ..core.clause_kinds import ClauseKind
from ..core.redline import Op, Segment
from ..core.structure import is_closing_formula, is_operative_formula
from ..core.workflow import AmendmentKind

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


class AmendmentsShown(enum.StrEnum):
    """Which amendments the export carries beside the text (the `amendments` option of the page and the API)."""

    #: Every open tabled amendment, each as an ``amendment`` document after the act, in a ``documentCollection``.
    tabled = "tabled"
    #: None: the act alone, the root's only document.
    none = "none"


#: What each kind of amendment does, as Akoma Ntoso's ``textualMod`` types name it.
_MODIFICATION = {
    AmendmentKind.change: "substitution",
    AmendmentKind.insert: "insertion",
    AmendmentKind.delete: "repeal",
}


@dataclass(frozen=True)
class AknAmendment:
    """One open tabled amendment, as the expression's language reads it."""

    citation: str
    party: str
    kind: AmendmentKind
    tabled: dt.date
    #: The day of the wording shown (its latest revision).
    revised: dt.date
    #: The clause it changes or deletes; for a new clause, the clause it follows, else the one it opens (None: the
    #: start of the draft). A stable id: the export finds the clause's eId in the act.
    clause_wid: str | None
    #: The clause concerned as the language cites it ("Статья 2(3)"), or the place of a new clause.
    target: str
    #: Its changes against the clause's current words, as every redline of the product draws them (a deletion: all
    #: deleted; a new clause: all inserted): the heading's (None where there is none, before or after) and the
    #: words'; `body` None when the amendment proposes no words in this language.
    heading: Sequence[Segment] | None
    body: Sequence[Segment] | None
    rationale: str
    #: Said in the content when the amendment proposes no words in this language.
    without_wording: str


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
    amendments_shown: AmendmentsShown = AmendmentsShown.none
    #: The open tabled amendments, in the order of the draft (empty unless `amendments_shown` is tabled).
    amendments: list[AknAmendment] = field(default_factory=list)

    @property
    def work_uri(self) -> str:
        return f"/akn/un/act/mou/{self.first_draft.isoformat()}/{self.slug}"

    @property
    def expression_language(self) -> str:
        return ISO_639_2.get(self.language, self.language)


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, A + tag, attributes)
    if text is not None:
        element.text = text
    return element


def _paragraphs(parent: etree._Element, text: str) -> None:
    for line in text.split("\n"):
        _sub(parent, "p", line)


def _id(value: str) -> str:
    """An NCName-safe id (the product's ids are letters, digits and hyphens)."""
    return "".join(char if char.isalnum() or char in "-_." else "_" for char in value)


@dataclass(frozen=True)
class _Frbr:
    """What the FRBR identification of one document says."""

    work_uri: str
    work_date: dt.date
    work_date_name: str
    #: (href, role) of each author of the work.
    authors: Sequence[tuple[str, str | None]]
    name: str
    expression_date: dt.date
    expression_date_name: str
    expression_author: str
    language: str
    generated_at: dt.datetime
    number: str | None = None
    prescriptive: bool = False


def _identification(meta: etree._Element, frbr: _Frbr) -> None:
    work_uri = frbr.work_uri
    expression_uri = f"{work_uri}/{frbr.language}@{frbr.expression_date.isoformat()}"
    identification = _sub(meta, "identification", source=SOURCE)
    work = _sub(identification, "FRBRWork")
    _sub(work, "FRBRthis", value=f"{work_uri}/!main")
    _sub(work, "FRBRuri", value=work_uri)
    _sub(work, "FRBRdate", date=frbr.work_date.isoformat(), name=frbr.work_date_name)
    for href, role in frbr.authors:
        author = _sub(work, "FRBRauthor", href=href)
        if role:
            author.set("as", role)
    _sub(work, "FRBRcountry", value="un")
    if frbr.number:
        _sub(work, "FRBRnumber", value=frbr.number)
    _sub(work, "FRBRname", value=frbr.name)
    if frbr.prescriptive:
        _sub(work, "FRBRprescriptive", value="true")
    expression = _sub(identification, "FRBRExpression")
    _sub(expression, "FRBRthis", value=f"{expression_uri}/!main")
    _sub(expression, "FRBRuri", value=expression_uri)
    _sub(expression, "FRBRdate", date=frbr.expression_date.isoformat(), name=frbr.expression_date_name)
    _sub(expression, "FRBRauthor", href=frbr.expression_author)
    _sub(expression, "FRBRlanguage", language=frbr.language)
    manifestation = _sub(identification, "FRBRManifestation")
    _sub(manifestation, "FRBRthis", value=f"{expression_uri}/!main.xml")
    _sub(manifestation, "FRBRuri", value=f"{expression_uri}/.akn")
    _sub(manifestation, "FRBRdate", date=frbr.generated_at.date().isoformat(), name="generation")
    _sub(manifestation, "FRBRauthor", href=SOURCE)
    _sub(manifestation, "FRBRformat", value="application/akn+xml")


def _act_frbr(document: AknDocument) -> _Frbr:
    return _Frbr(
        work_uri=document.work_uri,
        work_date=document.first_draft,
        work_date_name="firstDraft",
        authors=[(f"#{_id(code.lower())}", "#negotiatingParty") for code, _name in document.parties],
        name=document.title,
        expression_date=document.as_of,
        expression_date_name="version",
        expression_author=SOURCE,
        language=document.expression_language,
        generated_at=document.generated_at,
        prescriptive=True,
    )


def _meta(act: etree._Element, document: AknDocument) -> None:
    meta = _sub(act, "meta")
    _identification(meta, _act_frbr(document))
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
    _sub(references, "original", eId="ro_1", href=document.work_uri, showAs=document.title)
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


def _clause(parent: etree._Element, clause: AknClause, parent_eid: str, index: int, eids: dict[str, str]) -> None:
    if clause.kind is ClauseKind.article:
        tag, eid = "article", f"art_{index}"
    elif clause.kind is ClauseKind.paragraph:
        tag, eid = "paragraph", f"{parent_eid}__para_{index}"
    else:
        tag, eid = "point", f"{parent_eid}__point_{index}"
    eids[clause.wid] = eid
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
        _clause(element, child, eid, number, eids)


def _act(parent: etree._Element, document: AknDocument) -> dict[str, str]:
    """The current draft as an ``<act>`` under `parent`; returns each clause's eId by its stable id."""
    eids: dict[str, str] = {}
    act = _sub(parent, "act", name="memorandumOfUnderstanding", contains="singleVersion")
    _meta(act, document)
    title = next((c for c in document.clauses if c.kind is ClauseKind.title), None)
    preface = _sub(act, "preface")
    long_title = _sub(_sub(preface, "longTitle"), "p")
    doc_title = _sub(long_title, "docTitle", title.body if title else document.title)
    if title is not None:
        doc_title.set("eId", "docTitle_1")
        doc_title.set("wId", _id(title.wid))
        eids[title.wid] = "docTitle_1"
    preamble_clauses = [c for c in document.clauses if c.kind is ClauseKind.preamble]
    if preamble_clauses:
        preamble = _sub(act, "preamble")
        recitals = None
        for clause in preamble_clauses:
            if is_operative_formula(clause.body):
                eids[clause.wid] = "formula_1"
                _paragraphs(
                    _sub(preamble, "formula", name="enactingFormula", eId="formula_1", wId=_id(clause.wid)),
                    clause.body,
                )
                continue
            if recitals is None:
                recitals = _sub(preamble, "recitals")
            eid = f"rec_{len(recitals) + 1}"
            eids[clause.wid] = eid
            _paragraphs(_sub(recitals, "recital", eId=eid, wId=_id(clause.wid)), clause.body)
    body = _sub(act, "body")
    articles = [c for c in document.clauses if c.kind is ClauseKind.article]
    for number, article in enumerate(articles, start=1):
        _clause(body, article, "", number, eids)
    closing = [c for article in articles for c in article.children if is_closing_formula(c.body)]
    if closing:
        eids[closing[-1].wid] = "conclusions"
        _paragraphs(_sub(act, "conclusions", eId="conclusions", wId=_id(closing[-1].wid)), closing[-1].body)
    return eids


# The amendments ---------------------------------------------------------------------------------------------------


def _lines(segments: Iterable[Segment]) -> list[list[tuple[Op, str]]]:
    """A redline cut at its line breaks (each line a ``<p>``), each piece with its mark; empty lines dropped."""
    lines: list[list[tuple[Op, str]]] = [[]]
    for segment in segments:
        for number, part in enumerate(segment.text.split("\n")):
            if number:
                lines.append([])
            if part:
                lines[-1].append((segment.op, part))
    return [line for line in lines if line]


def _marked(element: etree._Element, pieces: Iterable[tuple[Op, str]], refers: str) -> None:
    """Write `pieces` into `element`: unchanged words as text, the changes as ``<ins>`` and ``<del>``."""
    last: etree._Element | None = None
    for op, text in pieces:
        if op is Op.equal:
            if last is None:
                element.text = (element.text or "") + text
            else:
                last.tail = (last.tail or "") + text
        else:
            last = _sub(element, "ins" if op is Op.insert else "del", text, refersTo=refers)


def _amendment_content(parent: etree._Element, amendment: AknAmendment, refers: str, eid: str) -> None:
    content = _sub(_sub(parent, "amendmentContent"), "blockContainer", eId=eid)
    if amendment.body is None:  # no words proposed in this language: the clause reads as it does
        _sub(content, "p", amendment.without_wording)
        return
    if amendment.heading is not None:  # a heading is one line
        _marked(_sub(content, "heading"), [(s.op, s.text) for s in amendment.heading if s.text], refers)
    lines = _lines(amendment.body)
    for line in lines:
        _marked(_sub(content, "p"), line, refers)
    if not lines:
        _sub(content, "p")


def _amendment(
    parent: etree._Element,
    document: AknDocument,
    amendment: AknAmendment,
    eids: dict[str, str],
    names: dict[str, str],
) -> None:
    ref = _id(amendment.citation.lower())
    party = _id(amendment.party.lower())
    refers = f"#{party} #{ref}"
    work_uri = f"/akn/un/amendment/{party}/{amendment.tabled.isoformat()}/{document.slug}-{ref}"
    element = _sub(parent, "amendment", name="proposal", contains="singleVersion")
    meta = _sub(element, "meta")
    _identification(
        meta,
        _Frbr(
            work_uri=work_uri,
            work_date=amendment.tabled,
            work_date_name="tabled",
            authors=[(f"#{party}", "#negotiatingParty")],
            name=amendment.citation,
            expression_date=amendment.revised,
            expression_date_name="revision",
            expression_author=f"#{party}",
            language=document.expression_language,
            generated_at=document.generated_at,
            number=amendment.citation,
        ),
    )
    # What it does and where: the clause in the act (for a new clause, the one it follows, or opens).
    target = eids.get(amendment.clause_wid or "")
    destination = f"{document.work_uri}/!main" + (f"#{target}" if target else "")
    modifications = _sub(_sub(meta, "analysis", source=SOURCE), "activeModifications")
    modification = _sub(modifications, "textualMod", eId=f"{ref}__mod_1", type=_MODIFICATION[amendment.kind])
    _sub(modification, "source", href=f"#{ref}__content")
    _sub(modification, "destination", href=destination)
    references = _sub(meta, "references", source=SOURCE)
    _sub(references, "TLCReference", eId=ref, name="amendment", href=work_uri, showAs=amendment.citation)
    line = _sub(_sub(element, "preface"), "p")
    _sub(line, "docNumber", amendment.citation, refersTo=f"#{ref}").tail = " "
    _sub(line, "docProponent", names.get(amendment.party, amendment.party), refersTo=f"#{party}").tail = " "
    _sub(line, "docDate", amendment.tabled.isoformat(), date=amendment.tabled.isoformat())
    body = _sub(element, "amendmentBody")
    heading = _sub(_sub(body, "amendmentHeading"), "p")
    if target and amendment.kind is not AmendmentKind.insert:
        _sub(heading, "ref", amendment.target, href=f"#{target}")
    else:
        heading.text = amendment.target
    _amendment_content(body, amendment, refers, f"{ref}__content")
    if amendment.rationale:
        _paragraphs(_sub(body, "amendmentJustification"), amendment.rationale)


def expression(document: AknDocument) -> bytes:
    """One language of the instrument: an Akoma Ntoso 3.0 ``<act>``, or, with the amendments, a
    ``<documentCollection>`` holding the act and then each open tabled amendment as an ``<amendment>``."""
    root = etree.Element(A + "akomaNtoso", nsmap={None: AKN_NAMESPACE})
    if document.amendments_shown is AmendmentsShown.none:
        _act(root, document)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    collection = _sub(root, "documentCollection", name="negotiatingText", contains="singleVersion")
    meta = _sub(collection, "meta")
    frbr = _act_frbr(document)  # the collection is this expression of the draft, with what is proposed to it
    work_uri = f"/akn/un/documentCollection/{document.first_draft.isoformat()}/{document.slug}"
    _identification(meta, dataclasses.replace(frbr, work_uri=work_uri, prescriptive=False))
    parts = _sub(collection, "collectionBody")
    eids = _act(_sub(parts, "component", eId="cmp_1"), document)
    names = dict(document.parties)
    for number, amendment in enumerate(document.amendments, start=2):
        _amendment(_sub(parts, "component", eId=f"cmp_{number}"), document, amendment, eids, names)
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
