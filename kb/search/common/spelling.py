"""Spelling rules both backends' vocabularies follow: which words are kept, typo budgets, edit distance.

Typo rule (as Meilisearch): words of 5-8 characters allow one edit, 9 or more allow two, shorter words
none; the first character must match (checked by the callers' candidate lookups).
"""

from __future__ import annotations

from kb.search.common.text import STOP_WORDS

MIN_WORD, MAX_WORD = 2, 40


def max_edits(word: str) -> int:
    """Edits allowed for a query word of this length."""
    return 2 if len(word) >= 9 else 1 if len(word) >= 5 else 0


def keep_word(word: str) -> bool:
    """Whether a word belongs in the vocabulary (letters only, 2-40 of them, not a stop word)."""
    return MIN_WORD <= len(word) <= MAX_WORD and word.isalpha() and word not in STOP_WORDS


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (adjacent transpositions count 1), or ``limit + 1`` if above."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        ca = a[i - 1]
        for j in range(1, len(b) + 1):
            cb = b[j - 1]
            cost = 0 if ca == cb else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]
