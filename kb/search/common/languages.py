"""Analysis languages: which language's rules (stemmer, stop words, synonyms file) analyse a text.

A document's ``language`` (a BCP 47 tag, e.g. ``es`` or ``pt-BR``) picks its analysis by the primary
subtag; tags of other languages are analysed as English, as every text was before languages existed.
The Whoosh backend uses Whoosh's Snowball stemmers and stop words (English: Porter and
:data:`kb.search.common.text.STOP_WORDS`), the PostgreSQL backend one text search configuration per
language (``kb_search`` for English, ``kb_search_<code>`` for the others), each folding accents first.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

DEFAULT_LANGUAGE = "en"
# analysis code -> PostgreSQL's Snowball configuration of that language (Whoosh has a stemmer for each)
LANGUAGES: dict[str, str] = {
    "en": "english",
    "es": "spanish",
    "pt": "portuguese",
    "fr": "french",
    "de": "german",
    "it": "italian",
    "nl": "dutch",
}


def analysis_language(tag: str | None) -> str:
    """The analysis code for a BCP 47 tag ("pt-BR" -> "pt", "es" -> "es", unknown -> "en")."""
    primary = str(tag or "").replace("_", "-").split("-", 1)[0].strip().lower()
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def analysis_languages(tags: Iterable[str] | None) -> tuple[str, ...]:
    """The distinct analysis codes of ``tags`` in order (a locale chain: "es", "en" -> ("es", "en"))."""
    return tuple(dict.fromkeys(analysis_language(t) for t in tags or ()))


def synonyms_path(default: str | os.PathLike | None, language: str) -> str | None:
    """The synonyms file of ``language``: ``synonyms.<code>.txt`` beside the default file when it exists
    (``seed/synonyms.es.txt``), else the default file itself (None: no synonyms)."""
    if not default:
        return None
    base = Path(default)
    if language != DEFAULT_LANGUAGE:
        own = base.with_name(f"{base.stem}.{language}{base.suffix}")
        if own.is_file():
            return str(own)
    return str(base)
