"""Text handling shared by indexing, querying and highlighting: analyzers, folding, plain-text helpers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    NgramFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.support.charset import accent_map

# Words, with inner dots kept ("0.5", "e.g"); unlike Whoosh's default, "*" is not part of a word.
TOKEN_PATTERN = r"\w+(?:\.\w+)*"
MAX_TOKEN_CHARS = 50
EDGE_MIN, EDGE_MAX = 2, 20

_WORD_RE = re.compile(TOKEN_PATTERN)


def stem_analyzer():
    """Lower-case, accent-fold, drop stop words, Porter-stem: the analyzer of every searchable text field."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(minsize=2, maxsize=MAX_TOKEN_CHARS)
        | StemFilter(cachesize=100_000)
    )


def vocab_analyzer():
    """Like :func:`stem_analyzer` without stemming: the unstemmed words used for typos and "did you mean"."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(minsize=2, maxsize=MAX_TOKEN_CHARS)
    )


def edge_analyzer():
    """Every prefix (EDGE_MIN..EDGE_MAX chars) of every folded word: cheap prefix search on titles."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | NgramFilter(EDGE_MIN, EDGE_MAX, at="start")
    )


def fold(text: str) -> str:
    """Lower-case and strip accents the way the analyzers do ("Œdème" -> "oedeme")."""
    return text.lower().translate(accent_map)


def words(text: str) -> list[str]:
    """The folded words of ``text`` (no stop-word removal, no stemming)."""
    return _WORD_RE.findall(fold(text))


def clean_control(text: str) -> str:
    """Replace control and format characters (NUL, bidi marks...) with spaces."""
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs") else ch for ch in text)


_MD_RULES = [
    (re.compile(r"^\s{0,3}```.*$", re.M), ""),  # code fences
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images -> alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links -> link text
    (re.compile(r"^\s{0,3}#{1,6}\s+", re.M), ""),  # heading markers
    (re.compile(r"^\s{0,3}>\s?", re.M), ""),  # blockquotes
    (re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.M), ""),  # list markers
    (re.compile(r"(\*\*|__|`+|~~)"), ""),  # strong, code, strike-through markers
]


def markdown_to_text(markdown: str) -> str:
    """Drop the commonest Markdown syntax so snippets read as prose; raw HTML is kept (and escaped later)."""
    text = markdown or ""
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_ENUM_RE = re.compile(r"^[a-z]+(?:_[a-z]+)+$")


def flatten_details(details: object) -> str:
    """Flatten kind-specific ``details`` (nested dicts/lists) into plain text for the ``details`` field.

    Only values are kept (keys are structure, not content); enum-like values such as
    ``seek_care_promptly`` become words.
    """
    parts: list[str] = []

    def walk(value: object) -> None:
        if value is None or isinstance(value, bool):
            return
        if isinstance(value, str):
            text = value.strip()
            if text:
                parts.append(text.replace("_", " ") if _ENUM_RE.match(text) else text)
        elif isinstance(value, (int, float)):
            parts.append(str(value))
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, Iterable):
            for item in value:
                walk(item)

    walk(details)
    return ". ".join(parts)
