"""API tokens: long random secrets with a recognisable prefix, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from kb.errors import ConflictError, NotFoundError, ValidationFailed
from kb.extensions import db
from kb.models import ROLES, ApiToken
from kb.models.types import utcnow
from kb.services.unit_of_work import unit_of_work

TOKEN_PREFIX = "kb_"
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last_used_at is not rewritten on every request
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(
    name: str, role: str, expires_at: datetime | None = None, *, actor: str | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is shown this once and never stored."""
    if expires_at is not None and expires_at <= utcnow():
        raise ValidationFailed(
            "The token would be expired at once.",
            errors={"expires_at": ["Send a time in the future, or null for a token that does not expire."]},
        )
    with unit_of_work(
        "token.create", object_type="token", object_key=name, status=201, actor=actor, role=role
    ):
        if db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == name)) is not None:
            raise ConflictError(f"A token named {name!r} already exists.", errors={"name": ["Already used."]})
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            name=name, role=role, prefix=secret[:10], token_hash=_hash(secret), expires_at=expires_at
        )
        db.session.add(token)
    return token, secret


def authenticate(secret: str) -> ApiToken | None:
    """The active token whose secret this is, or None. Its hash is compared in constant time."""
    digest = _hash(secret)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest))
    now = utcnow()
    if token is None or not hmac.compare_digest(token.token_hash, digest) or not token.is_active(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        db.session.commit()  # end the read: the write is a transaction of its own (kb/database.py)
        token.last_used_at = now
        db.session.commit()  # its own small write, kept whatever the request then does
    return token


def allows(token: ApiToken, role: str) -> bool:
    """Roles are ordered: editor < publisher < admin."""
    return ROLE_RANK[token.role] >= ROLE_RANK[role]


def list_tokens() -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))


def get(public_id: str) -> ApiToken:
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.public_id == public_id))
    if token is None:
        raise NotFoundError(f"No token with id {public_id!r}; ids are listed by GET /api/v1/admin/tokens.")
    return token


def revoke(public_id: str) -> ApiToken:
    """Revoke a token; it stays listed, with revoked_at (revoking it again changes nothing)."""
    with unit_of_work("token.revoke", object_type="token", status=200) as work:
        token = get(public_id)
        work.object_key = token.name
        if token.revoked_at is None:
            token.revoked_at = utcnow()
    return token
