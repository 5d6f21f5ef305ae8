"""The stems the search stores and asks for: remembered per word, the same as Snowball's own, in any thread."""

from __future__ import annotations

import threading

import snowballstemmer

from mou_tracker.core import search_text

ENGLISH = "The privileges and immunities of the United Nations, its officials and experts on missions; immunity."
RUSSIAN = "Настоящее соглашение вступает в силу; соглашения и соглашений Сторон, Сторона и стороны."


def snowball(text: str, algorithm: str) -> str:
    return " ".join(snowballstemmer.stemmer(algorithm).stemWords(search_text.words(text)))


def test_remembered_stems_are_snowballs_own_for_every_occurrence(monkeypatch):
    monkeypatch.setattr(search_text, "_MEMO", {})
    for _ in range(2):  # the second time every word comes from the memo
        assert search_text.stems(ENGLISH, "en") == snowball(ENGLISH, "english")
        assert search_text.stems(RUSSIAN, "ru") == snowball(RUSSIAN, "russian")
    # Each distinct word is remembered once, per language.
    assert set(search_text._MEMO["en"]) == set(search_text.words(ENGLISH))
    assert set(search_text._MEMO["ru"]) == set(search_text.words(RUSSIAN))
    assert search_text.stems("Immunities", "zh") == "immunities"  # no stemmer: the word as written


def test_past_its_bound_the_memo_keeps_what_it_has_and_still_stems_new_words(monkeypatch):
    monkeypatch.setattr(search_text, "_MEMO", {})
    monkeypatch.setattr(search_text, "_MEMO_WORDS", 3)
    assert search_text.stems(ENGLISH, "en") == snowball(ENGLISH, "english")
    assert len(search_text._MEMO["en"]) == 3
    assert search_text.stems(ENGLISH, "en") == snowball(ENGLISH, "english")


def test_threads_stemming_at_once_each_get_their_own_words_stems(monkeypatch):
    """Snowball's stemmers keep the word being stemmed in the stemmer: one shared by two threads would mix them."""
    monkeypatch.setattr(search_text, "_MEMO_WORDS", 0)  # every word through a stemmer, none from the memo
    texts = [
        (ENGLISH * 5, "en", snowball(ENGLISH * 5, "english")),
        (RUSSIAN * 5, "ru", snowball(RUSSIAN * 5, "russian")),
    ]
    wrong: list[str] = []

    def work(text: str, language: str, expected: str) -> None:
        for _ in range(10):
            if search_text.stems(text, language) != expected:
                wrong.append(language)

    threads = [threading.Thread(target=work, args=texts[n % 2]) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
