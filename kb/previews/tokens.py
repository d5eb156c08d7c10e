"""Preview tokens: ``kbp_`` and an itsdangerous-signed payload naming one object (type, id, slug), its
locale and draft version, and when the token expires. Nothing is stored: the signature is the proof,
made with ``KB_PREVIEW_SECRET`` (never an admin token's secret, which are stored hashed)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from kb.errors import UnauthorizedError

PREFIX = "kbp_"
HEADER = "KB-Preview-Token"
_SALT = "kb.preview.v1"
_KEY_FILE = "preview-secret"  # in the instance folder, when KB_PREVIEW_SECRET is not set


@dataclass(frozen=True)
class Grant:
    """What a valid token lets its holder read."""

    object_type: str  # "entry" | "article"
    object_id: str
    slug: str
    locale: str
    version: int
    expires_at: datetime


def issue(
    object_type: str, object_id: str, slug: str, locale: str, version: int, ttl: int
) -> tuple[str, Grant]:
    """A new token for one draft version, valid ``ttl`` seconds."""
    expires = int(time.time()) + ttl
    payload = {"t": object_type, "i": object_id, "s": slug, "l": locale, "v": version, "e": expires}
    grant = Grant(object_type, object_id, slug, locale, version, datetime.fromtimestamp(expires, UTC))
    return PREFIX + _serializer().dumps(payload), grant


def verify(token: str) -> Grant:
    """The grant of a token; 401 when it is malformed, altered, signed with another key or expired."""
    if not token.startswith(PREFIX):
        raise PreviewUnauthorized(f"Not a preview token: they start with {PREFIX!r}.")
    try:
        payload: dict[str, Any] = _serializer().loads(token[len(PREFIX) :])
        grant = Grant(
            payload["t"],
            payload["i"],
            payload["s"],
            payload["l"],
            int(payload["v"]),
            datetime.fromtimestamp(int(payload["e"]), UTC),
        )
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise PreviewUnauthorized("The preview token is invalid: it was altered or not made here.") from exc
    if grant.expires_at.timestamp() <= time.time():
        raise PreviewUnauthorized("The preview token has expired; ask for a new preview link.")
    return grant


class PreviewUnauthorized(UnauthorizedError):
    """401 for a preview token; its challenge names the preview header, not the admin bearer token."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": f'{HEADER} realm="kb-preview"'}


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(_secret(), salt=_SALT)


def _secret() -> str:
    config = current_app.config
    if config["KB_PREVIEW_SECRET"]:
        return str(config["KB_PREVIEW_SECRET"])
    cached = config.get("_KB_PREVIEW_KEY")
    if cached:
        return str(cached)
    path = Path(config["KB_INSTANCE_PATH"]) / _KEY_FILE
    try:
        path.touch(mode=0o600, exist_ok=False)  # exactly one process writes it
        path.write_text(secrets.token_urlsafe(32))
    except FileExistsError:
        pass
    key = ""
    for _ in range(50):  # another process created it and is writing it
        key = path.read_text().strip()
        if key:
            break
        time.sleep(0.01)
    if not key:
        raise RuntimeError(f"{path} is empty: delete it, or set KB_PREVIEW_SECRET")
    config["_KB_PREVIEW_KEY"] = key
    return key
