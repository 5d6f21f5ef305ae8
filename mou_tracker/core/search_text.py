"""Words for full-text search: the same stemming for what is stored and for what is asked, in every language.

Both databases index the stems this module produces (PostgreSQL with a GIN index over a `simple` tsvector, SQLite
with FTS5), so that a search finds the same things on either. The stems are Snowball's, the algorithms behind
PostgreSQL's own `english` and `russian` configurations: "соглашения" finds "соглашение", "immunities" finds
"immunity". A language Snowball does not know is matched word for word.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import snowballstemmer

#: Snowball's algorithm for each interface/negotiation language code.
_ALGORITHMS = {
    "en": "english",
    "ru": "russian",
    "fr": "french",
    "es": "spanish",
    "ar": "arabic",
    "de": "german",
    "zh": None,  # no stemming for Chinese: words are matched as written
}

#: Words too common to mean anything in a search (after case folding). A query made of these alone is refused
#: with a message rather than answered with every row.
_STOP_WORDS_TEXT = """
    a an and are as at be by for from has have in is it its of on or that the this to was were will with shall
    и в во на с со к ко по о об от до из за для не ни что как а но или же ли бы то это который которая которые
    его ее её их он она они мы вы я при под над без также
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_WORD = re.compile(r"\w+", re.UNICODE)

#: Snowball's pure-Python stemmers keep the word they work on in their own fields: one per thread, never shared.
_THREAD = threading.local()

#: Each folded word's stem, per language, remembered for the life of the process: Snowball in pure Python costs
#: some 50 µs a word, a negotiation's vocabulary is a few thousand words, and indexing a Word round trip of 300
#: amendments reads 127,000 of them. Bounded: past this many words per language, new ones are stemmed each time
#: (never evicted, so a reader in another thread never misses a word it has just seen stored).
_MEMO_WORDS = 100_000
_MEMO: dict[str, dict[str, str]] = {}


def _stemmer(language: str):
    algorithm = _ALGORITHMS.get(language)
    if not algorithm:
        return None
    stemmers: dict[str, object] | None = getattr(_THREAD, "stemmers", None)
    if stemmers is None:
        stemmers = _THREAD.stemmers = {}
    if algorithm not in stemmers:
        stemmers[algorithm] = snowballstemmer.stemmer(algorithm)
    return stemmers[algorithm]


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _stemming(language: str) -> Callable[[str], str]:
    """The stem of one folded word in `language`, remembered (a language without a stemmer keeps the word)."""
    stemmer = _stemmer(language)
    if stemmer is None:
        return str
    memo = _MEMO.setdefault(language, {})

    def stem(word: str) -> str:
        found = memo.get(word)
        if found is None:
            found = stemmer.stemWord(word)
            if len(memo) < _MEMO_WORDS:
                memo[word] = found
        return found

    return stem


def stem_words(found: list[str], language: str) -> list[str]:
    """The stem of each word (folded, as `words` gives them), in order; a language without a stemmer keeps them."""
    return list(map(_stemming(language), found))


def stems(text: str, language: str) -> str:
    """What the index stores for a text: its stems, space-separated, stop words kept (they cost little and a
    phrase search could use them later)."""
    return " ".join(stem_words(words(text), language))


@dataclass(frozen=True)
class Query:
    #: Stems to find, per language (every language of the negotiation: one query word may stem differently).
    terms: dict[str, tuple[str, ...]]
    #: The words the user typed that count (query syntax and stop words removed), for highlighting.
    typed: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not self.typed


def parse_query(raw: str, languages: list[str]) -> Query:
    """The words of a query, each stemmed in every language. Punctuation and query syntax ("AND", quotes,
    parentheses, `*`) are read as nothing more than separators, so no input can break the database's syntax."""
    typed = tuple(dict.fromkeys(word for word in words(raw) if word not in STOP_WORDS))
    return Query(
        terms={language: tuple(dict.fromkeys(stem_words(list(typed), language))) for language in languages},
        typed=typed,
    )


@dataclass(frozen=True)
class SnippetPart:
    text: str
    match: bool


def snippet(text: str, query: Query, language: str, *, width: int = 220) -> list[SnippetPart]:
    """A window of the text around its first matching word, the matching words marked.

    Words are read only as far as the window reaches (a page of results shows 25 snippets of texts of thousands
    of words: stemming every word of every text was most of the time the search spent in Python)."""
    wanted = set(query.terms.get(language, ()))
    stem = _stemming(language)
    matches: list[re.Match[str]] = []
    start = end = 0
    for match in _WORD.finditer(text):
        if matches and match.start() >= end:
            break  # past the window: no later word is shown
        if stem(match.group(0).casefold()) not in wanted:
            continue
        if not matches:
            first = match.start()
            start = max(0, first - width // 3)
            if start:
                space = text.find(" ", start)
                start = space + 1 if 0 <= space < first else start
            end = min(len(text), start + width)
        matches.append(match)
    if not matches:
        return [SnippetPart(_shorten(text, width), False)]
    parts: list[SnippetPart] = []
    cursor = start
    for match in matches:
        if match.start() < cursor or match.end() > end:
            continue
        if match.start() > cursor:
            parts.append(SnippetPart(text[cursor : match.start()], False))
        parts.append(SnippetPart(match.group(0), True))
        cursor = match.end()
    if cursor < end:
        parts.append(SnippetPart(text[cursor:end], False))
    if start:
        parts.insert(0, SnippetPart("…", False))
    if end < len(text):
        parts.append(SnippetPart("…", False))
    return parts


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width].rsplit(" ", 1)[0] + "…"


_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z]")


def language_of(text: str, languages: list[str]) -> str:
    """The language of free text that carries no language of its own (a comment, a chair's note): Russian when
    most of its letters are Cyrillic and the negotiation has Russian, else the negotiation's first language."""
    if "ru" in languages and len(_CYRILLIC.findall(text)) > len(_LATIN.findall(text)):
        return "ru"
    return languages[0] if languages else "en"
