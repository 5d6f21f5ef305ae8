"""The kinds of clause an instrument is made of, and how each is numbered."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .messages import N_


class ClauseKind(enum.StrEnum):
    """The structural role of a clause in the instrument tree."""

    #: The instrument's title; never numbered.
    title = "title"  # type: ignore[assignment]  # a member named as the stored value shadows str.title
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


def insertable_kinds(parent: ClauseKind | None) -> tuple[ClauseKind, ...]:
    """The kinds of new clause that may be proposed under `parent` (None: the top level). The instrument has one
    title: a new one is never inserted (its wording is amended instead)."""
    return tuple(
        kind for kind, parents in ALLOWED_PARENTS.items() if parent in parents and kind is not ClauseKind.title
    )


def can_delete(kind: ClauseKind) -> bool:
    """Every clause may be proposed for deletion except the title."""
    return kind is not ClauseKind.title


def can_insert_after(kind: ClauseKind, parent: ClauseKind | None) -> bool:
    """A new sibling may follow a clause (under the same parent) unless the clause is the title."""
    return kind is not ClauseKind.title and bool(insertable_kinds(parent))


def can_insert_under(kind: ClauseKind) -> bool:
    """A clause that may hold sub-clauses (an article holds paragraphs, a paragraph items)."""
    return bool(insertable_kinds(kind))


@dataclass(frozen=True)
class StructureActions:
    """What a clause's page may offer to propose besides new wording (flags for the template)."""

    delete: bool
    insert_after: bool
    insert_under: bool


def structure_actions(kind: ClauseKind, parent: ClauseKind | None) -> StructureActions:
    return StructureActions(can_delete(kind), can_insert_after(kind, parent), can_insert_under(kind))
