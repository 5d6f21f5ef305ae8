"""Use cases: one function per thing a user does.

Each checks permission, validates, calls the core, writes the audit event and flushes. None commits and
none touches the request: the view that calls it commits once.
"""

from . import notifications, search_index  # noqa: F401  (flush hooks: notifications, the search index)
