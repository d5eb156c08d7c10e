"""Per-field highlights: matched words in ``<mark>``, everything else HTML-escaped.

Whoosh's highlighter only marks a field when the match was in that field and walks every token
through a fragmenter; here each field is highlighted on its own, from the stems the query looked
for. A regex on stem prefixes proposes the first match, the analyzer confirms it, and only a short
window around it is analysed and formatted, which keeps a page of 20 hits at a few milliseconds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from functools import lru_cache

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
ELLIPSIS = "\u2026"
SNIPPET_CHARS = 200  # length of a fragment
LEAD_CHARS = 60  # context kept before the first match


def _escape(text: str) -> str:
    """Escaped for HTML text and attribute values alike (quotes too), wherever a client puts it."""
    return html.escape(text, quote=True)


def mark(text: str, stems: Collection[str], analyzer) -> tuple[str, int]:
    """``text`` escaped, with words whose stem is in ``stems`` marked; and the number of marks."""
    if text.isascii():  # only words the stem regex proposes go through the analyzer
        probe = _probe(frozenset(stems))
        spans = (m.span() for m in probe.finditer(text) if _is_match(m.group(), stems, analyzer))
    else:
        tokens = analyzer(text, chars=True, mode="query")
        spans = ((t.startchar, t.endchar) for t in tokens if t.text in stems)
    out: list[str] = []
    pos = marks = 0
    for start, end in spans:
        out.append(_escape(text[pos:start]))
        out.append(MARK_OPEN + _escape(text[start:end]) + MARK_CLOSE)
        pos = end
        marks += 1
    out.append(_escape(text[pos:]))
    return "".join(out), marks


def _is_match(word: str, stems: Collection[str], analyzer) -> bool:
    found = _stem_of(word, analyzer)
    return found is not None and found in stems


_STEMS: dict[tuple[int, str], str | None] = {}  # (id(analyzer), word) -> its only stem, or None
_ANALYZERS: dict[int, object] = {}  # keeps the analyzers behind those ids alive


def _stem_of(word: str, analyzer) -> str | None:
    """The stem of a word the probe proposed, if it analyses to exactly one (memoised)."""
    key = (id(analyzer), word)
    try:
        return _STEMS[key]
    except KeyError:
        pass
    if len(_STEMS) > 100_000 or len(_ANALYZERS) > 64:
        _STEMS.clear()
        _ANALYZERS.clear()
    _ANALYZERS.setdefault(id(analyzer), analyzer)
    found = [t.text for t in analyzer(word, mode="query")]
    _STEMS[key] = stem = found[0] if len(found) == 1 else None
    return stem


def highlight_title(title: str, stems: Collection[str], analyzer) -> str:
    """The whole title, escaped, with matched words marked."""
    return mark(title, stems, analyzer)[0] if stems else _escape(title)


def best_fragment(text: str, stems: Collection[str], analyzer) -> str | None:
    """A passage of about SNIPPET_CHARS around the first match in ``text`` (marked, escaped), or None."""
    if not text or not stems:
        return None
    start = _first_match(text, stems, analyzer)
    if start is None:
        return None
    begin = 0 if start <= LEAD_CHARS else text.find(" ", start - LEAD_CHARS, start) + 1 or start
    end = begin + SNIPPET_CHARS
    if end < len(text):
        cut = text.rfind(" ", begin + SNIPPET_CHARS // 2, end)
        end = cut if cut > 0 else end
    else:
        end = len(text)
    body, marks = mark(text[begin:end], stems, analyzer)
    if not marks:
        return None
    return (ELLIPSIS if begin else "") + body.strip() + (ELLIPSIS if end < len(text) else "")


def _first_match(text: str, stems: Collection[str], analyzer) -> int | None:
    if not text.isascii():  # folding may change lengths: look at every token
        for token in analyzer(text, chars=True, mode="query"):
            if token.text in stems:
                return token.startchar
        return None
    for found in _probe(frozenset(stems)).finditer(text):
        if _is_match(found.group(), stems, analyzer):
            return found.start()
    return None


@lru_cache(maxsize=512)
def _probe(stems: frozenset[str]) -> re.Pattern:
    # Porter stems are word prefixes except for a final "i" ("dai" for "days").
    heads = sorted({s[:-1] if s.endswith("i") and len(s) > 2 else s for s in stems})
    return re.compile(r"\b(?:" + "|".join(map(re.escape, heads)) + r")\w*(?:\.\w+)*", re.IGNORECASE)
