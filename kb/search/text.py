"""Text handling shared by indexing, querying and highlighting: analyzers, folding, plain-text helpers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from whoosh.analysis import STOP_WORDS as WHOOSH_STOP_WORDS
from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter import stem as porter_stem
from whoosh.support.charset import accent_map

# Words, with inner dots kept ("0.5", "e.g"); unlike Whoosh's default, "*" is not part of a word.
TOKEN_PATTERN = r"\w+(?:\.\w+)*"
MAX_TOKEN_CHARS = 50

_WORD_RE = re.compile(TOKEN_PATTERN)


def _words(text: str) -> list[str]:
    return text.split()


# English function words: Whoosh's short list plus the usual pronouns, auxiliaries, determiners and
# prepositions. They carry no meaning for search and are a quarter of a body's distinct words.
STOP_WORDS = WHOOSH_STOP_WORDS | frozenset(
    _words(
        """
        about above after again all also am any because been before being below between both but
        could did do does doing down during each few further had has having he her here hers herself
        him himself his how i into its itself just me more most my myself no nor now off once only
        other our ours ourselves out over own same she should so some such than their theirs them
        themselves then there these they those through too under until up very was were what where
        which while who whom why would yours yourself yourselves
        """
    )
)


class StemAnalyzer(Tokenizer):
    """Words -> lower case -> accent-folded -> stop words dropped -> Porter stems, in one pass.

    Equivalent to Whoosh's ``RegexTokenizer | LowercaseFilter | CharsetFilter | StopFilter |
    StemFilter`` chain but about three times faster, which matters for a 20k-document rebuild.
    Positions skip stop words (like ``StopFilter(renumber=True)``). With ``removestops=False``
    (highlighting) stop words are yielded with ``stopped=True``; ``nomorph=True`` skips stemming.
    The class is pickled into the index schema, so its import path is part of the index format.
    """

    is_morph = True

    def __init__(
        self, stoplist: Iterable[str] = STOP_WORDS, minsize: int = 2, maxsize: int = MAX_TOKEN_CHARS
    ):
        self.stops = frozenset(stoplist)
        self.minsize = minsize
        self.maxsize = maxsize
        self._stems: dict[str, str] = {}

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_stems"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._stems = {}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.__getstate__() == other.__getstate__()  # type: ignore

    def stem(self, word: str) -> str:
        stems = self._stems
        try:
            return stems[word]
        except KeyError:
            if len(stems) > 200_000:
                stems.clear()
            stems[word] = result = porter_stem(word)
            return result

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stops, minsize, maxsize = self.stops, self.minsize, self.maxsize
        morph = not kwargs.get("nomorph")
        pos = start_pos
        if tokenize and removestops and morph and not chars and not keeporiginal:
            yield from self._fast(token, value, positions, pos)
            return
        stem = self.stem
        matches = _WORD_RE.finditer(value) if tokenize else [_Whole(value)]
        for match in matches:
            original = match.group()
            text = original.lower()
            if not text.isascii():
                text = text.translate(accent_map)
            stopped = text in stops or not minsize <= len(text) <= maxsize
            if stopped and removestops:
                continue
            token.text = stem(text) if morph and not stopped else text
            token.stopped = stopped
            token.boost = 1.0
            if keeporiginal:
                token.original = original
            if positions:
                token.pos = pos
            if not stopped:
                pos += 1
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token

    def _fast(self, token: Token, value: str, positions: bool, pos: int):
        """The indexing path: fold the whole text once, then one findall; no offsets needed."""
        token.stopped = False
        token.boost = 1.0
        for text in self.stem_words(_WORD_RE.findall(fold(value))):
            token.text = text
            if positions:
                token.pos = pos
                pos += 1
            yield token

    def keeps(self, word: str) -> bool:
        """Whether a folded word is indexed (not a stop word, of an indexed length)."""
        return word not in self.stops and self.minsize <= len(word) <= self.maxsize

    def stem_words(self, folded: list[str]) -> list[str]:
        """The stems of ``folded`` words in order, stop words and words of other lengths dropped:
        what the analyzer indexes for a text whose folded words these are."""
        stops, minsize, maxsize = self.stops, self.minsize, self.maxsize
        stems, stem = self._stems, self.stem
        return [stems.get(w) or stem(w) for w in folded if w not in stops and minsize <= len(w) <= maxsize]


class _Whole:
    """Stands in for a regex match covering a whole untokenized value."""

    def __init__(self, value: str):
        self._value = value

    def group(self) -> str:
        return self._value

    def start(self) -> int:
        return 0

    def end(self) -> int:
        return len(self._value)


def stem_analyzer() -> StemAnalyzer:
    """The analyzer of every searchable text field."""
    return StemAnalyzer()


def fold(text: str) -> str:
    """Lower-case and strip accents the way the analyzer does ("Crème" -> "creme")."""
    text = text.lower()
    return text if text.isascii() else text.translate(accent_map)


def words(text: str) -> list[str]:
    """The folded words of ``text`` (no stop-word removal, no stemming)."""
    return _WORD_RE.findall(fold(text))


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
