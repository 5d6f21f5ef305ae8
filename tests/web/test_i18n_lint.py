"""Every word a template shows goes through gettext: a text node or a title, aria-label, placeholder or alt attribute
written in a template as plain words would stay English on a Russian page.

The Jinja lexer separates what the template writes itself (data) from its expressions and tags; the data is read
as HTML, and any words left in its text or in those attributes are reported. Python code is linted by ruff's INT
rules (pyproject.toml): no string is formatted before gettext reads it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment
from lxml import html as lxml_html

from mou_tracker import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"
#: Stands in for each Jinja expression or tag in the template's own text.
JINJA = "\ue000"  # a private-use character: never a word, and valid in XML
VISIBLE_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
#: Elements whose content is code or data, not sentences.
LITERAL_ELEMENTS = {"code", "pre", "script", "style", "kbd", "samp"}
WORDS = re.compile(r"[^\W\d_]{2,}")

#: Words that stay as written in every language, each with its reason: (template, the words as found).
ALLOWED = {
    # The product's name, a proper name (the <title> and the brand link of every page).
    ("base.html", "MoU Tracker · MoU Tracker"),
    ("base.html", "MoU Tracker"),
    ("errors/schema.html", "· MoU Tracker"),
    # A CSS class the page gives base.html's <body> (block body_class): markup, not words.
    ("auth/login.html", "page-login"),
    # A CSS paint reference the chart macros write into fill attributes: markup, not words.
    ("charts.html", "url(# - )"),
    # "id c-1a2b…": the clause's stable identifier, printed as a technical label beside its value.
    ("draft/_clause.html", "· id"),
    # The name of the hash algorithm beside each uploaded file's fingerprint.
    ("imports/preview.html", ": (SHA-256 …) ;"),
    # A file format's name, the same in every language.
    ("reports/dashboard.html", "PDF"),
}


def template_files() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def own_text(source: str) -> str:
    """The template's own characters (HTML and words), each Jinja expression or tag replaced by JINJA."""
    parts: list[str] = []
    environment = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # only lexed, never rendered
    for _line, kind, value in environment.lex(source):
        if kind == "data":
            parts.append(value)
        elif not parts or parts[-1] != JINJA:
            parts.append(JINJA)
    return "".join(parts)


def words_in(text: str | None) -> str:
    """The words of a piece of template text, without the Jinja expressions between them; '' when there are none."""
    if not text:
        return ""
    cleaned = " ".join(text.replace(JINJA, " ").split())
    return cleaned if WORDS.search(cleaned) else ""


def untranslated(path: Path) -> list[str]:
    """The plain words a template shows: '<where>: <words>' for each text node or visible attribute that has any."""
    text = own_text(path.read_text(encoding="utf-8"))
    if "<html" in text.lower():
        root = lxml_html.document_fromstring(text)
    else:
        root = lxml_html.fragment_fromstring(text, create_parent="div")
    found: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        literal = element.tag in LITERAL_ELEMENTS or any(a.tag in LITERAL_ELEMENTS for a in element.iterancestors())
        if not literal and (words := words_in(element.text)):
            found.append(f"<{element.tag}> text: {words}")
        for attribute in VISIBLE_ATTRIBUTES:
            if words := words_in(element.get(attribute)):
                found.append(f"<{element.tag} {attribute}>: {words}")
        parent = element.getparent()
        if parent is not None and element.tail:
            parent_literal = parent.tag in LITERAL_ELEMENTS or any(
                a.tag in LITERAL_ELEMENTS for a in parent.iterancestors()
            )
            if not parent_literal and (words := words_in(element.tail)):
                found.append(f"after <{element.tag}>: {words}")
    name = path.relative_to(TEMPLATES).as_posix()
    return [entry for entry in found if (name, entry.split(": ", 1)[1]) not in ALLOWED]


@pytest.mark.parametrize("path", template_files(), ids=lambda p: p.relative_to(TEMPLATES).as_posix())
def test_templates_show_no_words_outside_gettext(path):
    assert untranslated(path) == []


def test_the_lint_finds_plain_words_and_passes_translated_ones(tmp_path):
    sample = tmp_path / "sample.html"
    sample.write_text(
        "<p>Plain words</p><p>{{ _('Translated') }}</p>"
        '<a title="Open it" aria-label="{{ _(\'Label\') }}">{{ x }}</a> tail words'
        '<input placeholder="Type here"><img alt="{{ _(\'Chart\') }}"><code>flask db upgrade</code>',
        encoding="utf-8",
    )
    assert untranslated_at(sample) == [
        "<p> text: Plain words",
        "<a title>: Open it",
        "after <a>: tail words",
        "<input placeholder>: Type here",
    ]


def untranslated_at(path: Path) -> list[str]:
    """untranslated() for a file outside templates/ (the lint's own test)."""
    global TEMPLATES
    saved, TEMPLATES = TEMPLATES, path.parent
    try:
        return untranslated(path)
    finally:
        TEMPLATES = saved


def test_the_allowlist_has_no_stale_entries():
    """Each allowed word is still in its template: an entry that no longer applies is removed, not kept."""
    for name, words in ALLOWED:
        text = own_text((TEMPLATES / name).read_text(encoding="utf-8"))
        assert words in " ".join(text.replace(JINJA, " ").split()), (name, words)
