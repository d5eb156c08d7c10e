"""Database models; importing this package registers every table on ``db.metadata``."""

from kb.models.article import Article, LiveArticle
from kb.models.audit import AuditEvent
from kb.models.change import Change
from kb.models.entry import KINDS, STATUSES, Entry, LiveEntry, LiveEntryTag
from kb.models.generation import ContentGeneration
from kb.models.job import Job, JobData
from kb.models.outbox import SearchOutbox
from kb.models.procedure import ChangeProcedure, LiveArticleProcedure, LiveEntryProcedure, Procedure
from kb.models.revision import Revision
from kb.models.schedule import SCHEDULE_ACTIONS, SCHEDULE_STATUSES, ScheduledAction
from kb.models.search_event import SearchClick, SearchQueryCount
from kb.models.sync_horizon import SyncHorizon
from kb.models.token import ROLES, ApiToken
from kb.models.translation import LiveTranslation, Translation
from kb.models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "KINDS",
    "ROLES",
    "SCHEDULE_ACTIONS",
    "SCHEDULE_STATUSES",
    "STATUSES",
    "ApiToken",
    "Article",
    "AuditEvent",
    "Change",
    "ChangeProcedure",
    "ContentGeneration",
    "Entry",
    "Job",
    "JobData",
    "LiveArticle",
    "LiveArticleProcedure",
    "LiveEntry",
    "LiveEntryProcedure",
    "LiveEntryTag",
    "LiveTranslation",
    "Procedure",
    "Revision",
    "ScheduledAction",
    "SearchClick",
    "SearchOutbox",
    "SearchQueryCount",
    "SyncHorizon",
    "Translation",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
