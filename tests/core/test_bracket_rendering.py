"""Square brackets marked inside redlines and cut into Word runs (issue #17: "brackets are shown distinctly in every
view and export, not by colour alone"): core.redline's renderers, without an app.

What a reader would notice: every character inside a negotiating bracket is inside a marked span (as deep as the
bracket is nested), and no other is; a bracket cut by a change is marked in each piece, inside <ins> and <del>;
the text reads the same as without the marks; user text stays escaped; a declared plain bracket is not marked.
"""

from __future__ import annotations

import itertools
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from mou_tracker.core.attribution import Credit, CreditedSegment
from mou_tracker.core.brackets import read_brackets
from mou_tracker.core.redline import (
    ENGLISH_LABELS,
    Op,
    Redline,
    RedlineLabels,
    bracket_html,
    bracket_pieces,
    negotiating_brackets,
    render_credited_inline,
    render_inline,
    render_side_by_side,
)


def _tree(markup: str):
    return lxml_html.fragment_fromstring(markup, create_parent="p")


class _Reader(HTMLParser):
    """Reads rendered markup as a reader meets it: each visible character with how many marked bracket spans it
    stands in and whether it is deleted or inserted (party tags left out); the screen-reader words apart; each
    outermost marked span's
    text. Every end tag must close the element last opened (the marks nest)."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, str]] = []
        self.characters: list[tuple[str, int, str]] = []
        self.announced: list[str] = []
        self.pieces: list[str] = []
        self.feed(markup)
        self.close()
        assert not self.open, self.open

    def _depth(self) -> int:
        return sum(1 for _, kind in self.open if kind == "bracket")

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        kind = "hidden" if "visually-hidden" in classes else "bracket" if "bracket" in classes else tag
        if "rl-party" in classes:
            kind = "party"  # the proposing party's tag after a change: not the clause's words
        if kind == "bracket" and self._depth() == 0:
            self.pieces.append("")
        self.open.append((tag, kind))

    def handle_endtag(self, tag):
        assert self.open and self.open[-1][0] == tag, (tag, self.open)
        self.open.pop()

    def handle_data(self, data):
        if any(kind == "party" for _, kind in self.open):
            return
        if any(kind == "hidden" for _, kind in self.open):
            self.announced.append(data)
            return
        depth = self._depth()
        change = next((kind for _, kind in reversed(self.open) if kind in ("del", "ins")), "")
        self.characters.extend((c, depth, change) for c in data)
        if depth:
            self.pieces[-1] += data


def _characters(markup: str) -> list[tuple[str, int, str]]:
    """(character, how many marked bracket spans it stands in, "del"/"ins"/"") for each visible character."""
    return _Reader(markup).characters


def _depths(text: str, plain: tuple[str, ...] = ()) -> list[int]:
    """How deep inside negotiating brackets each character of the text stands (core.brackets' segments)."""
    return [segment.depth for segment in read_brackets(text, plain).segments for _ in segment.text]


def _announced(markup: str) -> list[str]:
    return _Reader(markup).announced


def _pieces(markup: str) -> list[str]:
    """The visible text of each outermost marked span, in order."""
    return _Reader(markup).pieces


def test_alternatives_inserted_are_each_marked_inside_the_insertion_in_english_and_russian():
    for old, new, first, second in (
        ("The Participants shall cooperate.", "The Participants [shall][will] cooperate.", "[shall]", "[will]"),
        ("Участники сотрудничают.", "Участники [обязуются][будут] сотрудничать.", "[обязуются]", "[будут]"),
    ):
        redline = Redline.between(old, new, "UNOCT")
        inline = render_inline(redline, mark_brackets=True)
        # Every character of both brackets is marked (an unchanged word inside one too), each bracket announced
        # once, where it opens; the marks nest inside <ins>, underlined with it.
        assert "".join(_pieces(inline)) == first + second
        assert _announced(inline) == ["bracketed: ", "bracketed: "]
        assert _tree(inline).xpath(".//ins//span[contains(concat(' ', @class, ' '), ' bracket ')]")
        _old_side, new_side = render_side_by_side(redline, mark_brackets=True)
        assert "".join(_pieces(new_side)) == first + second
        assert [c for c, depth, _ in _characters(new_side) if depth] == list(first + second)
        # Without being asked, the engine renders as it always did (the API's html, older callers).
        assert "bracket" not in render_inline(redline) and "bracket" not in "".join(render_side_by_side(redline))


def test_the_screen_reader_words_are_given_in_the_readers_language():
    russian = RedlineLabels(
        "Исключено стороной %(party)s", "Добавлено стороной %(party)s", "правка стороны %(party)s", "в скобках:"
    )
    inline = render_inline(Redline.between("будут", "[будут]", "CICA"), russian, mark_brackets=True)
    assert _announced(inline) == ["в скобках: "]


def test_a_bracket_cut_by_changes_is_marked_in_every_piece_with_its_frame_open_at_the_cuts():
    # "[shall" stays, " promptly" is inserted inside the bracket, "]" stays: three pieces of one bracket.
    redline = Redline.between("They [shall] act.", "They [shall promptly] act.", "CICA")
    inline = render_inline(redline, mark_brackets=True)
    tree = _tree(inline)
    spans = tree.xpath(".//span[contains(concat(' ', @class, ' '), ' bracket ')]")
    assert [s.get("class") for s in spans] == [
        "bracket bracket-continues",
        "bracket bracket-continued bracket-continues",
        "bracket bracket-continued",
    ]
    assert _announced(inline) == ["bracketed: "]  # said once, where the bracket opens
    assert tree.xpath(".//ins/span[contains(@class, 'bracket-continued')]")  # the inserted piece, inside <ins>
    assert "".join(_pieces(inline)) == "[shall promptly]"


def test_deleted_brackets_are_marked_as_the_old_text_had_them_and_kept_words_as_the_new_text_has_them():
    redline = Redline.between("They [shall] act.", "They shall act.", "CICA")
    inline = render_inline(redline, mark_brackets=True)
    characters = _characters(inline)
    # The struck "[" and "]" were the old text's bracket; "shall", unchanged, is out of brackets now.
    assert [c for c, depth, change in characters if depth and change == "del"] == ["[", "]"]
    assert not [c for c, depth, change in characters if depth and change != "del"]
    old, new = render_side_by_side(redline, mark_brackets=True)
    assert _pieces(old) == ["[", "shall", "]"] and _pieces(new) == []


def test_a_declared_plain_bracket_is_not_marked_and_the_others_are():
    redline = Redline.between(
        "as provided in paragraph 3 [of Article 2].", "as provided in paragraph 3 [of Article 2] [promptly].", "CICA"
    )
    inline = render_inline(redline, mark_brackets=True, plain_brackets=["[of Article 2]"])
    assert _pieces(inline) == ["[promptly]"]
    assert _pieces(render_inline(redline, mark_brackets=True)) == ["[of Article 2]", "[promptly]"]


def test_nested_brackets_nest_their_marks():
    redline = Redline.between("a b", "a [b [c] d] e", "CICA")
    characters = _characters(render_inline(redline, mark_brackets=True))
    assert "".join(c for c, depth, _ in characters if depth == 2) == "[c]"
    assert "".join(c for c, depth, _ in characters if depth >= 1) == "[b [c] d]"


def test_credited_changes_mark_brackets_the_same_way():
    credit = Credit("UNOCT")
    segments = [
        CreditedSegment(Op.equal, "Done at "),
        CreditedSegment(Op.delete, "[place]", credit),
        CreditedSegment(Op.insert, "Astana [on a date]", credit),
    ]
    html = render_credited_inline(segments, lambda c: c.party, mark_brackets=True)
    assert _pieces(html) == ["[place]", "[on a date]"]
    tree = _tree(html)
    assert tree.xpath(".//del/span[@class='bracket']") and tree.xpath(".//ins/span[@class='bracket']")


def test_user_text_stays_escaped_inside_marks():
    hostile = '[<script>alert("x")</script>]'
    inline = render_inline(Redline.between("a", f"a {hostile}", "CICA"), mark_brackets=True)
    assert "<script>" not in inline and "&lt;script&gt;" in inline
    assert _pieces(inline) == [hostile]


_TEXT = st.text(alphabet="ab [ ]<&\"'\n", max_size=40)


@settings(max_examples=300, deadline=None)
@given(old=_TEXT, new=_TEXT)
def test_marks_cover_exactly_the_bracketed_characters_and_change_no_text(old, new):
    redline = Redline.between(old, new, "CICA")
    inline = render_inline(redline, mark_brackets=True)
    old_depths, new_depths = _depths(old), _depths(new)
    expected: list[tuple[str, int]] = []
    old_at = new_at = 0
    for segment in redline.segments:
        for character in segment.text:
            if segment.op is Op.delete:
                expected.append((character, old_depths[old_at]))
                old_at += 1
            else:
                expected.append((character, new_depths[new_at]))
                new_at += 1
                old_at += segment.op is Op.equal
    # Every character, escaped or not, is read back as written, as deep inside marks as inside brackets.
    assert [(c, depth) for c, depth, _ in _characters(inline)] == expected
    old_side, new_side = render_side_by_side(redline, mark_brackets=True)
    assert [(c, d) for c, d, _ in _characters(old_side)] == list(zip(old, old_depths, strict=True))
    assert [(c, d) for c, d, _ in _characters(new_side)] == list(zip(new, new_depths, strict=True))


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=6))
def test_pieces_for_word_runs_join_to_the_text_and_flag_exactly_the_bracketed_characters(text, cuts):
    brackets = negotiating_brackets(text)
    depths = _depths(text)
    bounds = sorted({0, len(text), *(min(cut, len(text)) for cut in cuts)})
    flags: list[bool] = []
    for start, end in itertools.pairwise(bounds):
        pieces = bracket_pieces(text, brackets, start, end)
        assert "".join(piece for piece, _ in pieces) == text[start:end]
        assert all(piece for piece, _ in pieces)
        flags.extend(bracketed for piece, bracketed in pieces for _ in piece)
        # The same cut rendered as HTML marks the same characters.
        marked = [depth > 0 for _, depth, _ in _characters(bracket_html(text, brackets, "b:", start, end))]
        assert marked == [depth > 0 for depth in depths[start:end]]
    assert flags == [depth > 0 for depth in depths]


def test_the_labels_default_to_english_for_the_bracket_too():
    assert ENGLISH_LABELS.bracketed == "bracketed:"
