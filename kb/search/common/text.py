"""Text rules both backends share: words, folding, stop words, plain text from Markdown and details.

The Whoosh analyzer (:mod:`kb.search.whoosh.analysis`) and the PostgreSQL vocabulary and title keys
are built on these, so the two backends agree on what a word is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping

from kb.search.common.accents import ACCENT_MAP

# Words, with inner dots kept ("0.5", "e.g"); unlike Whoosh's default, "*" is not part of a word.
TOKEN_PATTERN = r"\w+(?:\.\w+)*"
MAX_TOKEN_CHARS = 50

_WORD_RE = re.compile(TOKEN_PATTERN)


def _words(text: str) -> list[str]:
    return text.split()


# English function words: Whoosh's short list (``whoosh.analysis.STOP_WORDS``, the first two lines) plus
# the usual pronouns, auxiliaries, determiners and prepositions. They carry no meaning for search and are
# a quarter of a body's distinct words.
STOP_WORDS = frozenset(
    _words(
        """
        a an and are as at be by can for from have if in is it may not of on or tbd that the this to us
        we when will with yet you your
        about above after again all also am any because been before being below between both but
        could did do does doing down during each few further had has having he her here hers herself
        him himself his how i into its itself just me more most my myself no nor now off once only
        other our ours ourselves out over own same she should so some such than their theirs them
        themselves then there these they those through too under until up very was were what where
        which while who whom why would yours yourself yourselves
        """
    )
)


def fold(text: str) -> str:
    """Lower-case and strip accents the way the analyzer does ("Crème" -> "creme")."""
    text = text.lower()
    return text if text.isascii() else text.translate(ACCENT_MAP)


def words(text: str) -> list[str]:
    """The folded words of ``text`` (no stop-word removal, no stemming)."""
    return _WORD_RE.findall(fold(text))


def normalise(text: str) -> str:
    """Folded words joined by single spaces ("Pre-Treatment  Care" -> "pre treatment care")."""
    return " ".join(words(text))


def clean_tag(tag: str) -> str:
    """Tags are exact keys; commas separate them in the index, so they cannot be part of one."""
    return " ".join(str(tag).replace(",", " ").split())


def clean_control(text: str) -> str:
    """Replace control and format characters (NUL, bidi marks...) with spaces."""
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs") else ch for ch in text)


_MD_RULES = [  # (a substring that must be present, pattern, replacement)
    ("```", re.compile(r"^[ \t]{0,3}```.*$", re.M), ""),  # code fences
    ("](", re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links and images -> their text
    ("#", re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M), ""),  # heading markers
    (">", re.compile(r"^[ \t]{0,3}>[ \t]?", re.M), ""),  # blockquotes
    ("", re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+", re.M), ""),  # list markers
    ("", re.compile(r"\*\*|__|`+|~~"), ""),  # strong, code, strike-through markers
    ("\n\n\n", re.compile(r"\n{3,}"), "\n\n"),
]


def markdown_to_text(markdown: str) -> str:
    """Drop the commonest Markdown syntax so snippets read as prose; raw HTML is kept (and escaped later)."""
    text = markdown or ""
    for needle, pattern, repl in _MD_RULES:
        if needle in text:
            text = pattern.sub(repl, text)
    return text.strip()


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


def urgent_warnings(details: object, actions: Collection[str]) -> tuple[tuple[str, str], ...]:
    """The (sign, action) of each warning sign in ``details["warning_signs"]`` whose action is one of
    ``actions`` (for :attr:`kb.search.base.SearchDocument.urgent`), in order."""
    signs = details.get("warning_signs") if isinstance(details, Mapping) else None
    found: list[tuple[str, str]] = []
    for item in signs if isinstance(signs, list) else ():
        if isinstance(item, Mapping) and item.get("action") in actions and isinstance(item.get("sign"), str):
            found.append((item["sign"], item["action"]))
    return tuple(found)
