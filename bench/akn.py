"""The Akoma Ntoso export at treaty scale (issue #17 item 6): times for BENCHMARKS.md.

    .venv/bin/python -m bench.akn [SIZE] [DATABASE_URL]

Builds the synthetic negotiation (bench/synthetic.py; treaty: 300 clauses, 60,000 words, 5,000 amendments of which
the tabled ones go into the file) into the given database (by default a new SQLite file), then downloads the export
as a chair signed in, in English and in Russian, with the tabled amendments and without, five times each.
"""

from __future__ import annotations

import statistics
import sys
import time

from . import synthetic


def main(size: str = "treaty", url: str | None = None) -> None:
    client = synthetic.signed_in_client(synthetic.app_with_size(size, url, "akn.sqlite3"))
    for language in ("en", "ru"):
        for amendments in ("tabled", "none"):
            times = []
            for _ in range(5):
                start = time.perf_counter()
                response = client.get(
                    f"/n/synthetic-{size}/exports/akoma-ntoso.xml?language={language}&amendments={amendments}"
                )
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.get_data(as_text=True)[:300]
            count = response.get_data().count(b"<amendment ")
            print(
                f"akoma-ntoso.xml {language} amendments={amendments}: first {times[0]:.0f} ms, median of the rest "
                f"{statistics.median(times[1:]):.0f} ms, {len(response.data) / 1024:.0f} KB, {count} amendments"
            )


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  (a text stream)
    main(*sys.argv[1:])
