"""Decoding JSON bodies into plain data every database can store, or a clear 4xx saying what to send.

Python's ``json`` accepts more than the service can keep: ``NaN`` and ``Infinity``, integers of any
length (past 4,300 digits ``int()`` refuses them with a ValueError), nesting until the interpreter's
recursion limit, lone surrogates (``"\\ud800"``, which no UTF-8 encoder writes) and NUL characters
(which PostgreSQL text cannot hold). :func:`loads` refuses all of them: numbers and structure with 400,
text with 422 naming the field. Malformed JSON still raises ``json.JSONDecodeError`` as ``json.loads``
does, so callers keep their own message for it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from kb.errors import BadRequestError, ValidationFailed

MAX_DEPTH = 32  # objects and arrays inside each other; the deepest content shape needs 5
MAX_NUMBER_CHARS = 40  # more than any int64 or float the API documents
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class _Refused(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _int(text: str) -> int:
    _check_length(text)
    return int(text)


def _float(text: str) -> float:
    _check_length(text)
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"The number {text} is out of range; send finite numbers.")
    return value


def _check_length(text: str) -> None:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"A number has {len(text)} characters; send numbers of at most {MAX_NUMBER_CHARS}.")


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not JSON; send finite numbers, or null.")


def loads(text: str | bytes) -> Any:
    """``json.loads`` for request bodies: plain JSON data only, else BadRequestError/ValidationFailed."""
    try:
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except _Refused as exc:
        raise BadRequestError(exc.detail, errors={"json": [exc.detail]}) from None
    except RecursionError:
        value = None
        _too_deep()
    check(value)
    return value


def check(value: Any) -> None:
    """Refuse data nested deeper than MAX_DEPTH, or holding text with NUL or a lone surrogate."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item, path)
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                _too_deep()
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str):
                    _check_text(key, path or "(a key)")
                stack.append((child, f"{path}.{key}" if path else str(key), depth + 1))


def _check_text(text: str, path: str) -> None:
    found = _BAD_TEXT.search(text)
    if found is None:
        return
    char = found.group()
    what = "the NUL character (U+0000)" if char == "\x00" else f"a lone surrogate (U+{ord(char):04X})"
    message = f"Text may not hold {what}; send valid Unicode text without it."
    raise ValidationFailed(f"Invalid text in {path or 'the body'}.", errors={path or "_schema": [message]})


def _too_deep() -> None:
    detail = f"The JSON body is nested too deeply; send at most {MAX_DEPTH} levels of objects and arrays."
    raise BadRequestError(detail, errors={"json": [detail]})
