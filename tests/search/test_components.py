"""Unit tests of the pieces behind the Whoosh backend (no index needed)."""

from __future__ import annotations

import pytest

from kb.search.base import SearchQueryError
from kb.search.highlight import best_fragment, highlight_title
from kb.search.query import did_you_mean, parse
from kb.search.suggest import Card, TitleSuggester
from kb.search.synonyms import SynonymMap
from kb.search.text import flatten_details, markdown_to_text, stem_analyzer
from kb.search.vocab import Vocabulary, max_edits, osa_distance
from tests.search.conftest import SYNONYMS

ANALYZER = stem_analyzer()


def stems(text: str) -> list[str]:
    return [t.text for t in ANALYZER(text)]


def test_stemming_and_folding():
    assert stems("bruise bruises bruising Bruising") == ["bruis"] * 4
    assert stems("Crème the AND naïve x") == ["creme", "naiv"]


@pytest.mark.parametrize(
    ("word", "edits"),
    [("sun", 0), ("pain", 0), ("swell", 1), ("infecton", 1), ("pigmentat", 2), ("hyperpigmentaton", 2)],
)
def test_typo_budget_follows_word_length(word, edits):
    assert max_edits(word) == edits


def test_vocabulary_candidates():
    vocab = Vocabulary(
        {"infection": 9, "infections": 2, "bruising": 4, "swelling": 5, "smelling": 1, "hyperpigmentation": 3}
    )
    assert vocab.correct("infecton") == "infection"
    assert vocab.correct("ifnection") == "infection"  # transposition
    assert vocab.correct("hyprpigmentaton") == "hyperpigmentation"  # two edits from 9 letters
    assert vocab.correct("nfection") is None  # the first letter must match
    assert vocab.correct("swelling") is None  # known words are not corrected
    assert [w for w, _ in vocab.candidates("swelling")] == ["smelling"]
    assert vocab.candidates("sun") == []
    assert vocab.has_prefix("infe")
    assert not vocab.has_prefix("xyz")
    assert osa_distance("kitten", "sitting", 5) == 3


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


def test_title_suggester_ranking():
    titles = ["Avoid Sun Exposure", "Sunscreen", "Sun", "Bruising", "Sunburn After Peels", "Œdème"]
    sugg = TitleSuggester(Card(t, t.lower(), "aftercare", "en") for t in titles)
    assert [s.title for s in sugg.lookup("sun")] == [
        "Sun",
        "Sunscreen",
        "Sunburn After Peels",
        "Avoid Sun Exposure",
    ]
    assert [s.title for s in sugg.lookup("SUN E")] == ["Avoid Sun Exposure"]
    assert [s.title for s in sugg.lookup("oedeme")] == []  # "œ" is not folded
    assert [s.title for s in sugg.lookup("ŒDÈ")] == ["Œdème"]
    assert sugg.lookup("") == []
    assert sugg.lookup("s", limit=0) == []
    assert sugg.complete_word("su") == ["sun", "sunburn", "sunscreen"]


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
