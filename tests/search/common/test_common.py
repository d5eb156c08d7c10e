"""Unit tests of the code both backends share: parsing, "did you mean", synonyms, highlights, text."""

from __future__ import annotations

import pytest

from kb.search.base import SearchQueryError
from kb.search.common.highlight import best_fragment, highlight_title
from kb.search.common.parsing import did_you_mean, parse
from kb.search.common.spelling import max_edits
from kb.search.common.synonyms import SynonymMap
from kb.search.common.text import flatten_details, markdown_to_text
from kb.search.whoosh.analysis import stem_analyzer
from kb.search.whoosh.vocabulary import Vocabulary
from tests.search.conftest import SYNONYMS

ANALYZER = stem_analyzer()


def stems(text: str) -> list[str]:
    return [t.text for t in ANALYZER(text)]


@pytest.mark.parametrize(
    ("word", "edits"),
    [("sun", 0), ("pain", 0), ("swell", 1), ("infecton", 1), ("pigmentat", 2), ("hyperpigmentaton", 2)],
)
def test_typo_budget_follows_word_length(word, edits):
    assert max_edits(word) == edits


def test_synonym_map_parses_groups_by_stem():
    smap = SynonymMap.parse(SYNONYMS.read_text(), stems)
    assert ("red",) in smap.alternatives(stems("erythema"))
    assert ("ecchymosi",) in smap.alternatives(stems("bruises"))
    assert tuple(stems("collagen induction therapy")) in smap.alternatives(stems("microneedling"))
    assert smap.longest_match(stems("collagen induction therapy now"), 0) == 3
    assert SynonymMap.parse("# only a comment\nlonely\n", stems).groups == []


def test_parse_hostile_text():
    smap = SynonymMap()
    assert [u.stems for u in parse('title:x AND "sun  exposure', ANALYZER, smap).units] == [
        ("titl",),
        ("sun",),
        ("exposur",),
    ]
    phrase = parse('"sun exposure" now', ANALYZER, smap).units[0]
    assert phrase.quoted
    assert phrase.stems == ("sun", "exposur")
    assert parse("infe", ANALYZER, smap).units[0].prefix
    assert not parse("infe ", ANALYZER, smap).units[0].prefix
    assert parse("🙂 the ", ANALYZER, smap).units == []
    for bad in ("", "   ", "x" * 501):
        with pytest.raises(SearchQueryError):
            parse(bad, ANALYZER, smap)


def test_did_you_mean_keeps_the_rest_of_the_query():
    vocab = Vocabulary({"infection": 3, "swelling": 2, "after": 1})
    parsed = parse("Infecton AFTER swelling", ANALYZER, SynonymMap())
    assert did_you_mean(parsed, vocab) == "infection AFTER swelling"
    assert did_you_mean(parse("infe", ANALYZER, SynonymMap()), vocab) is None  # still typing


def test_highlight_escapes_and_marks():
    expected = "<mark>Redness</mark> &lt;b&gt;&amp;&lt;/b&gt;"
    assert highlight_title("Redness <b>&</b>", {"red"}, ANALYZER) == expected
    assert highlight_title("Bruising", set(), ANALYZER) == "Bruising"
    long_text = "Intro words here. " * 40 + "Then <script>x</script> redness appears." + " Tail." * 40
    fragment = best_fragment(long_text, {"red"}, ANALYZER)
    assert "<mark>redness</mark>" in fragment
    assert "&lt;script&gt;" in fragment
    assert fragment.startswith("\u2026")
    assert fragment.endswith("\u2026")
    assert best_fragment("Nothing to see", {"red"}, ANALYZER) is None


def test_text_helpers():
    markdown = "# Title\n\n- **bold** [link](http://x) <i>raw</i>"
    assert markdown_to_text(markdown) == "Title\n\nbold link <i>raw</i>"
    details = {
        "severity": "mild",
        "warning_signs": [{"sign": "fever", "action": "seek_care_promptly"}],
        "hours": 48,
    }
    assert flatten_details(details) == "mild. fever. seek care promptly. 48"


def test_analysis_language_follows_the_primary_subtag(tmp_path):
    from kb.search.common.languages import analysis_language, analysis_languages, synonyms_path

    assert analysis_language("es") == "es"
    assert analysis_language("pt-BR") == "pt"
    assert analysis_language("PT_br") == "pt"
    assert analysis_language("xx") == analysis_language(None) == analysis_language("") == "en"
    assert analysis_languages(["pt-BR", "pt", "en"]) == ("pt", "en")
    default = tmp_path / "synonyms.txt"
    default.write_text("a, b\n")
    assert synonyms_path(default, "es") == str(default)  # no file of its own: the default
    (tmp_path / "synonyms.es.txt").write_text("c, d\n")
    assert synonyms_path(default, "es") == str(tmp_path / "synonyms.es.txt")
    assert synonyms_path(default, "en") == str(default)
    assert synonyms_path(None, "es") is None


def test_urgent_warnings_keep_only_urgent_actions():
    from kb.search.base import URGENT_ACTIONS
    from kb.search.common.text import urgent_warnings

    details = {
        "warning_signs": [
            {"sign": "Fever", "action": "seek_care_promptly"},
            {"sign": "Mild redness", "action": "self_care"},
            {"sign": 3, "action": "seek_care_promptly"},
            "garbage",
        ]
    }
    assert urgent_warnings(details, URGENT_ACTIONS) == (("Fever", "seek_care_promptly"),)
    assert urgent_warnings(None, URGENT_ACTIONS) == ()
    assert urgent_warnings({"warning_signs": "x"}, URGENT_ACTIONS) == ()
