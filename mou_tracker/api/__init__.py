"""The JSON API under /api/v1 (see framework.py for how an operation is declared)."""
