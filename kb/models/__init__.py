"""Database models; importing this package registers every table on ``db.metadata``."""

from kb.models.article import Article, LiveArticle
from kb.models.audit import AuditEvent
from kb.models.change import Change
from kb.models.entry import KINDS, STATUSES, Entry, LiveEntry, LiveEntryTag
from kb.models.outbox import SearchOutbox
from kb.models.revision import Revision
from kb.models.token import ROLES, ApiToken

__all__ = [
    "KINDS",
    "ROLES",
    "STATUSES",
    "ApiToken",
    "Article",
    "AuditEvent",
    "Change",
    "Entry",
    "LiveArticle",
    "LiveEntry",
    "LiveEntryTag",
    "Revision",
    "SearchOutbox",
]
