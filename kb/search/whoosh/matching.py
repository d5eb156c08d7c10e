"""Scoring one query unit over an index state: its exact stems, synonyms, typo variants, completions.

The units come from :func:`kb.search.common.parsing.parse`; the weights of each kind of match from
:mod:`kb.search.common.ranking`, which the PostgreSQL backend mirrors.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from kb.search.common.parsing import Unit, analyze
from kb.search.common.ranking import MAX_COMPLETIONS, PREFIX_FACTOR, SYNONYM_FACTOR, TYPO_FACTORS
from kb.search.whoosh.fields import FieldSet, field_set
from kb.search.whoosh.scoring import Scorer, Scores, combine_all
from kb.search.whoosh.titles import TitleSuggester
from kb.search.whoosh.vocabulary import Vocabulary


@dataclass
class UnitMatch:
    """The scores of one unit and the stems it looked for (for highlighting)."""

    unit: Unit
    scores: Scores
    stems: set[str] = field(default_factory=set)  # searched in every field
    title_stems: set[str] = field(default_factory=set)  # searched in the title only
    parts: int = 0  # terms and phrases that contributed
    key: tuple = ()  # identifies the unit's result in the scorer's cache


def match_unit(
    unit: Unit,
    scorer: Scorer,
    vocab: Vocabulary,
    titles: TitleSuggester,
    analyzer,
    fields: FieldSet | None = None,
) -> UnitMatch:
    """Score every document the unit matches in the fields of one language (default: English; empty
    scores: the unit matches nothing).

    The result depends only on the unit and the index state, so it is cached in the scorer: a
    popular word with its synonyms and typo variants costs one dict build the next time."""
    fields = fields or field_set("en")
    key = ("unit", fields.language, unit.words, unit.stems, unit.quoted, unit.prefix)
    key += (tuple(unit.alternatives),)
    hit = scorer.cached(key)
    if hit is not None:
        ids, scores, stems, title_stems = hit
        return UnitMatch(unit, dict(zip(ids, scores, strict=True)), set(stems), set(title_stems), key=key)
    result = _match_unit(unit, scorer, vocab, titles, analyzer, fields)
    result.key = key
    if result.parts > 1 or len(unit.stems) > 1:  # a single term is cached by the scorer already
        ids, scores = array("i", result.scores.keys()), array("d", result.scores.values())
        value = (ids, scores, frozenset(result.stems), frozenset(result.title_stems))
        scorer.remember(key, value)
    return result


def _match_unit(
    unit: Unit, scorer: Scorer, vocab: Vocabulary, titles: TitleSuggester, analyzer, fields: FieldSet
) -> UnitMatch:
    text = fields.text  # the fields of the unit's language
    acc: Scores = {}
    result = UnitMatch(unit, acc)
    stems = unit.stems
    result.parts = 1 + len(unit.alternatives)
    if len(stems) == 1:
        scorer.add_term(acc, stems[0], text)
        result.stems.add(stems[0])
    elif stems and unit.quoted:
        scorer.add_phrase(acc, stems, text)
        result.stems.update(stems)
    elif stems:  # unquoted words merged as a multi-word synonym: all of them, anywhere
        words = []
        for stem in stems:
            part: Scores = {}
            scorer.add_term(part, stem, text)
            words.append(part)
        for d, s in combine_all(words).items():
            acc[d] = s
        result.stems.update(stems)
    for alternative in unit.alternatives:
        scorer.add_phrase(acc, alternative, text, SYNONYM_FACTOR)
        result.stems.update(alternative)
    if not unit.quoted and len(unit.words) == 1:
        _add_typos(unit, scorer, vocab, analyzer, result, fields)
    if unit.prefix:
        _add_completions(unit, scorer, titles, analyzer, result, fields)
    return result


def _add_typos(
    unit: Unit, scorer: Scorer, vocab: Vocabulary, analyzer, result: UnitMatch, fields: FieldSet
) -> None:
    word = unit.words[0]
    limit = 2 if word in vocab else 4
    seen = set(unit.stems)
    for candidate, dist in vocab.candidates(word):
        stems = analyze(analyzer, candidate)
        if len(stems) != 1 or stems[0] in seen:
            continue
        seen.add(stems[0])
        scorer.add_term(result.scores, stems[0], fields.text, TYPO_FACTORS[dist])
        result.stems.add(stems[0])
        result.parts += 1
        limit -= 1
        if not limit:
            break


def _add_completions(
    unit: Unit, scorer: Scorer, titles: TitleSuggester, analyzer, result: UnitMatch, fields: FieldSet
) -> None:
    word = unit.words[-1]
    if len(word) < 2:
        return
    seen = set(unit.stems)
    for completion in titles.complete_word(word, MAX_COMPLETIONS):
        stems = analyze(analyzer, completion)
        if len(stems) != 1 or stems[0] in seen:
            continue
        seen.add(stems[0])
        scorer.add_term(result.scores, stems[0], (fields.title,), PREFIX_FACTOR)
        result.title_stems.add(stems[0])
        result.parts += 1
