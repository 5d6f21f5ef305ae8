"""Persistence: typed SQLAlchemy 2 models. Import from here so every table is registered."""

from . import immutability  # noqa: F401  (registers the flush guard)
from .amendments import Amendment, AmendmentComment, AmendmentRevision, AmendmentText
from .attributions import ClauseTextAttribution
from .audit import AuditEvent
from .base import Base
from .deadlines import DeadlineReminder
from .delegations import Delegation
from .discussion import AttachedTo, Attachment, AttachmentStore, ClausePost, ClausePostMention
from .instrument import (
    Clause,
    ClauseText,
    ClauseVersion,
    ImportPreview,
    Instrument,
    InstrumentAssignment,
    InstrumentLanguage,
    InstrumentParty,
)
from .meetings import MilestoneOutcome, MilestoneSnapshot
from .milestones import Milestone
from .notifications import Notification, OutboxMessage
from .parties import Party
from .reviews import Response, Review
from .roundtrip import RoundtripPreview
from .search import SearchEntry, SearchSource
from .stored_redlines import StoredRedline
from .tokens import ApiToken
from .users import SignInSession, User

__all__ = [
    "Amendment",
    "AmendmentComment",
    "AmendmentRevision",
    "AmendmentText",
    "ApiToken",
    "AttachedTo",
    "Attachment",
    "AttachmentStore",
    "AuditEvent",
    "Base",
    "Clause",
    "ClausePost",
    "ClausePostMention",
    "ClauseText",
    "ClauseTextAttribution",
    "ClauseVersion",
    "DeadlineReminder",
    "Delegation",
    "ImportPreview",
    "Instrument",
    "InstrumentAssignment",
    "InstrumentLanguage",
    "InstrumentParty",
    "Milestone",
    "MilestoneOutcome",
    "MilestoneSnapshot",
    "Notification",
    "OutboxMessage",
    "Party",
    "Response",
    "Review",
    "RoundtripPreview",
    "SearchEntry",
    "SearchSource",
    "SignInSession",
    "StoredRedline",
    "User",
]
