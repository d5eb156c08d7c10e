"""Optimistic concurrency for editors: an object's version ETag, and the If-Match a write must carry.

Every admin write is conditional on the ETag of the caller's last read (``*`` matches any version):
without an If-Match it is refused (428) unless the write makes it optional; with a stale one it is
refused (412). The version column then makes the UPDATE itself conditional, so of concurrent writers
that passed this check exactly one wins (kb.errors answers the loser's StaleDataError with 412 too).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import ETags

from kb.errors import PreconditionFailedError, PreconditionRequiredError


def etag(obj: Any) -> str:
    """Changes whenever the draft, its status or its live version changes."""
    key = f"{obj.id}:{obj.version}:{obj.status}:{obj.live_version}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class IfMatch:
    """The If-Match a write was sent with, and whether the write requires one."""

    etags: ETags
    required: bool = True

    def check(self, obj: Any) -> None:
        """Refuse the write unless ``obj`` is still the version the caller read."""
        if not self.etags:
            if self.required:
                raise PreconditionRequiredError(
                    "This request must be conditional: send If-Match with the ETag of your last read."
                )
            return
        if not (self.etags.star_tag or self.etags.contains(etag(obj))):
            raise PreconditionFailedError(
                "The object changed since you read it (ETag mismatch): read it again and reapply your edit."
            )
