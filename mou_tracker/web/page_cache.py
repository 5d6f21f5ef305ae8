"""Rendered parts of the status pages, shared by every reader who may see the same, kept until that changes.

A status page at treaty scale takes the better part of a second to build (a meeting pack several seconds), and a
meeting has forty people reading it. Its part (the body, without the page around it) is kept under a key made of:

* the page, the negotiation and the interface language;
* the reader's **visibility**: the party whose untabled drafts they may read (`amendments.visible_to`: every user
  of a party reads its drafts; a user of no party reads tabled ones only), and their role, unless the page shows
  every role the same (`per_role=False`: the part is then built as a reader whose role cannot be read, so a part
  that needed it is built per role instead). Nothing else of the reader: the part is built *as* a `Reader` that
  carries only these (`as_reader`), so it cannot depend on who asked;
* the state stamp of that visibility (`services.reports.state_stamp`): public changes move every party's stamp; a
  party's private business moves only that party's, and only on the pages that show it (`Private`), so the other
  party's parts, and the party's own draft-blind pages, stay kept.

The page around the part (the user menu, the bell, the language switcher) is the reader's own: it is rendered for
one signed-in user and kept too (a `Wrapper`, in this worker's `BoundedStore`), under a key made of everything it
shows (the user's name, role and party, their unread notifications, the state stamp, the address, the view's other
values, ...), with a slot where the session's CSRF token goes; each request puts its own token there. A page with a
message to show once, or with a value of no kind a key can hold (a form, a clause), is rendered for each request. A
browser that accepts gzip gets the page as one gzip member (the CRC combined arithmetically) of kept compressed
pieces: the head and tail of the page around the token, the token itself as a stored block, and the part's kept
compressed bytes, so nothing is rendered or compressed again for a repeated view (a 15 MB meeting pack is not
compressed again for each reader). The user is still loaded with their sign-in session for every request
(`web.load_user`), so a session ended elsewhere gets no page, however recently it was served one.

After a change, one thread (and, with Redis, one worker) rebuilds a part (`_rebuild_lock`). Readers who arrive
meanwhile are served the part it replaces, with a notice that the page is being brought up to date, rather than
forty of them waiting seconds for a meeting pack (stale while revalidating); only when there is no earlier part do
they wait for the rebuild. After a change every reader sees, the parts read lately are built ahead in the background
(web/build_ahead), and readers meanwhile are served the previous ones (with Redis, by every worker: the queued build
is marked there). The replaced part is dropped once the new one is kept (in-process) or expires a few seconds later
(Redis; each worker's copy of it is evicted in its turn, and lives no longer than MOU_CACHE_TTL_SECONDS). The
in-process store is bounded in bytes (MOU_CACHE_MAX_BYTES) and evicts the least recently used part.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import logging
import pickle
import struct
import threading
import time
import uuid
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, Generic, Protocol, TypeVar, cast

from flask import Flask, Response, current_app, g, has_app_context, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from ..core.roles import Role
from ..services.reports import StateStamp
from .navigation import unread_notifications
from .negotiation_scope import current_slug

log = logging.getLogger(__name__)

#: How a part is compressed once for every reader (the browser's bytes): zlib's default level.
PART_LEVEL = 6
#: Stands for the part while the page around it is rendered; the page is cut there.
_SLOT = "<!--mou-kept-part-" + uuid.uuid4().hex + "-->"
#: Stands for the session's CSRF token in a kept page around a part; each view puts the session's token there.
_TOKEN_SLOT = "mou-form-token-" + uuid.uuid4().hex
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, unknown OS


# The reader a part is built as ---------------------------------------------------------------------------------


class RoleNotKept(BaseException):
    """A part kept for every role read the reader's role while it was built: it cannot be shared by roles.

    A BaseException so that no `except Exception` on the way (a service's, a template filter's) can swallow it and
    keep a part that silently depends on a role it never had; `kept_part` catches it and builds the part per role.
    Not an AttributeError either: Jinja would take that for an undefined attribute and render on."""


@dataclasses.dataclass(frozen=True)
class Reader:
    """What a shared part may depend on: the reader's party (whose drafts they read) and role; nobody's identity.
    Satisfies `core.permissions.Actor` and what templates read of `current_user`.

    A part kept for every role (`kept_role` None) is built as a reader whose role cannot be read (`RoleNotKept`):
    whatever the build shows, it did not learn from the role, so it is the same for every role."""

    party_id: int | None
    kept_role: Role | None
    party: Any = None
    id: int = 0  # no user has it: "the reader's own proposals" are nobody's
    login: str = ""
    display_name: str = ""
    active: bool = True
    language: str = "en"
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    @classmethod
    def of(cls, user) -> Reader:
        """The reader `user` (`current_user` itself, or the user behind it) stands for."""
        user = getattr(user, "_get_current_object", lambda: user)()  # never the proxy: it would stand for itself
        if isinstance(user, Reader):  # a part built outside a request (web/build_ahead, the history's files)
            return user
        return cls(party_id=user.party_id, kept_role=user.role, party=user.party)

    def for_every_role(self) -> Reader:
        return dataclasses.replace(self, kept_role=None)

    @property
    def role(self) -> Role:
        if self.kept_role is None:
            raise RoleNotKept
        return self.kept_role

    def get_id(self) -> None:
        return None

    @property
    def visibility(self) -> str:
        return f"party-{self.party_id}" if self.party_id is not None else "tabled-only"


@contextlib.contextmanager
def as_reader(reader: Reader) -> Iterator[None]:
    """Run a part's build with `current_user` standing for `reader`, so that the part can hold nothing personal."""
    missing = object()
    previous = g.get("_login_user", missing)
    g._login_user = reader
    try:
        yield
    finally:
        if previous is missing:
            g.pop("_login_user", None)
        else:
            g._login_user = previous


# CRC-32 of a concatenation without the bytes (zlib's crc32_combine, as a 32x32 matrix over GF(2)) ---------------


def _times(matrix: list[int], vector: int) -> int:
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _compose(a: list[int], b: list[int]) -> list[int]:
    return [_times(a, column) for column in b]


def zeros_operator(length: int) -> list[int]:
    """The operator that turns crc32(A) into the CRC of A followed by `length` zero bytes: then
    crc32(A + B) == _times(zeros_operator(len(B)), crc32(A)) ^ crc32(B)."""
    odd = [0xEDB88320] + [1 << n for n in range(31)]  # one zero bit
    even = _compose(odd, odd)  # two
    odd = _compose(even, even)  # four
    result = [1 << n for n in range(32)]
    while length:
        even = _compose(odd, odd)
        if length & 1:
            result = _compose(even, result)
        length >>= 1
        if not length:
            break
        odd = _compose(even, even)
        if length & 1:
            result = _compose(odd, result)
        length >>= 1
    return result


@dataclasses.dataclass(frozen=True)
class KeptPart:
    """A rendered part, compressed once: raw deflate ending on a full flush, so it can stand inside any stream."""

    deflated: bytes
    size: int
    crc: int
    shift: list[int]  # zeros_operator(size)
    fields: dict[str, Any]  # what the page shows beside the body (title, counts, ...)

    @classmethod
    def of(cls, part: dict) -> KeptPart:
        """`part["body"]`: HTML, or the bytes of a document made for download (a DOCX, a PDF)."""
        body = part["body"] if isinstance(part["body"], bytes) else str(part["body"]).encode()
        compressor = zlib.compressobj(PART_LEVEL, zlib.DEFLATED, -15)
        deflated = compressor.compress(body) + compressor.flush(zlib.Z_FULL_FLUSH)
        fields = {name: value for name, value in part.items() if name != "body"}
        return cls(deflated, len(body), zlib.crc32(body), zeros_operator(len(body)), fields)

    @property
    def weight(self) -> int:
        return len(self.deflated) + 2048

    def body(self) -> Markup:
        return Markup(self.data().decode())  # noqa: S704  (rendered by Jinja)

    def data(self) -> bytes:
        """The body as it was given: a kept document's bytes."""
        return zlib.decompressobj(-15).decompress(self.deflated)

    def gzip_between(self, head: str, tail: str) -> bytes:
        """One gzip member: `head`, this part, `tail`; only head and tail are compressed here."""
        head_bytes, tail_bytes = head.encode(), tail.encode()
        first = zlib.compressobj(PART_LEVEL, zlib.DEFLATED, -15)
        last = zlib.compressobj(PART_LEVEL, zlib.DEFLATED, -15)
        crc = zlib.crc32(tail_bytes, _times(self.shift, zlib.crc32(head_bytes)) ^ self.crc)
        size = len(head_bytes) + self.size + len(tail_bytes)
        return b"".join(
            (
                _GZIP_HEADER,
                first.compress(head_bytes),
                first.flush(zlib.Z_FULL_FLUSH),
                self.deflated,
                last.compress(tail_bytes),
                last.flush(zlib.Z_FINISH),
                struct.pack("<II", crc, size & 0xFFFFFFFF),
            )
        )


def _deflated(data: bytes, mode: int = zlib.Z_FULL_FLUSH) -> bytes:
    compressor = zlib.compressobj(PART_LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(mode)


def _stored(data: bytes) -> bytes:
    """`data` as one stored (uncompressed) deflate block, not the last: it can stand between two pieces that end on
    a full flush (byte-aligned), as each request's token does."""
    return b"\x00" + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data


@dataclasses.dataclass(frozen=True)
class Wrapper:
    """The page around a part, rendered for one reader and kept: its head (before the part) and tail (after it),
    each cut where the session's CSRF token goes, every piece also compressed (raw deflate on a full flush; the
    tail's last piece ends the stream)."""

    head: tuple[bytes, ...]
    tail: tuple[bytes, ...]
    head_deflated: tuple[bytes, ...]
    tail_deflated: tuple[bytes, ...]

    @classmethod
    def of(cls, html: str) -> Wrapper:
        head, tail = html.split(_SLOT, 1)
        head_pieces = tuple(piece.encode() for piece in head.split(_TOKEN_SLOT))
        tail_pieces = tuple(piece.encode() for piece in tail.split(_TOKEN_SLOT))
        last = len(tail_pieces) - 1
        return cls(
            head_pieces,
            tail_pieces,
            tuple(_deflated(piece) for piece in head_pieces),
            tuple(
                _deflated(piece, zlib.Z_FINISH if n == last else zlib.Z_FULL_FLUSH)
                for n, piece in enumerate(tail_pieces)
            ),
        )

    @property
    def weight(self) -> int:
        return sum(map(len, (*self.head, *self.tail, *self.head_deflated, *self.tail_deflated))) + 512

    def html(self, part: KeptPart, token: str) -> str:
        raw = token.encode()
        return b"".join((raw.join(self.head), part.data(), raw.join(self.tail))).decode()

    def gzip(self, part: KeptPart, token: str) -> bytes:
        """One gzip member: the head, `part`, the tail, with `token` in its places; nothing compressed here."""
        raw = token.encode()
        stored = _stored(raw)
        head, tail = raw.join(self.head), raw.join(self.tail)
        crc = zlib.crc32(tail, _times(part.shift, zlib.crc32(head)) ^ part.crc)
        size = len(head) + part.size + len(tail)
        return b"".join(
            (
                _GZIP_HEADER,
                stored.join(self.head_deflated),
                part.deflated,
                stored.join(self.tail_deflated),
                struct.pack("<II", crc, size & 0xFFFFFFFF),
            )
        )


# The stores ------------------------------------------------------------------------------------------------------


class LocalStore:
    """This worker's parts, least recently used first, bounded by their compressed size."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.used = 0
        self._parts: OrderedDict[str, KeptPart] = OrderedDict()
        self._latest: dict[str, str] = {}  # kind of part -> the key of its newest state
        self._lock = threading.Lock()

    def get(self, key: str) -> KeptPart | None:
        with self._lock:
            part = self._parts.get(key)
            if part is not None:
                self._parts.move_to_end(key)
            return part

    def latest(self, kind: str) -> KeptPart | None:
        """The newest part of `kind` kept, whatever state it was built for (served while its successor is built)."""
        with self._lock:
            key = self._latest.get(kind)
            return self._parts.get(key) if key is not None else None

    def put(self, key: str, kind: str, part: KeptPart) -> None:
        """Keep `part` under `key`, dropping the part of the same kind it replaces (never asked for again)."""
        with self._lock:
            replaces, self._latest[kind] = self._latest.get(kind), key
            for old in (key, replaces):
                if old is not None and (dropped := self._parts.pop(old, None)) is not None:
                    self.used -= dropped.weight
            if part.weight > self.max_bytes:
                return
            self._parts[key] = part
            self.used += part.weight
            while self.used > self.max_bytes:
                _key, evicted = self._parts.popitem(last=False)
                self.used -= evicted.weight

    def clear(self) -> None:
        with self._lock:
            self._parts.clear()
            self._latest.clear()
            self.used = 0

    # Builds ahead: this worker's are counted in `_coming`; other workers keep parts of their own.

    def mark_coming(self, kinds: list[str]) -> None:
        pass

    def unmark_coming(self, kinds: list[str]) -> None:
        pass

    def coming(self, kind: str) -> bool:
        return False


@dataclasses.dataclass(frozen=True)
class _Copy:
    """A worker's copy of a part kept in Redis, and when it was taken."""

    part: KeptPart
    kept_at: float

    @property
    def weight(self) -> int:
        return self.part.weight


class RedisStore:
    """Parts shared by every worker. Each expires after MOU_CACHE_TTL_SECONDS; the one a rebuild replaces after
    a few seconds (a worker may be sending it). Redis itself should run with `maxmemory` and `allkeys-lru`."""

    def __init__(self, url: str, prefix: str, ttl: int, copies_max_bytes: int):
        import redis

        # A Redis that stops answering fails the request that waits on it (as one that is down does), rather than
        # holding its thread for ever.
        self.client = redis.Redis.from_url(
            url, socket_timeout=REDIS_SOCKET_SECONDS, socket_connect_timeout=REDIS_SOCKET_SECONDS
        )
        self.prefix = prefix
        self.ttl = ttl
        # A part's key names the state it was built for, so a part never changes under its key: this worker keeps
        # copies of those it served, rather than reading (and unpickling) tens of kilobytes from Redis per view.
        # A copy lives no longer than the part in Redis (`ttl`), so that the workers agree again within that time
        # should two builds of one key ever differ (a change committed out of the order of its event's number).
        self._copies = BoundedStore[_Copy](copies_max_bytes)

    def get(self, key: str) -> KeptPart | None:
        copy = self._copies.get(key)
        if copy is not None and time.monotonic() - copy.kept_at < self.ttl:
            return copy.part
        raw = self.client.get(self.prefix + key)
        if raw is None:
            return None
        part = pickle.loads(cast(bytes, raw))  # noqa: S301  (written by this app into its own Redis)
        self._copies.put(key, _Copy(part, time.monotonic()))
        return part

    def latest(self, kind: str) -> KeptPart | None:
        """The newest part of `kind` kept by any worker, whatever state it was built for."""
        key = self.client.get(self.prefix + kind)
        return self.get(cast(bytes, key).decode()) if key is not None else None

    def put(self, key: str, kind: str, part: KeptPart) -> None:
        """Keep `part` under `key`; the part of the same kind it replaces expires in a few seconds."""
        self._copies.put(key, _Copy(part, time.monotonic()))
        pipe = self.client.pipeline(transaction=False)
        pipe.set(self.prefix + key, pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL), ex=self.ttl)
        pipe.set(self.prefix + kind, key, ex=self.ttl, get=True)
        replaces = pipe.execute()[1]
        if replaces is not None and replaces.decode() != key:
            self.client.expire(self.prefix + replaces.decode(), STALE_SECONDS)

    @contextlib.contextmanager
    def lock(self, key: str, wait: float) -> Iterator[bool]:
        """Hold the rebuild of `key` across workers (a short-lived lock); yields False when another worker holds
        it and `wait` ran out."""
        name, token = f"{self.prefix}lock:{key}", uuid.uuid4().hex
        deadline = time.monotonic() + wait
        while not self.client.set(name, token, nx=True, px=int(LOCK_SECONDS * 1000)):
            if time.monotonic() >= deadline or self.client.exists(self.prefix + key):
                yield False
                return
            time.sleep(0.02)
        try:
            yield True
        finally:
            if self.client.get(name) == token.encode():
                self.client.delete(name)

    # Builds ahead, marked for every worker: a reader of another worker who finds the part of the new state
    # missing is served the previous one rather than building it too. A mark counts the workers that queued the
    # kind and lapses after COMING_SECONDS, should its worker die before building it.

    def mark_coming(self, kinds: list[str]) -> None:
        try:
            pipe = self.client.pipeline(transaction=True)  # the count and its expiry together, or neither
            for kind in kinds:
                pipe.incr(self.prefix + "coming|" + kind)
                pipe.expire(self.prefix + "coming|" + kind, COMING_SECONDS)
            pipe.execute()
        except Exception:  # Redis unreachable: the other workers' readers build the part themselves
            log.warning("Could not mark builds ahead in Redis", exc_info=True)

    def unmark_coming(self, kinds: list[str]) -> None:
        try:
            pipe = self.client.pipeline(transaction=False)
            for kind in kinds:
                # Left at 0 to lapse (never deleting a mark another worker set meanwhile); a mark that had lapsed
                # already comes back below 0, and lapses too.
                pipe.decr(self.prefix + "coming|" + kind)
                pipe.expire(self.prefix + "coming|" + kind, COMING_SECONDS)
            pipe.execute()
        except Exception:  # the mark lapses by itself
            log.warning("Could not clear the marks of builds ahead in Redis", exc_info=True)

    def coming(self, kind: str) -> bool:
        count = self.client.get(self.prefix + "coming|" + kind)
        return count is not None and int(count) > 0

    def clear(self) -> None:
        self._copies.clear()
        for name in self.client.scan_iter(match=self.prefix + "*", count=1000):
            self.client.delete(name)


#: How long a request waits on Redis (to connect, or for an answer) before it fails.
REDIS_SOCKET_SECONDS = 5.0
#: With Redis, a worker keeps copies of the parts it served, in this share of MOU_CACHE_MAX_BYTES.
REDIS_COPIES_SHARE = 4
#: A part replaced by a rebuild stays readable this long in Redis (a worker may be between get and send).
STALE_SECONDS = 5
#: A build ahead's mark in Redis lapses after this long, should its worker die before building it.
COMING_SECONDS = 30
#: A rebuild lock in Redis lapses after this long, should its worker die holding it.
LOCK_SECONDS = 30.0
#: How long a request waits for another's rebuild of the same part before building it itself.
WAIT_SECONDS = 20.0

_key_locks: dict[str, threading.Lock] = {}
_key_locks_guard = threading.Lock()


@contextlib.contextmanager
def _rebuild_lock(store, key: str, wait: float) -> Iterator[bool]:
    """One rebuild per key: threads of this worker queue on a lock, other workers on a Redis lock. Yields whether
    this request holds the rebuild (False: another held it for all of `wait` seconds)."""
    with _key_locks_guard:
        local = _key_locks.setdefault(key, threading.Lock())
    acquired = local.acquire(timeout=wait) if wait > 0 else local.acquire(blocking=False)
    try:
        if isinstance(store, RedisStore) and acquired:
            with store.lock(key, wait) as held:
                yield held
        else:
            yield acquired
    finally:
        if acquired:
            local.release()
        with _key_locks_guard:
            if not local.locked():
                _key_locks.pop(key, None)


def init_app(app: Flask) -> None:
    if url := app.config.get("MOU_CACHE_REDIS"):
        store: LocalStore | RedisStore = RedisStore(
            url,
            app.config["CACHE_KEY_PREFIX"] + "part:",
            int(app.config["MOU_CACHE_TTL_SECONDS"]),
            int(app.config["MOU_CACHE_MAX_BYTES"]) // REDIS_COPIES_SHARE,
        )
    else:
        store = LocalStore(int(app.config["MOU_CACHE_MAX_BYTES"]))
    app.extensions["mou_part_store"] = store
    app.extensions["mou_wrapper_store"] = BoundedStore[Wrapper](WRAPPER_MAX_BYTES)
    app.extensions["mou_signed_tokens"] = BoundedStore[_SignedToken](SIGNED_TOKENS_MAX_BYTES)


def store() -> LocalStore | RedisStore:
    return current_app.extensions["mou_part_store"]


# Pages -----------------------------------------------------------------------------------------------------------


def _kind(page: str, slug: str, reader: Reader, language: str) -> str:
    role = reader.kept_role.value if reader.kept_role is not None else "every-role"
    return "|".join(str(p) for p in (page, slug, reader.visibility, role, language))


def _keys(page: str, stamp: StateStamp, reader: Reader) -> tuple[str, str]:
    """The part's key, and the key of its kind without the state (the latest part of the kind is kept under it)."""
    kind = _kind(page, current_slug(), reader, str(get_locale()))
    return kind + "|" + "|".join(str(p) for p in stamp.of_part()), "latest|" + kind


def latest_key(page: str, slug: str, reader: Reader, language: str) -> str:
    """The key of a kind of part without its state (see `_keys`), for a part to be built outside a request."""
    return "latest|" + _kind(page, slug, reader, language)


#: Kinds of part (their `latest_key`) queued to be built ahead in this worker (web/build_ahead), with how many
#: builds of each are queued: a reader who finds such a part of the new state missing is served the previous one
#: at once, rather than building it too.
_coming: Counter[str] = Counter()
_coming_lock = threading.Lock()


def expect(kind: str) -> bool:
    """A part of `kind` is queued to be built ahead; True when it is the first of its kind queued in this worker
    (then mark it in the store too, outside any lock: `mark_coming`)."""
    with _coming_lock:
        _coming[kind] += 1
        return _coming[kind] == 1


def expected(kind: str) -> bool:
    """A part of `kind` queued to be built ahead was built (or failed); True when none of its kind is queued in
    this worker any more (then clear its mark in the store: `unmark_coming`)."""
    with _coming_lock:
        _coming[kind] -= 1
        if _coming[kind] > 0:
            return False
        del _coming[kind]
        return True


#: Pages kept for every role (`per_role=False`) whose build read the role all the same, in this worker: built per
#: role from then on. Each is a mistake in the page's declaration, logged once; bounded, since clause pages are many.
_READ_THE_ROLE: set[str] = set()
_READ_THE_ROLE_MOST = 1000


def kept_part(
    page: str,
    stamp: StateStamp,
    build: Callable[[], dict],
    *,
    current_only: bool = False,
    per_role: bool = True,
    ahead: bool = False,
) -> tuple[KeptPart, bool]:
    """The part `build` renders (a dict whose "body" is HTML) for this page, state, visibility, role and
    language: built once, as a `Reader`, then kept. The flag says the part is the previous state's, served while
    another request builds this one; never with `current_only` (a document to download, which carries no notice
    that it is out of date: its readers wait for the rebuild).

    `per_role=False`: the page shows the same to every role of a visibility (what a role may do is in the page
    around the part), so one part serves them all and a change rebuilds one part per visibility and language, not
    one per role. Should its build read the role all the same, the part is built per role instead (and the mistake
    logged): a part is never shared by roles it could differ for.

    `ahead`: the build ahead of web/build_ahead, which builds the part even though it is expected."""
    reader = Reader.of(current_user)
    if not per_role and page not in _READ_THE_ROLE:
        try:
            return _kept_for(reader.for_every_role(), page, stamp, build, current_only, ahead)
        except RoleNotKept:
            log.error("%s is kept for every role but its build read the reader's role: kept per role instead", page)
            if len(_READ_THE_ROLE) < _READ_THE_ROLE_MOST:
                _READ_THE_ROLE.add(page)
    return _kept_for(reader, page, stamp, build, current_only, ahead)


def _kept_for(
    reader: Reader, page: str, stamp: StateStamp, build: Callable[[], dict], current_only: bool, ahead: bool
) -> tuple[KeptPart, bool]:
    key, kind = _keys(page, stamp, reader)
    kept_in = store()
    part = kept_in.get(key)
    if part is not None:
        return part, False
    # Same page, visibility, role and language: only its state is older.
    earlier = None if current_only else kept_in.latest(kind)
    if earlier is not None and not ahead and (kind in _coming or kept_in.coming(kind)):
        return earlier, True  # queued to be built ahead (here or by another worker): no reader builds it as well
    with _rebuild_lock(kept_in, key, 0 if earlier is not None else WAIT_SECONDS) as building:
        part = kept_in.get(key)  # built while this request waited
        if part is not None:
            return part, False
        if not building and earlier is not None:
            return earlier, True
        with as_reader(reader):
            part = KeptPart.of(build())
        kept_in.put(key, kind, part)
    return part, False


@dataclasses.dataclass(frozen=True)
class _SignedToken:
    value: str

    @property
    def weight(self) -> int:
        return 2 * len(self.value) + 100  # the signed token, its key (the session's own token) and their entry


#: Form tokens signed in this worker, by the session's token they sign: some thousands of sessions.
SIGNED_TOKENS_MAX_BYTES = 1024 * 1024


def _form_token() -> str:
    """The session's form token (Flask-WTF's `generate_csrf`), signed once per session in this worker rather than on
    each view: signing it was a twentieth of a kept page's time. A token signed earlier is as valid as a new one
    while tokens live as long as their session (WTF_CSRF_TIME_LIMIT None, config.py); with a time limit, each view
    signs its own, so that none expires sooner than the page says."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    raw = session.get(field)
    if not isinstance(raw, str) or field in g or current_app.config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return generate_csrf()
    signed: BoundedStore[_SignedToken] = current_app.extensions["mou_signed_tokens"]
    if (kept := signed.get(raw)) is not None:
        setattr(g, field, kept.value)  # what generate_csrf (and csrf_token() in templates) return for this request
        return kept.value
    token = generate_csrf()
    signed.put(raw, _SignedToken(token))
    return token


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0 or request.accept_encodings["x-gzip"] > 0


def status_page(
    page: str,
    stamp: StateStamp,
    template: str,
    build: Callable[[], dict],
    *,
    around: Callable[[KeptPart], dict] | None = None,
    personal_around: bool = False,
    per_role: bool = True,
    **context,
) -> Response:
    """A status page: the part `build` renders, kept per state, visibility, role and language, inside `template`
    rendered for this reader (and kept for their next view: `_wrapper`). `around`, given the part, returns what
    the page shows around it for this reader alone (worked out from what the part kept); it is asked only when
    that page is rendered, not when it is kept from the reader's previous view, so whatever it reads must move
    the stamp (a party's private business: named as `state_stamp`'s `around`).
    `personal_around`: the page around the part holds what must be rendered for each view (single-use forms, the
    reader's own discussion): it is never kept, not even for the same reader. `per_role`: see `kept_part`."""
    part, stale = kept_part(page, stamp, build, per_role=per_role)
    context["kept_stale"] = stale
    token = _form_token()
    wrapper = _wrapper(template, stamp, part, context, token, keep=not personal_around, around=around)
    if _accepts_gzip():
        response = Response(wrapper.gzip(part, token), mimetype="text/html")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(wrapper.html(part, token), mimetype="text/html")
    response.vary.add("Accept-Encoding")
    if stale:
        response.headers["Cache-Control"] = "no-store"  # the next view must ask again
    return response


# The page around a part, kept per reader -------------------------------------------------------------------------


class _Weighed(Protocol):
    @property
    def weight(self) -> int: ...


Kept = TypeVar("Kept", bound=_Weighed)


class BoundedStore(Generic[Kept]):
    """Things this worker keeps (pages around parts; with Redis, its own copies of parts), least recently used
    first, bounded in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.used = 0
        self._kept: OrderedDict[Hashable, Kept] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Kept | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def put(self, key: Hashable, kept: Kept) -> None:
        with self._lock:
            if (replaced := self._kept.pop(key, None)) is not None:
                self.used -= replaced.weight
            if kept.weight > self.max_bytes:
                return
            self._kept[key] = kept
            self.used += kept.weight
            while self.used > self.max_bytes:
                _key, evicted = self._kept.popitem(last=False)
                self.used -= evicted.weight

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self.used = 0

    def __len__(self) -> int:
        return len(self._kept)


#: The pages around parts one worker keeps (a few kilobytes each: some thousands of reader-page pairs).
WRAPPER_MAX_BYTES = 16 * 1024 * 1024


class _Unkeyed(Exception):
    """A value of the page around a part that cannot be part of a key: that page is rendered, not kept."""


def _fingerprint(value: Any) -> Any:
    """A hashable stand-in that is equal exactly when `value` renders the same: plain values as they are (with their
    type: 1, 1.0 and True print differently), containers item by item in their order, the open negotiation by its
    id (whatever of it a page shows changes the state stamp, which is part of the key)."""
    if value is None or isinstance(value, (str, int, float, dt.date, dt.time, enum.Enum)):
        return (type(value).__name__, value)
    if isinstance(value, dict):
        return ("dict", tuple((_fingerprint(k), _fingerprint(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("list", tuple(_fingerprint(v) for v in value))
    if value is not None and value is g.get("open_negotiation"):
        return ("negotiation", value.id)
    raise _Unkeyed


def _wrapper_key(template: str, stamp: StateStamp, part: KeptPart, context: dict) -> tuple | None:
    """Everything the page around a part shows, or None when it is not to be kept (a message to show once, a form
    sent back, a value of no known kind)."""
    if request.method not in ("GET", "HEAD") or session.get("_flashes") or not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()  # read a dozen times: once through the proxy
    party = user.party
    negotiation = g.get("open_negotiation")
    try:
        return (
            template,
            tuple(stamp),
            str(get_locale()),
            current_slug(),
            negotiation.short_title if negotiation is not None else None,
            request.script_root,
            request.full_path,
            request.endpoint,
            # The reader: who they are, what the menu shows of them, and their bell.
            user.id,
            user.display_name,
            user.role.value,
            user.party_id,
            party.code if party is not None else None,
            user.language,
            unread_notifications(),
            _fingerprint(part.fields),
            _fingerprint(context),
        )
    except _Unkeyed:
        return None


def _wrapper(
    template: str,
    stamp: StateStamp,
    part: KeptPart,
    context: dict,
    token: str,
    *,
    keep: bool,
    around: Callable[[KeptPart], dict] | None = None,
) -> Wrapper:
    """The page around `part` for this reader: kept from their previous view when nothing it shows has changed,
    else rendered with a slot for the form token (and kept, unless not to `keep`). What `around` adds is in the
    stamp (see `status_page`), which is part of the key: it is asked only to render."""
    wrappers: BoundedStore[Wrapper] = current_app.extensions["mou_wrapper_store"]
    key = _wrapper_key(template, stamp, part, context) if keep else None
    if key is not None and (kept := wrappers.get(key)) is not None:
        return kept
    if around is not None:
        context = {**context, **around(part)}
    html = render_template(
        template,
        **context,
        **part.fields,
        body=Markup(_SLOT),  # noqa: S704  (a comment of ours)
        csrf_token=lambda: _TOKEN_SLOT,
    )
    wrapper = Wrapper.of(html)
    # A token the template took from elsewhere (a macro imported without context) is this session's: never kept.
    if key is not None and token not in html:
        wrappers.put(key, wrapper)
    return wrapper


def rendered(template: str, **context) -> Markup:
    """A partial template rendered to HTML that another template includes as it is (Jinja escaped it already)."""
    return Markup(render_template(template, **context))  # noqa: S704  (autoescaped template output)


def clear() -> None:
    """Forget every kept part: this worker's, and those in Redis (not another worker's copies of them, which lapse
    with MOU_CACHE_TTL_SECONDS). The benchmark measures first views with it, in one process."""
    if has_app_context():
        store().clear()
        current_app.extensions["mou_wrapper_store"].clear()
