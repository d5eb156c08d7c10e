"""What each kind of match is worth, the same in both backends (the PostgreSQL one mirrors the Whoosh one).

A query is split into units (words, phrases, multi-word synonyms); a unit matches its exact stems and,
at lower weight, its synonyms, typo variants and, for the word still being typed, title words it begins.
"""

from __future__ import annotations

# Searchable text fields and their query-time boosts (title > summary = tags > details > body).
# Boosts are applied to query terms, not baked into postings: BM25 saturates term frequency, so an
# index-time field_boost would not scale scores linearly.
FIELD_BOOSTS: dict[str, float] = {"title": 6.0, "summary": 3.0, "tags_text": 3.0, "details": 1.5, "body": 1.0}
MAX_UNITS = 12  # words or phrases used from one query; the rest is ignored
MAX_COMPLETIONS = 8  # title words an unfinished last word may stand for
TYPO_FACTORS = {1: 0.3, 2: 0.15}  # exact matches always outrank typo matches
SYNONYM_FACTOR = 0.8
PREFIX_FACTOR = 0.5
BODY_PHRASE_FACTOR = 0.5  # the body keeps no positions: there a "phrase" only means "all the words"
