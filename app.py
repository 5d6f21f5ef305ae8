"""Entry point for `flask --app app ...` and WSGI servers."""

from mou_tracker import create_app

app = create_app()
