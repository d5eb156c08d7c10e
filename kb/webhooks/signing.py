"""Secrets and signatures, as the Standard Webhooks spec and its ``standardwebhooks`` library have them."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from math import floor

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """``whsec_`` and 32 random bytes in base64 (the spec's format)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def headers(event_id: str, at: datetime, body: str, signing_secrets: list[str]) -> dict[str, str]:
    """The three headers of one attempt: ``webhook-signature`` holds a signature per secret (the new
    and, during a rotation's overlap, the previous one), any of which a receiver may verify."""
    signatures = " ".join(Webhook(secret).sign(event_id, at, body) for secret in signing_secrets)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(floor(at.timestamp())),
        "webhook-signature": signatures,
    }
