import re

import pytest

from mou_tracker.core.text import MAX_CLAUSE_TEXT, TextRuleError, clean_text


def test_normalises_line_endings_unicode_and_outer_space():
    decomposed = "Cafe\u0301\r\nТекст  "
    assert clean_text(decomposed, field="Text", max_length=100) == "Café\nТекст"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "must not be empty"),
        ("   \n ", "must not be empty"),
        ("x" * (MAX_CLAUSE_TEXT + 1), "the limit is 20,000"),
        ("bad\x00byte", "U+0000"),
        ("bell\x07", "U+0007"),
        ("escape\x1b[31m", "U+001B"),
    ],
)
def test_refuses_with_a_message_that_says_why(value, message):
    with pytest.raises(TextRuleError, match=re.escape(message)):
        clean_text(value, field="Text", max_length=MAX_CLAUSE_TEXT)


def test_keeps_tabs_newlines_and_any_script():
    text = "Article\t1\nМақсаты — ✓ עברית 😀"
    assert clean_text(text, field="Text", max_length=100) == text


def test_optional_field_may_be_empty():
    assert clean_text("  ", field="Heading", max_length=10, required=False) == ""
