"""Reading an import's body: a JSON document (``{"items": [...]}`` or a list) or NDJSON lines, as a
whole (small bodies) or streamed from byte chunks, one item in memory at a time."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from kb.errors import KbError, ValidationFailed
from kb.services import jsonbody

MAX_ITEM_BYTES = 16 << 20  # a single item larger than this is refused


def parse(text: str, *, ndjson: bool | None) -> list[Any]:
    """Raw items from a JSON document (``{"items": [...]}`` or a list) or from NDJSON lines.

    ``ndjson=None`` detects the format: a text that is not one JSON document is read as NDJSON.
    """
    if ndjson is None:
        try:
            return _items(jsonbody.loads(text))
        except json.JSONDecodeError:
            ndjson = True
    try:
        if ndjson:
            return [jsonbody.loads(line) for line in text.splitlines() if line.strip()]
        return _items(jsonbody.loads(text))
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"Not valid {'NDJSON' if ndjson else 'JSON'}: {exc}") from exc


def check_start(head: bytes) -> None:
    """Refuse at once a body whose first bytes (after whitespace) cannot start a JSON document or an
    NDJSON line of items: an import queued as a job would otherwise fail only once it ran."""
    start = head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")[:1]
    if start and start not in (b"{", b"["):
        raise ValidationFailed('Not valid JSON or NDJSON: send {"items": [...]}, a list, or lines of items.')


def _items(document: Any) -> list[Any]:
    if isinstance(document, dict) and "type" in document:
        return [document]  # a single NDJSON line
    if isinstance(document, dict) and (unknown := sorted(set(document) - {"items"})):
        raise ValidationFailed(
            f'Unknown top-level field(s): {", ".join(unknown)}; send {{"items": [...]}} only.',
            errors={name: ["Unknown field."] for name in unknown},
        )
    items = document.get("items") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise ValidationFailed('Expected a list of items, or {"items": [...]}.')
    return items


def stream(chunks: Iterable[bytes], *, ndjson: bool | None) -> Iterator[Any]:
    """Raw items read incrementally from byte chunks: NDJSON lines, or the items of a JSON document
    (``{"items": [...]}`` or a list), holding one item in memory at a time.

    ``ndjson=None`` detects the format: a body that starts as ``{"items":`` or ``[`` is a document.
    """
    reader = _Reader(iter(chunks))
    if ndjson is None:
        ndjson = not reader.starts_document()
    yield from reader.lines() if ndjson else reader.document_items()


class _Reader:
    """A buffer over byte chunks, decoded as UTF-8 text."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.buf = ""
        self.pos = 0
        self.eof = False

    def more(self) -> bool:
        if self.eof:
            return False
        if self.pos:
            self.buf, self.pos = self.buf[self.pos :], 0
        if len(self.buf) > MAX_ITEM_BYTES:
            raise ValidationFailed(f"An item is larger than {MAX_ITEM_BYTES >> 20} MB.")
        try:
            chunk = next(self._chunks, None)
            self.buf += self._decoder.decode(chunk or b"", final=chunk is None)
        except UnicodeDecodeError as exc:
            raise ValidationFailed(f"The body is not UTF-8: {exc}") from exc
        self.eof = chunk is None
        return True

    def skip_space(self) -> str:
        """The next non-space character ("" at the end), without consuming it."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos].isspace():
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def starts_document(self) -> bool:
        first = self.skip_space()
        if first == "[":
            return True
        if first != "{":
            return False
        while len(self.buf) - self.pos < 64 and self.more():
            pass
        return re.match(r'\{\s*"items"\s*:', self.buf[self.pos :]) is not None

    def lines(self) -> Iterator[Any]:
        number = 0
        while True:
            end = self.buf.find("\n", self.pos)
            if end < 0:
                if self.more():
                    continue
                end = len(self.buf)
                if self.pos >= end:
                    return
            line, self.pos = self.buf[self.pos : end], end + 1
            number += 1
            if line.strip():
                try:
                    yield jsonbody.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValidationFailed(f"Not valid NDJSON: line {number}: {exc}") from exc
                except KbError as exc:  # JSON the service cannot store (NaN, NUL, deep nesting)
                    raise ValidationFailed(f"Line {number}: {exc.detail}", errors=exc.errors) from exc

    def document_items(self) -> Iterator[Any]:
        if self.skip_space() == "{":
            self.pos += 1
            if not self.skip_space() == '"':
                raise ValidationFailed('Expected a list of items, or {"items": [...]}.')
            key = self.value()
            if key != "items" or self.skip_space() != ":":
                raise ValidationFailed('Expected a list of items, or {"items": [...]}.')
            self.pos += 1
            closing = "}"
        else:
            closing = ""
        if self.skip_space() != "[":
            raise ValidationFailed('Expected a list of items, or {"items": [...]}.')
        self.pos += 1
        if self.skip_space() == "]":
            self.pos += 1
        else:
            while True:
                yield self.value()
                separator = self.skip_space()
                self.pos += 1
                if separator == "]":
                    break
                if separator != ",":
                    raise ValidationFailed("Not valid JSON: expected , or ] between items.")
        if closing and self.skip_space() != closing:
            raise ValidationFailed('Not valid JSON: only {"items": [...]} is expected.')
        self.pos += len(closing)
        if self.skip_space():
            raise ValidationFailed("Not valid JSON: extra data after the document.")

    def value(self) -> Any:
        self.skip_space()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.more():
                    continue
                raise ValidationFailed(f"Not valid JSON: {exc}") from exc
            if end == len(self.buf) and not self.eof and self.more():
                continue  # a number may go on in the next chunk
            self.pos = end
            try:
                jsonbody.check(value)
            except KbError as exc:  # text the service cannot store (NUL), or nesting too deep
                raise ValidationFailed(exc.detail, errors=exc.errors) from exc
            return value


_DECODER = json.JSONDecoder()
