"""Derive clause numbers from the tree's shape.

A clause keeps its stable id for ever; its number is only a function of where it stands. Inserting or
deleting a clause therefore renumbers its siblings without touching any stored row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .clause_kinds import ClauseKind

#: A clause's id: the database's int, or an import preview's own key. The numbers come back with the same ids.
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class ClauseNode(Generic[K]):
    """The minimum the numbering needs to know of a clause."""

    id: K
    parent_id: K | None
    #: Orders siblings; a proposed new clause takes a half place after the clause it follows (0.5 past it).
    position: float
    kind: ClauseKind


@dataclass(frozen=True)
class NumberedClause(Generic[K]):
    id: K
    depth: int
    #: What is printed in front of the clause: "Article 3", "2.", "(b)", "PP1", or "" for the title.
    label: str
    #: How a lawyer cites it on its own: "Article 3(2)(b)", "PP1", "Title".
    citation: str


def item_letter(index: int) -> str:
    """(a) ... (z), then (aa), (bb) ... as treaty drafting does."""
    letter = "abcdefghijklmnopqrstuvwxyz"[index % 26]
    return letter * (index // 26 + 1)


def number_clauses(nodes: Iterable[ClauseNode[K]]) -> list[NumberedClause[K]]:
    """Return every clause in reading order (depth first, siblings by position) with its number."""
    children: dict[K | None, list[ClauseNode[K]]] = defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)
    for siblings in children.values():
        siblings.sort(key=lambda n: (n.position, str(n.id)))

    ordered: list[NumberedClause[K]] = []

    def walk(parent_id: K | None, depth: int, parent_citation: str) -> None:
        counters: dict[ClauseKind, int] = defaultdict(int)
        for node in children.get(parent_id, []):
            counters[node.kind] += 1
            n = counters[node.kind]
            if node.kind is ClauseKind.title:
                label, citation = "", "Title"
            elif node.kind is ClauseKind.preamble:
                label = citation = f"PP{n}"
            elif node.kind is ClauseKind.article:
                label = citation = f"Article {n}"
            elif node.kind is ClauseKind.paragraph:
                label, citation = f"{n}.", f"{parent_citation}({n})"
            else:
                letter = item_letter(n - 1)
                label, citation = f"({letter})", f"{parent_citation}({letter})"
            ordered.append(NumberedClause(node.id, depth, label, citation))
            walk(node.id, depth + 1, citation)

    walk(None, 0, "")
    return ordered
