"""Which warning signs an input names: a rule id as it is, or words analysed as search analyses a
query in the rule's language (kb.search.common.languages: folding, stop words, the language's stems,
and its synonyms file), never guessed.

A rule is named by one of its terms (or its own sign text) when every stem of the term is among the
input's stems or their synonyms, both analysed in the language the rule's entry is served in. When
several terms match, only the most specific stay: a term whose stems are a strict subset of another
matching term's is dropped ("intensifying redness" names the intensifying redness, not every redness).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import current_app

from kb.search import SearchQueryError
from kb.search.common.languages import analysis_language, synonyms_path
from kb.search.common.parsing import analyze, parse
from kb.search.common.synonyms import SynonymFile, SynonymMap
from kb.services.guidance.rules import Rule

if TYPE_CHECKING:
    from kb.search.whoosh.analysis import StemAnalyzer

EXTENSION = "kb.guidance.synonyms"


@functools.cache
def _analyzer(language: str) -> StemAnalyzer:
    """Search's analyzer of ``language``; pure Python, needs no index. Imported on first use, so that
    an instance searching in PostgreSQL loads Whoosh only if an app calls the check."""
    from kb.search.whoosh.analysis import stem_analyzer

    return stem_analyzer(language)


def _synonyms(language: str) -> SynonymMap:
    """Search's synonyms file of ``language`` (beside ``KB_SYNONYMS_PATH``), re-read when it changes."""
    files = current_app.extensions.setdefault(EXTENSION, {})
    file = files.get(language)
    if file is None:
        file = files[language] = SynonymFile(
            synonyms_path(current_app.config.get("KB_SYNONYMS_PATH"), language)
        )
    analyzer = _analyzer(language)
    return file.current(lambda raw: SynonymMap.parse(raw, lambda entry: analyze(analyzer, entry)))


def input_stems(words: str, language: str) -> frozenset[str]:
    """The stems of ``words`` and of their synonyms in ``language`` (empty when nothing to match)."""
    try:
        parsed = parse(words, _analyzer(language), _synonyms(language))
    except SearchQueryError:
        return frozenset()
    stems: set[str] = set()
    for unit in parsed.units:
        stems.update(unit.stems)
        for alternative in unit.alternatives:
            stems.update(alternative)
    return frozenset(stems)


def name_rules(inputs: Iterable[str], rules: list[Rule]) -> dict[str, list[str] | None]:
    """Each input (once) mapped to the ids of the rules it names, or None if it names none."""
    by_id = {rule["id"]: rule for rule in rules}
    terms = [
        (rule["id"], language, stems)
        for rule in rules
        for language in [analysis_language(rule["locale"])]
        for term in [*rule["terms"], rule["sign"]]
        if (stems := frozenset(analyze(_analyzer(language), term)))
    ]
    named: dict[str, list[str] | None] = {}
    for given in inputs:
        if given in named:
            continue
        if given in by_id:
            named[given] = [given]
            continue
        stems = {language: input_stems(given, language) for language in {t[1] for t in terms}}
        hits = [(rule_id, term) for rule_id, language, term in terms if term and term <= stems[language]]
        kept = [rule_id for rule_id, term in hits if not any(term < other for _, other in hits)]
        named[given] = list(dict.fromkeys(kept)) or None
    return named
