"""Pure-Python domain core: no Flask, no SQLAlchemy.

Everything here can be imported and tested without an application or a database.
"""
