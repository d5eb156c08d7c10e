"""Unit tests of the Whoosh backend's in-memory structures (no index needed): the analyzer, the
vocabulary behind typo tolerance and "did you mean", the title suggester."""

from __future__ import annotations

from kb.search.common.spelling import osa_distance
from kb.search.whoosh.analysis import stem_analyzer
from kb.search.whoosh.titles import Card, TitleSuggester
from kb.search.whoosh.vocabulary import Vocabulary

ANALYZER = stem_analyzer()


def stems(text: str) -> list[str]:
    return [t.text for t in ANALYZER(text)]


def test_stemming_and_folding():
    assert stems("bruise bruises bruising Bruising") == ["bruis"] * 4
    assert stems("Crème the AND naïve x") == ["creme", "naiv"]


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
