"""Benchmark: the whole-draft redline at treaty scale, next to diff-match-patch's own diff of the same pairs.

    python -m mou_tracker.bench [--clauses 300] [--words 60000] [--changed 0.05] [--repeat 3]

Builds a synthetic draft (words drawn from the demo MoU's own vocabulary), changes a share of its words, and
times, over the same clause pairs:
- diff-match-patch alone, character level (Diff_Timeout=0, as the engine runs it);
- diff-match-patch alone, word level (each distinct word one character, the linesToChars technique);
- the redline engine (tokenise, diff, fold, merge: the segments a page renders);
- the whole service: `whole_draft_redline` between two dates on a fresh SQLite database, queries included.
Prints a table; `--json FILE` also writes the numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from diff_match_patch import diff_match_patch

from . import demo_text
from .core.redline import Redline, tokenize


def vocabulary() -> list[str]:
    words: list[str] = []
    for spec in _walk(demo_text.DRAFT):
        words += re.findall(r"[A-Za-z]+", spec["en"])
    return words


def _walk(specs):
    for spec in specs:
        yield spec
        yield from _walk(spec["children"])


def synthetic_pairs(clauses: int, words: int, changed: float, seed: int = 2024) -> list[tuple[str, str]]:
    """`clauses` texts totalling `words` words, each with `changed` of its words replaced, inserted or deleted."""
    rng = random.Random(seed)  # noqa: S311  (reproducible test data, not security)
    pool = vocabulary()
    per_clause = words // clauses
    pairs = []
    for _ in range(clauses):
        old = [rng.choice(pool) for _ in range(per_clause)]
        new = list(old)
        for _ in range(max(1, round(per_clause * changed))):
            i = rng.randrange(len(new))
            action = rng.random()
            if action < 0.6:
                new[i] = rng.choice(pool)
            elif action < 0.8:
                new.insert(i, rng.choice(pool))
            else:
                del new[i]
        pairs.append((" ".join(old) + ".", " ".join(new) + "."))
    return pairs


def _dmp() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0
    return dmp


def dmp_char(pairs) -> None:
    dmp = _dmp()
    for old, new in pairs:
        dmp.diff_main(old, new, False)


def dmp_word(pairs) -> None:
    dmp = _dmp()
    for old, new in pairs:
        codes: dict[str, str] = {}
        a = "".join(codes.setdefault(t, chr(0xF0000 + len(codes))) for t in tokenize(old))
        b = "".join(codes.setdefault(t, chr(0xF0000 + len(codes))) for t in tokenize(new))
        dmp.diff_main(a, b, False)


def engine(pairs) -> None:
    for old, new in pairs:
        Redline.between(old, new, "CICA")


def timed(fn, pairs, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(pairs)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def service_time(pairs, repeat: int) -> float:
    """whole_draft_redline between the two dates on a real (SQLite) database holding these clauses."""
    from . import create_app
    from .core.clause_kinds import ClauseKind
    from .core.roles import Role
    from .extensions import db
    from .models import Clause, ClauseText, ClauseVersion, Instrument, InstrumentLanguage, Party, User
    from .services.redlines import Point, whole_draft_redline

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.path.join(tmp, 'bench.sqlite3')}", "SECRET_KEY": "bench"}
        )
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            party = Party(code="CICA", name="CICA Secretariat")
            user = User(login="bench", display_name="Bench", role=Role.chair, party=party)
            user.password_hash = "!"  # noqa: S105  (no password: no one signs in to a benchmark database)
            instrument = Instrument(title="Treaty", short_title="Treaty")
            instrument.languages.append(InstrumentLanguage(code="en", name="English", required=True))
            db.session.add_all([party, user, instrument])
            db.session.flush()
            first, second = dt.datetime(2024, 3, 1, tzinfo=dt.UTC), dt.datetime(2024, 3, 20, tzinfo=dt.UTC)
            for position, (old, new) in enumerate(pairs):
                clause = Clause(
                    instrument_id=instrument.id, wid=f"c-{position}", position=position, kind=ClauseKind.article
                )
                for seq, (text, when) in enumerate(((old, first), (new, second)), start=1):
                    version = ClauseVersion(seq=seq, reason="bench", created_by=user, created_at=when)
                    version.texts.append(ClauseText(language="en", body=text))
                    clause.versions.append(version)
                db.session.add(clause)
            db.session.commit()
            user_id = user.id
            runs = []
            for _ in range(repeat):
                db.session.expunge_all()
                start = time.perf_counter()
                result = whole_draft_redline(
                    db.session, db.session.get(User, user_id), Point("date", "2024-03-10"), Point("date", "2024-03-21")
                )
                runs.append(time.perf_counter() - start)
                assert result.count("changed") == sum(1 for o, n in pairs if o != n)
            return statistics.median(runs)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clauses", type=int, default=300)
    parser.add_argument("--words", type=int, default=60_000)
    parser.add_argument("--changed", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    pairs = synthetic_pairs(args.clauses, args.words, args.changed)
    chars = sum(len(o) for o, _ in pairs)
    rows = {
        "diff-match-patch, character level": timed(dmp_char, pairs, args.repeat),
        "diff-match-patch, word level": timed(dmp_word, pairs, args.repeat),
        "redline engine (word level, rendered segments)": timed(engine, pairs, args.repeat),
        "whole-draft redline service (SQLite, queries included)": service_time(pairs, args.repeat),
    }
    word_level = rows["diff-match-patch, word level"]
    print(f"{args.clauses} clauses, {args.words:,} words ({chars:,} characters), {args.changed:.0%} of words changed")
    print(f"{'measure':58} {'median s':>9} {'x dmp word':>10}")
    for name, seconds in rows.items():
        print(f"{name:58} {seconds:9.3f} {seconds / word_level:10.2f}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"clauses": args.clauses, "words": args.words, "changed": args.changed, "seconds": rows}, indent=2
            )
        )


if __name__ == "__main__":
    main()
