"""The opaque sync cursor: base64url JSON with a version, strictly checked when read back."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from marshmallow import ValidationError

from kb.schemas.common import LOCALE_PATTERN
from kb.schemas.details import SLUG_PATTERN

VERSION = 1
MAX_LENGTH = 1000
MAX_ID = 10**18
_LOCALE = re.compile(LOCALE_PATTERN)
_SLUG = re.compile(SLUG_PATTERN)
_INVALID = "Not a cursor this API returned: start again with an initial sync (locale=)."


@dataclass(frozen=True)
class Cursor:
    """Where an app is. ``initial``: paging the initial sync fixed at change ``at``, after item
    ``after`` (``(type, slug)``, none on the first page). ``delta``: every change up to ``at`` is
    reflected in what the app holds. ``procedure``: the sync holds only content of that procedure."""

    phase: Literal["initial", "delta"]
    chain: tuple[str, ...]
    at: int
    after: tuple[str, str] | None = None
    procedure: str | None = None


def encode(cursor: Cursor) -> str:
    body: dict[str, Any] = {"v": VERSION, "p": cursor.phase, "c": list(cursor.chain), "s": cursor.at}
    if cursor.after is not None:
        body["a"] = list(cursor.after)
    if cursor.procedure is not None:
        body["r"] = cursor.procedure
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(text: str) -> Cursor:
    """The cursor ``text`` encodes; ``ValidationError`` for anything :func:`encode` did not make."""
    if (
        not isinstance(text, str)
        or not 0 < len(text) <= MAX_LENGTH
        or not re.fullmatch(r"[A-Za-z0-9_-]+", text)
    ):
        raise ValidationError(_INVALID)
    try:
        body = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):
        raise ValidationError(_INVALID) from None
    if not isinstance(body, dict) or body.get("v") != VERSION:
        raise ValidationError(_INVALID)
    phase, chain, at, after = body.get("p"), body.get("c"), body.get("s"), body.get("a")
    procedure = body.get("r")
    keys = {"v", "p", "c", "s"} | ({"a"} if phase == "initial" and "a" in body else set())
    keys |= {"r"} if "r" in body else set()
    valid = (
        set(body) == keys
        and phase in ("initial", "delta")
        and isinstance(chain, list)
        and 0 < len(chain) <= 10
        and all(isinstance(tag, str) and _LOCALE.fullmatch(tag) for tag in chain)
        and len(set(chain)) == len(chain)
        and type(at) is int
        and 0 <= at < MAX_ID
        and (after is None or _valid_after(after))
        and (procedure is None or (isinstance(procedure, str) and _is_slug(procedure)))
    )
    if not valid:
        raise ValidationError(_INVALID)
    return Cursor(phase, tuple(chain), at, tuple(after) if after is not None else None, procedure)  # type: ignore[arg-type]


def _is_slug(text: str) -> bool:
    return len(text) <= 120 and _SLUG.fullmatch(text) is not None


def _valid_after(after: Any) -> bool:
    return (
        isinstance(after, list)
        and len(after) == 2
        and after[0] in ("entry", "article", "procedure")
        and isinstance(after[1], str)
        and len(after[1]) <= 120
        and _SLUG.fullmatch(after[1]) is not None
    )
