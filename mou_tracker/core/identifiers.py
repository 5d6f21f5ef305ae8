"""Stable clause identifiers (`Clause.wid`): the name a clause keeps through renumbering, moves and every version;
the Akoma Ntoso eIds, the Word bookmarks of the exports and the addresses are built from it."""

from __future__ import annotations

import uuid


def new_wid() -> str:
    """A stable clause identifier: random, so that it carries no position that could later be wrong."""
    return "c-" + uuid.uuid4().hex[:12]
