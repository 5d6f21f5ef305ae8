"""Redlines kept once computed: how a diff of two texts is named, written down and remembered (no database here).

A redline depends on nothing but its two texts and the engine (core.redline.diff_tokens), so it is named by a
digest of the engine and the two texts: such a name never points to a stale result, and it serves any pair of
texts, whoever asks (an amendment against its base, a version against the one before it, a step of the
whole-draft redline). What is kept is each segment's kind and length: the texts themselves are in the database
already, and whoever has the two texts to name the pair cuts the segments back out of them.

The services keep the redlines of what is written in the database (models.stored_redlines) and read them back in
bulk; this process also remembers every redline it computed or read, in a bounded cache of those few integers.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from . import redline
from .redline import Op, Segment, diff_tokens

#: Where core.redline's rendering starts: everything above it is the diff engine.
_RENDERING = b"\n# Rendering "


def _engine_fingerprint() -> str:
    """What names the engine: core.redline's source up to its rendering section (how a redline is drawn does not
    change which words changed) and the diff-match-patch release it runs on. A change to either gives every pair a
    new name, so a redline kept by an older engine is never served again: the pair is diffed afresh instead."""
    source = Path(redline.__file__).read_bytes()
    engine = source.split(_RENDERING, 1)[0]
    return hashlib.sha256(engine + metadata.version("diff-match-patch").encode()).hexdigest()[:16]


ENGINE = _engine_fingerprint()

Encoded = list[list[int]]


def is_trivial(old: str, new: str) -> bool:
    """A pair diffed in no time (nothing on one side, or nothing changed): never worth a row or a lookup."""
    return not old or not new or old == new


def digest(old: str, new: str) -> str:
    """The name of the redline from `old` to `new` (64 hex digits). The old text's length is part of it, so no two
    pairs run together into the same bytes."""
    h = hashlib.sha256(ENGINE.encode())
    h.update(f"\0{len(old)}\0".encode())
    h.update(old.encode("utf-8", "surrogatepass"))
    h.update(b"\0")
    h.update(new.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def encode(segments: Sequence[Segment]) -> Encoded:
    """[[op, length], ...]: what the JSON column holds."""
    return [[int(s.op), len(s.text)] for s in segments]


_OPS = {int(op): op for op in Op}


def decode(old: str, new: str, data: object) -> tuple[Segment, ...] | None:
    """The segments back out of the two texts, or None when `data` does not fit them exactly (a damaged row: the
    caller diffs afresh). Unchanged text must read the same on both sides. (Written for speed: a treaty's whole-draft
    redline decodes some 50,000 segments.)"""
    if type(data) is not list:
        return None
    segments: list[Segment] = []
    append = segments.append
    i = j = 0
    try:
        for op, length in data:
            kind = _OPS[op]
            if type(length) is not int or type(op) is not int or length < 0:
                return None
            if op == 1:
                text = new[j : j + length]
                j += length
            else:
                text = old[i : i + length]
                i += length
                if op == 0:
                    if new[j : j + length] != text:
                        return None
                    j += length
            if len(text) != length:
                return None
            append(Segment(kind, text))
    except (KeyError, TypeError, ValueError):  # not [op, length] pairs
        return None
    if i != len(old) or j != len(new):
        return None
    return tuple(segments)


# This process's memory ---------------------------------------------------------------------------------------

#: How many redlines this process remembers: a few dozen bytes each (the digest and a handful of integers), so the
#: whole of a treaty-sized negotiation's amendments and versions fits in a few megabytes.
CACHE_SIZE = 65_536
_REMEMBERED: OrderedDict[str, Encoded] = OrderedDict()
#: A threaded server's requests share the cache: its moves and evictions must not interleave.
_LOCK = threading.Lock()


def remember(key: str, encoded: Encoded) -> None:
    with _LOCK:
        _REMEMBERED[key] = encoded
        _REMEMBERED.move_to_end(key)
        if len(_REMEMBERED) > CACHE_SIZE:
            _REMEMBERED.popitem(last=False)


def recall(key: str) -> Encoded | None:
    with _LOCK:
        encoded = _REMEMBERED.get(key)
        if encoded is not None:
            _REMEMBERED.move_to_end(key)
        return encoded


def remembered(key: str) -> bool:
    return key in _REMEMBERED


def forget_all() -> None:
    with _LOCK:
        _REMEMBERED.clear()


def segments_between(old: str, new: str) -> tuple[Segment, ...]:
    """diff_tokens(old, new), from this process's memory when it has the pair (filled by what it computed, what it
    wrote and what it read from the database), else computed and remembered."""
    if is_trivial(old, new):
        return tuple(diff_tokens(old, new))
    key = digest(old, new)
    encoded = recall(key)
    if encoded is not None:
        segments = decode(old, new, encoded)
        if segments is not None:
            return segments
    segments = tuple(diff_tokens(old, new))
    remember(key, encode(segments))
    return segments
