"""Which rows a page of a long list holds, and which pages a reader can go to (pure, no app)."""

from __future__ import annotations

import pytest

from mou_tracker.core.paging import Pages, page_number


def test_pages_cover_every_row_once():
    size, total = 50, 1_001
    pages = Pages(1, size, total)
    seen = []
    for number in range(1, pages.count + 1):
        page = Pages(number, size, total)
        seen.extend(range(page.first_row, page.last_row + 1))
    assert pages.count == 21 and seen == list(range(1, total + 1))


def test_first_and_last_pages_link_only_inwards():
    first, last = Pages(1, 50, 120), Pages(3, 50, 120)
    assert (first.previous, first.next) == (None, 2)
    assert (last.previous, last.next) == (2, None)
    assert (last.offset, last.first_row, last.last_row) == (100, 101, 120)


def test_an_empty_list_is_one_empty_page():
    empty = Pages(1, 50, 0)
    assert (empty.count, empty.first_row, empty.last_row, empty.previous, empty.next) == (1, 0, 0, None, None)


def test_a_page_past_the_end_leads_back_to_the_last_page():
    stale = Pages(9, 50, 120)  # the list shrank while somebody paged through it
    assert stale.next is None and stale.previous == 3


@pytest.mark.parametrize(("raw", "number"), [(None, 1), ("", 1), ("3", 3), ("0", 1), ("-2", 1), ("two", 1), ("2.5", 1)])
def test_a_page_number_from_a_link_is_a_whole_number_from_one(raw, number):
    assert page_number(raw) == number


def test_a_page_counts_from_one_and_holds_a_row():
    with pytest.raises(ValueError):
        Pages(0, 50, 10)
    with pytest.raises(ValueError):
        Pages(1, 0, 10)
