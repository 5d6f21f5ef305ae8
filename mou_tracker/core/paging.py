"""Long lists shown a page at a time: which rows a page holds and which pages exist."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pages:
    """Page `number` (from 1) of `total` rows, `size` rows a page.

    A number past the last page is kept as asked (an API client pages until a page comes back empty); such a page
    holds no rows and links back to the last page, for a list that shrank while somebody paged through it."""

    number: int
    size: int
    total: int

    def __post_init__(self) -> None:
        if self.size < 1 or self.number < 1:
            raise ValueError("pages and their sizes count from 1")

    @property
    def count(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first_row(self) -> int:
        """1-based position of the page's first row (0 when there are none)."""
        return self.offset + 1 if self.total else 0

    @property
    def last_row(self) -> int:
        return min(self.offset + self.size, self.total)

    @property
    def previous(self) -> int | None:
        return min(self.number - 1, self.count) if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None


def page_number(raw: str | None) -> int:
    """The page a query string asks for; anything that is not a whole number from 1 asks for the first."""
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1
