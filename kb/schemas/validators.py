"""Validators and fields shared by every schema, exact where marshmallow's are lenient.

- :class:`FullMatch`: a ``Regexp`` that must match the whole value. Python's ``$`` also matches before
  a final newline, so ``re.match("^[a-z]+$", "bruising\\n")`` passes; the OpenAPI document keeps the
  ``^...$`` pattern, which in JSON Schema (ECMA-262) already means the whole value.
- :class:`UtcDateTime`: an RFC 3339 date-time with an offset that must also exist in UTC (years 1 to
  9999): ``9999-12-31T23:59:59-05:00`` is a valid string, but no database can store it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError, fields, validate


class FullMatch(validate.Regexp):
    """``validate.Regexp`` matching the entire value (``re.fullmatch``)."""

    def __call__(self, value: str) -> str:
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class UtcDateTime(fields.AwareDateTime):
    """An aware date-time, converted to UTC; refused when that falls outside years 1 to 9999."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError(
                "Out of range: in UTC the time must fall between 0001-01-01 and 9999-12-31."
            ) from None
