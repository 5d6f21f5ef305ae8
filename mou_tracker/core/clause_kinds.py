"""The kinds of clause an instrument is made of, and how each is numbered."""

from __future__ import annotations

import enum

from .messages import N_


class ClauseKind(enum.StrEnum):
    """The structural role of a clause in the instrument tree."""

    #: The instrument's title; never numbered.
    title = "title"
    #: A preambular paragraph ("Recognising ..."); numbered PP1, PP2, ... for citation only.
    preamble = "preamble"
    #: An article with a heading; numbered Article 1, Article 2, ...
    article = "article"
    #: A numbered paragraph inside an article: 1., 2., ...
    paragraph = "paragraph"
    #: A lettered sub-item inside a paragraph: (a), (b), ...
    item = "item"

    @property
    def label(self) -> str:
        return {
            "title": N_("Title"),
            "preamble": N_("Preambular paragraph"),
            "article": N_("Article"),
            "paragraph": N_("Paragraph"),
            "item": N_("Item"),
        }[self.value]


#: Which kinds may sit directly under which parent kind (None: top level).
ALLOWED_PARENTS: dict[ClauseKind, tuple[ClauseKind | None, ...]] = {
    ClauseKind.title: (None,),
    ClauseKind.preamble: (None,),
    ClauseKind.article: (None,),
    ClauseKind.paragraph: (ClauseKind.article,),
    ClauseKind.item: (ClauseKind.paragraph, ClauseKind.article),
}
