"""The redline engine, without an app: exact on both sides, word-level, Unicode-safe, escaped, bounded."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mou_tracker.core import redline as rl
from mou_tracker.core.redline import (
    Op,
    Redline,
    render_clean,
    render_inline,
    render_side_by_side,
    tokenize,
)


def marks(r: Redline) -> str:
    return "".join(
        s.text if s.op is Op.equal else f"[-{s.text}-]" if s.op is Op.delete else f"{{+{s.text}+}}" for s in r.segments
    )


def test_changes_are_whole_words_and_unchanged_words_stay_visible():
    r = Redline.between(
        "Each Participant will bear its own costs arising from the implementation of this Memorandum, unless otherwise agreed in writing.",
        "Each Participant will bear its own costs arising from implementation of this Memorandum of Understanding, unless the Participants otherwise agree in writing.",
    )
    assert marks(r) == (
        "Each Participant will bear its own costs arising from[- the-] implementation of this Memorandum"
        "{+ of Understanding+}, unless{+ the Participants+} otherwise [-agreed-]{+agree+} in writing."
    )
    assert r.words_changed == (2, 5)


def test_a_word_is_never_split():
    r = Redline.between("promote cooperation between them", "promote operational links between them")
    assert marks(r) == "promote [-cooperation-]{+operational links+} between them"


def test_neighbouring_changed_words_read_as_one_change():
    r = Redline.between(
        "The Secretariat will promptly inform the Participants",
        "The Secretariat shall immediately notify the Participants",
    )
    assert marks(r) == "The Secretariat [-will promptly inform-]{+shall immediately notify+} the Participants"


def test_an_unchanged_word_between_changes_stays_visible():
    r = Redline.between(
        "by mutual written consent of the Participants", "by mutual consent, in writing, of the Participants"
    )
    assert marks(r) == "by mutual[- written-] consent{+, in writing,+} of the Participants"


def test_cyrillic_and_kazakh_words_are_diffed_as_words():
    r = Redline.between(
        "Участники будут сотрудничать в следующих целях:", "Участники будут тесно сотрудничать в целях:"
    )
    assert marks(r) == "Участники будут{+ тесно+} сотрудничать в[- следующих-] целях:"
    kz = Redline.between("Азия Кеңесінің Хатшылығы", "Азия Кеңесі Хатшылығы")
    assert marks(kz) == "Азия [-Кеңесінің-]{+Кеңесі+} Хатшылығы"


def test_combining_marks_emoji_sequences_stay_whole():
    assert tokenize("Cafe\u0301 👩\u200d💻 👍🏽") == ["Cafe\u0301", " ", "👩\u200d💻", " ", "👍🏽"]
    r = Redline.between("e\u0301 x", "e\u0300 x")
    assert marks(r) == "[-e\u0301-]{+e\u0300+} x"


def test_texts_that_share_little_are_one_whole_replacement():
    r = Redline.between("The Participants will consult annually.", "Any dispute goes to arbitration in Geneva.")
    assert [s.op for s in r.segments] == [Op.delete, Op.insert, Op.equal]  # the full stop is shared


def test_the_same_texts_always_give_the_same_redline_within_a_bounded_budget():
    words = [
        "the",
        "of",
        "Participants",
        "Memorandum",
        "cooperation",
        "terrorism",
        "shall",
        "will",
        "consent",
        "writing",
        "mutual",
    ]
    a = " ".join(words[i * 7 % len(words)] for i in range(3000))
    b = " ".join(words[i * 5 % len(words)] for i in range(3000))
    first = Redline.between(a, b)
    assert first == Redline.between(a, b)
    assert first.old_text == a and first.new_text == b


def test_the_budget_is_spent_by_counting_not_by_the_clock():
    budget = rl._WorkBudget(10)
    # Asked exactly as diff-match-patch asks its deadline: `time.time() > deadline`.
    assert [1.0 > budget for _ in range(5)] == [False, False, False, False, True]  # noqa: SIM300


def test_inline_rendering_strikes_underlines_and_names_the_party():
    html_out = render_inline(Redline.between("will cooperate", "shall cooperate", "UNOCT"))
    assert html_out == (
        '<del class="rl-del" data-party="UNOCT" title="Deleted by UNOCT">will</del>'
        '<ins class="rl-ins" data-party="UNOCT" title="Inserted by UNOCT">shall</ins>'
        '<sup class="rl-party" aria-label="change by UNOCT">UNOCT</sup> cooperate'
    )


def test_side_by_side_shows_each_text_with_its_own_changes():
    old, new = render_side_by_side(Redline.between("a b c", "a x c", "CICA"))
    assert re.sub("<[^>]+>", "", old) == "a b c" and "<del" in old and "<ins" not in old
    assert re.sub("<[^>]+>", "", new) == "a x c" and "<ins" in new and "<del" not in new


def test_markup_in_user_text_and_party_is_escaped():
    r = Redline.between('<script>alert(1)</script> "x"', "<img src=x onerror=alert(1)> 'y'", '"><script>')
    for rendered in (render_inline(r), *render_side_by_side(r), render_clean(r.new_text)):
        assert "<script" not in rendered and "<img" not in rendered
    assert "&lt;script&gt;" in render_inline(r)
    assert 'data-party="&quot;&gt;&lt;script&gt;"' in render_inline(r)


def _visible_text(rendered: str, drop: str) -> str:
    """What a reader sees on one side: remove the other side's tags with their content, then all tags."""
    without_other = re.sub(rf"<{drop}\b[^>]*>.*?</{drop}>", "", rendered, flags=re.S)
    without_tags = re.sub(r"<sup\b[^>]*>.*?</sup>", "", without_other, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", without_tags))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.text(max_size=200), st.text(max_size=10))
def test_property_both_sides_are_exact_and_no_markup_survives(old, new, party):
    r = Redline.between(old, new, party)
    assert r.old_text == old
    assert r.new_text == new
    rendered = render_inline(r)
    assert _visible_text(rendered, "ins") == old
    assert _visible_text(rendered, "del") == new
    # Every '<' in the output opens one of the engine's own tags: user text never becomes markup.
    assert set(re.findall(r"<(/?[a-z]+)", rendered)) <= {"del", "/del", "ins", "/ins", "sup", "/sup"}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Участники", "will", "the", " ", ", ", "é", "e\u0301", "👍🏽", "<b>", "&amp;", "שָׁלוֹם", "\n"]),
        max_size=60,
    ),
    st.data(),
)
def test_property_edits_of_a_text_keep_both_sides(words, data):
    old = "".join(words)
    edited = data.draw(st.lists(st.sampled_from(words or ["x"]), max_size=60))
    r = Redline.between(old, "".join(edited))
    assert r.old_text == old and r.new_text == "".join(edited)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(
            st.sampled_from(
                ["Cafe", "\u0301", "\u200d", "👩", "👍", "🏽", "—", "«", "»", "№", "Участники", "Кеңесі", ",", " ", "a"]
            ),
            max_size=40,
        ).map("".join),
    )
)
def test_property_texts_split_in_one_pass_split_as_token_by_token(text):
    """Most texts are split into words in one pass; that must give what joining token by token gives (a letter
    with its accents, an emoji with its modifiers), whatever the script or punctuation."""
    words, gaps, tail = rl._words_and_gaps(text)
    assert (words, gaps, tail) == rl._joined_words_and_gaps(text, rl._GAP_AND_WORD.findall(text))
    assert "".join(g + w for g, w in zip(gaps, words, strict=True)) + tail == text


def test_spaces_are_never_anchors_so_moved_words_read_naturally():
    r = Redline.between(
        "This Memorandum may be amended by mutual written consent of the Participants.",
        "This Memorandum may be amended at any time by written consent of both Participants.",
    )
    assert (
        marks(r)
        == "This Memorandum may be amended{+ at any time+} by[- mutual-] written consent of [-the-]{+both+} Participants."
    )


def test_a_replacement_keeps_shared_spaces_outside_the_change():
    r = Redline.between("The Participants will cooperate", "The Participants shall cooperate")
    assert marks(r) == "The Participants [-will-]{+shall+} cooperate"


def test_white_space_changes_are_kept_exactly():
    r = Redline.between("a  b\n", "a b")
    assert (r.old_text, r.new_text) == ("a  b\n", "a b")
    assert r.has_changes
