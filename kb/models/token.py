"""API tokens: only a SHA-256 hash of the secret is stored."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.types import UTCDateTime, utcnow

ROLES = ("editor", "publisher", "admin")
PUBLIC_ID_PREFIX = "tok_"


def new_public_id() -> str:
    """A random id for admin URLs (``tok_`` and 16 URL-safe characters): ids reveal no count or order."""
    return PUBLIC_ID_PREFIX + secrets.token_urlsafe(12)


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # internal only, never in the API
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    prefix: Mapped[str] = mapped_column(sa.String(16))  # first characters, to recognise a token
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.CheckConstraint(f"role IN {ROLES}", name="role"),)

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
