"""The API of the Akoma Ntoso export (#17 item 6): the very file the page's link gives (web/work.py `akoma_ntoso`),
made for the token's owner, with the page's options under the same names, so the two cannot drift apart."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..web import work as work_pages
from . import schemas as s
from .framework import operation
from .views import EXPORT, _page_export

AKN = "application/akn+xml"


class AknQuery(s.Input):
    language: s.LanguageCode | None = Field(
        None,
        description="The language of the expression: one the negotiation has text in (422 otherwise); its first "
        "language when left out",
    )
    # exports.akn.AmendmentsShown's values, spelled out: a query parameter's schema is written inline in the document
    # (tests/web/test_akn_export.py checks that the two agree).
    amendments: Literal["tabled", "none"] = Field(
        "tabled",
        description="tabled (the default): a documentCollection holding the act (the current text, unmarked) and "
        "then every open tabled amendment as an Akoma Ntoso amendment document, its changes as <ins>/<del> with "
        "refersTo naming the party (TLCOrganization) and the citation (TLCReference); none: the act alone. No "
        "party's untabled draft is ever in the file, not even for that party",
    )


@operation(
    "GET",
    "/exports/akoma-ntoso.xml",
    summary="The current draft as Akoma Ntoso 3.0 XML in one language, with the open tabled amendments",
    query=AknQuery,
    media_type=AKN,
    **EXPORT,
)
def export_akoma_ntoso(query: AknQuery):
    """Valid against the OASIS LegalDocML schema: FRBR identification, the lifecycle and the meetings, each clause
    with its positional eId and its stable id as wId; the draft import reads the act back as the same clauses."""
    return _page_export(work_pages.akoma_ntoso)
