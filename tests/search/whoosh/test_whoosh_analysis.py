"""The analyzer's shared tables are still Whoosh's: accent folding and stop words decide which stems an
index holds, so a copy that drifted would make existing indexes miss words."""

from __future__ import annotations

from whoosh.analysis import STOP_WORDS as WHOOSH_STOP_WORDS
from whoosh.support.charset import accent_map

from kb.search.common.accents import ACCENT_MAP
from kb.search.common.text import STOP_WORDS, fold
from kb.search.whoosh.analysis import stem_analyzer


def test_accent_table_is_whooshs():
    assert accent_map == ACCENT_MAP


def test_stop_words_hold_whooshs_list():
    assert WHOOSH_STOP_WORDS <= STOP_WORDS
    assert {"which", "yourselves", "about"} <= STOP_WORDS


def test_fold_and_stem():
    assert fold("Naïve CRÈME brûlée") == "naive creme brulee"
    assert [t.text for t in stem_analyzer()("Naïve after the Crème")] == ["naiv", "creme"]
