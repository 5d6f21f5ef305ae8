"""Benchmarks at three sizes, on SQLite and PostgreSQL: `python -m bench --help`."""
