"""API tokens: long random secrets with a recognisable prefix, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from kb.errors import ConflictError, NotFoundError
from kb.extensions import db
from kb.models import ROLES, ApiToken
from kb.models.types import utcnow

TOKEN_PREFIX = "kb_"
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last_used_at is not rewritten on every request
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(name: str, role: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is shown this once and never stored."""
    if db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise ConflictError(f"A token named {name!r} already exists.", errors={"name": ["Already used."]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name, role=role, prefix=secret[:10], token_hash=_hash(secret), expires_at=expires_at
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def authenticate(secret: str) -> ApiToken | None:
    """The active token whose secret this is, or None. Its hash is compared in constant time."""
    digest = _hash(secret)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest))
    now = utcnow()
    if token is None or not hmac.compare_digest(token.token_hash, digest) or not token.is_active(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()  # its own small write, kept whatever the request then does
    return token


def allows(token: ApiToken, role: str) -> bool:
    """Roles are ordered: editor < publisher < admin."""
    return ROLE_RANK[token.role] >= ROLE_RANK[role]


def list_tokens() -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))


def get(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFoundError(f"No token with id {token_id}.")
    return token


def revoke(token_id: int) -> ApiToken:
    token = get(token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token
