"""Database models; importing this package registers every table on ``db.metadata``."""

from kb.models.article import Article, LiveArticle
from kb.models.entry import KINDS, STATUSES, Entry, LiveEntry, LiveEntryTag

__all__ = ["KINDS", "STATUSES", "Article", "Entry", "LiveArticle", "LiveEntry", "LiveEntryTag"]
