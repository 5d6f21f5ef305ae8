"""Benchmarks at three sizes, on SQLite and PostgreSQL: `python -m mou_tracker.bench --help`."""
