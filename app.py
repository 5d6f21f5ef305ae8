"""Entry point for `flask --app app ...` and WSGI servers."""

import gc

from mou_tracker import create_app

app = create_app()
# What start-up made (modules, the app, its compiled templates and mappers) lives as long as the process: moved out
# of the collector's sight, a full collection under load scans only what requests made (each one took ~150 ms at
# treaty scale while a worker built a dashboard, stalling its other threads).
gc.freeze()
