"""The contract every search backend must meet (run against each factory in conftest.FACTORIES)."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import datetime

import pytest

from kb.search import (
    IndexBusyError,
    SearchError,
    SearchQueryError,
    SearchResult,
    get_backend_class,
)
from tests.search.conftest import CORPUS, make_doc

BY_SLUG = {d.slug: d for d in CORPUS}


def slugs(result: SearchResult) -> list[str]:
    return [h.slug for h in result.hits]


def test_unknown_backend_name_is_a_value_error():
    with pytest.raises(ValueError, match="unknown search backend"):
        get_backend_class("elasticsearch")


# index / remove / rebuild ------------------------------------------------------------


def test_rebuild_returns_count_and_fills_ids_and_health(backend):
    assert backend.ids() == {d.id for d in CORPUS}
    health = backend.health()
    assert health["ok"] is True
    assert health["documents"] == len(CORPUS)
    assert isinstance(health["last_commit_at"], datetime)
    assert health["last_commit_at"].utcoffset() is not None
    assert health["detail"] is None


def test_rebuild_replaces_everything(backend):
    keep = [BY_SLUG["bruising"], BY_SLUG["infection"]]
    assert backend.rebuild(iter(keep)) == 2
    assert backend.ids() == {d.id for d in keep}
    assert backend.search("sun").total == 0
    assert slugs(backend.search("bruising")) == ["bruising"]


def test_rebuild_reports_progress(empty_backend):
    seen: list[int] = []
    assert empty_backend.rebuild(CORPUS, progress=seen.append) == len(CORPUS)
    assert seen
    assert seen[-1] == len(CORPUS)


def test_index_adds_and_moves_last_commit(backend):
    before = backend.health()["last_commit_at"]
    time.sleep(0.01)
    doc = make_doc("milia", "complication", "Milia", "Small white bumps that may appear after treatment.")
    backend.index([doc])
    health = backend.health()
    assert health["documents"] == len(CORPUS) + 1
    assert health["last_commit_at"] > before
    assert doc.id in backend.ids()
    assert slugs(backend.search("milia")) == ["milia"]


def test_index_of_existing_id_replaces_it(backend):
    old = BY_SLUG["bruising"]
    new = dataclasses.replace(old, title="Bruising and Ecchymosis", summary="Purple marks.", body="")
    backend.index([new])
    assert backend.health()["documents"] == len(CORPUS)
    assert backend.search("purple").hits[0].title == "Bruising and Ecchymosis"
    assert backend.search("harmless").total == 0  # the old summary is gone


def test_remove_is_idempotent(backend):
    gone = BY_SLUG["infection"]
    backend.remove([gone.id])
    backend.remove([gone.id, "00000000-0000-0000-0000-000000000000"])
    backend.remove([])
    assert gone.id not in backend.ids()
    assert backend.health()["documents"] == len(CORPUS) - 1
    assert "infection" not in slugs(backend.search("infection"))


def test_index_works_before_any_rebuild(empty_backend):
    empty_backend.index([BY_SLUG["bruising"]])
    assert slugs(empty_backend.search("bruising")) == ["bruising"]


def test_missing_index_is_reported_and_rebuild_fixes_it(empty_backend):
    health = empty_backend.health()
    assert health["ok"] is False
    assert health["documents"] == 0
    assert health["detail"]
    assert empty_backend.ids() == set()
    with pytest.raises(SearchError):
        empty_backend.search("infection")
    empty_backend.rebuild(CORPUS)
    assert empty_backend.health()["ok"] is True
    assert slugs(empty_backend.search("infection"))[0] == "infection"


# relevance -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("infection", "infection"),
        ("bruises", "bruising"),  # stemming
        ("bruise", "bruising"),
        ("infecton", "infection"),  # one typo
        ("brusing", "bruising"),
        ("sun", "avoid-sun-exposure"),
        ("erythema", "excessive-redness"),  # synonyms
        ("ecchymosis", "bruising"),
        ('"sun exposure"', "avoid-sun-exposure"),  # phrase
        ("infection xyzzyq", "infection"),  # an unknown word does not empty the result
        ("smelling", "smelling-salts"),  # exact beats the typo match "swelling"
        ("infe", "infection"),  # unfinished last word
        ("INFECTION", "infection"),
        ("Needle depth", "needle-depth-adjustment"),
    ],
)
def test_relevance(corpus_backend, query, first):
    assert slugs(corpus_backend.search(query))[0] == first


def test_sun_is_the_top_hit(corpus_backend):
    result = corpus_backend.search("sun")
    assert slugs(result)[:1] == ["avoid-sun-exposure"]


def test_typo_match_ranks_below_exact_match(corpus_backend):
    result = slugs(corpus_backend.search("smelling"))
    assert result[0] == "smelling-salts"
    assert "infection" in result[1:]  # "swelling" is one edit away


def test_documents_with_all_words_rank_first(corpus_backend):
    assert slugs(corpus_backend.search("fever swelling"))[0] == "infection"
    # no document has all three words: those with more of them come first
    result = slugs(corpus_backend.search("pus fever sunlight"))
    assert result[0] == "infection"
    assert set(result) >= {"avoid-sun-exposure", "when-to-seek-professional-help"}


def test_phrase_requires_adjacent_words(corpus_backend):
    assert slugs(corpus_backend.search('"exposure sun"'))[:1] != ["avoid-sun-exposure"] or (
        corpus_backend.search('"exposure sun"').total == 0
    )
    assert corpus_backend.search('"sun exposure"').total >= 1


# filters, pagination, facets -------------------------------------------------------------


def test_filters(corpus_backend):
    assert set(slugs(corpus_backend.search("treatment", kind="aftercare"))) <= {
        d.slug for d in CORPUS if d.kind == "aftercare"
    }
    assert slugs(corpus_backend.search("infection", tag="hygiene")) == ["sterile-equipment-and-protocols"]
    assert slugs(corpus_backend.search("laser", locale="fr")) == ["laser-hair-removal"]
    assert corpus_backend.search("laser", locale="en").total == 0
    assert corpus_backend.search("infection", tag="no-such-tag").total == 0


def test_unknown_kind_is_a_query_error(corpus_backend):
    with pytest.raises(SearchQueryError):
        corpus_backend.search("infection", kind="recipe")


def test_pagination(corpus_backend):
    full = corpus_backend.search("treatment", per_page=100)
    assert full.total == len(full.hits) >= 4
    paged = []
    for page in range(1, full.total + 1):
        result = corpus_backend.search("treatment", page=page, per_page=1)
        assert result.total == full.total
        paged += slugs(result)
    assert paged == slugs(full)
    assert corpus_backend.search("treatment", page=full.total + 1, per_page=1).hits == []


@pytest.mark.parametrize("paging", [{"page": 0}, {"page": -1}, {"per_page": 0}, {"per_page": 101}])
def test_bad_paging_is_a_query_error(corpus_backend, paging):
    with pytest.raises(SearchQueryError):
        corpus_backend.search("infection", **paging)


def test_facets_count_all_matches(corpus_backend):
    result = corpus_backend.search("infection")
    assert result.facets["kind"] == {"aftercare": 1, "complication": 1, "technique": 1}
    assert result.facets["tags"]["infection"] == 1
    assert result.facets["tags"]["hygiene"] == 1
    assert sum(result.facets["kind"].values()) == result.total


def test_facets_count_the_same_on_the_bitmask_path(corpus_backend, monkeypatch):
    expected = corpus_backend.search("treatment").facets
    if corpus_backend.name == "whoosh":
        monkeypatch.setattr("kb.search.view.FACET_MASK_MIN", 0)
    assert corpus_backend.search("treatment").facets == expected


def test_facets_ignore_their_own_filter(corpus_backend):
    result = corpus_backend.search("infection", kind="complication")
    assert result.total == 1
    assert result.facets["kind"]["aftercare"] == 1  # other kinds stay visible
    assert result.facets["tags"] == {"infection": 1}  # tags follow the kind filter


# highlights ----------------------------------------------------------------------------


def test_highlights_mark_matches_per_field(corpus_backend):
    hit = corpus_backend.search("bruising").hits[0]
    assert hit.highlights["title"] == "<mark>Bruising</mark>"
    other = [k for k in hit.highlights if k != "title"]
    assert len(other) == 1
    assert other[0] in {"summary", "details", "body"}
    assert "<mark>" in hit.highlights[other[0]]


def test_title_highlight_is_plain_when_the_match_is_elsewhere(corpus_backend):
    hit = next(h for h in corpus_backend.search("fever").hits if h.slug == "infection")
    assert hit.highlights["title"] == "Infection"
    assert "<mark>fever</mark>" in hit.highlights["summary"]


def test_highlights_escape_html(backend):
    doc = make_doc(
        "xss",
        "complication",
        "Redness <script>alert(1)</script> & Co",
        "Summary <b>bold</b> redness.",
        "Body <script>steal()</script> with redness inside.",
    )
    backend.index([doc])
    hit = next(h for h in backend.search("redness").hits if h.slug == "xss")
    assert "<script>" not in hit.highlights["title"]
    assert hit.highlights["title"].startswith("<mark>Redness</mark> &lt;script&gt;")
    assert "&amp; Co" in hit.highlights["title"]
    body_hit = next(h for h in backend.search("steal").hits if h.slug == "xss")
    assert body_hit.highlights["body"].count("&lt;script&gt;") == 1
    assert "<script>" not in body_hit.highlights["body"]


# did you mean, suggest -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("infecton", "infection"),
        ("brusing", "bruising"),
        ("infecton swelling", "infection swelling"),
        ("infection", None),
        ("xyzzyq", None),
    ],
)
def test_did_you_mean(corpus_backend, query, suggestion):
    assert corpus_backend.search(query).suggestion == suggestion


@pytest.mark.parametrize(
    ("prefix", "first"),
    [
        ("inf", "Infection"),
        ("bru", "Bruising"),
        ("sun", "Avoid Sun Exposure"),
        ("INF", "Infection"),
        ("ÉXCES", "Excessive Redness"),
        ("avoid su", "Avoid Sun Exposure"),
    ],
)
def test_suggest_first(corpus_backend, prefix, first):
    assert corpus_backend.suggest(prefix)[0].title == first


def test_suggest_ordering(corpus_backend):
    titles = [s.title for s in corpus_backend.suggest("s", limit=50)]
    starts = [t for t in titles if t.lower().startswith("s")]
    assert titles[: len(starts)] == starts  # title starts with the prefix first
    assert starts == sorted(starts, key=lambda t: (len(t), t))  # then shorter, then alphabetical
    assert "Avoid Sun Exposure" in titles[len(starts) :]
    assert [s.title for s in corpus_backend.suggest("av")] == [
        "Avoid Sun Exposure",
        "Avoid Harsh Skincare Products",
    ]


def test_suggest_limits_and_locale(corpus_backend):
    assert corpus_backend.suggest("") == []
    assert corpus_backend.suggest("   ") == []
    assert len(corpus_backend.suggest("a", limit=1)) == 1
    assert [s.slug for s in corpus_backend.suggest("las", locale="fr")] == ["laser-hair-removal"]
    assert corpus_backend.suggest("las", locale="en") == []
    suggestion = corpus_backend.suggest("bru")[0]
    assert (suggestion.slug, suggestion.kind) == ("bruising", "complication")
    with pytest.raises(SearchQueryError):
        corpus_backend.suggest("inf", limit=0)


# hostile input -------------------------------------------------------------------------


HOSTILE = [
    '"',
    '""',
    '"sun',
    'sun"',
    '"sun exposure',
    'a"b"c"d',
    "title:x",
    "kind:complication",
    "body:",
    ":::",
    "(infection",
    "infection)",
    "[bruising]",
    "{x}",
    "AND",
    "OR",
    "NOT",
    "infection AND",
    "NOT bruising",
    "OR OR OR",
    "*",
    "inf*",
    "*ection",
    "?",
    "infe?tion",
    "~",
    "bruising~",
    "bruising~2",
    "^",
    "sun^3",
    "+sun -redness",
    "-",
    "\\",
    '\\\\"',
    "/",
    "%",
    "'",
    "''",
    "`rm -rf`",
    "$(x)",
    "<script>alert(1)</script>",
    "Œdème",
    "crème brûlée",
    "naïve café",
    "🙂",
    "🙂 infection 🙂",
    "皮肤感染",
    "感染 infection",
    "العدوى",
    "\u200b",
    "\u0000",
    "a\u0000b",
    "\t\n infection \r\n",
    "x" * 500,
    "infection " * 55,
    "e.g.",
    "0.5mm",
    "48",
    "-1",
    "1e309",
    "NaN",
    "null",
    "None",
    "%00",
    "&amp;",
    "a & b",
    "redness | bruising",
    "redness || bruising",
    "redness && bruising",
    "sun exposure " * 30,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_input_gives_results_or_a_query_error(corpus_backend, query):
    try:
        result = corpus_backend.search(query)
    except SearchQueryError:
        return
    assert isinstance(result, SearchResult)
    assert result.total >= len(result.hits)


@pytest.mark.parametrize("query", ["", " ", "\t\n ", "x" * 501, "x" * 1000])
def test_empty_or_too_long_query_is_a_query_error(corpus_backend, query):
    with pytest.raises(SearchQueryError):
        corpus_backend.search(query)


@pytest.mark.parametrize("prefix", ['"', "title:", "🙂", "皮", "\u0000", "*", "x" * 1000, "(", "Œ"])
def test_hostile_suggest_prefix(corpus_backend, prefix):
    assert isinstance(corpus_backend.suggest(prefix), list)


# concurrency -----------------------------------------------------------------------------


def test_index_busy_while_another_instance_rebuilds(backend_factory):
    writer = backend_factory(lock_timeout=0.5)
    writer.rebuild(CORPUS)
    other = backend_factory(lock_timeout=0.3)
    started, release = threading.Event(), threading.Event()

    def slow_docs():
        yield CORPUS[0]
        started.set()
        release.wait(10)
        yield from CORPUS[1:]

    rebuild = threading.Thread(target=writer.rebuild, args=(slow_docs(),))
    rebuild.start()
    try:
        assert started.wait(10)
        t0 = time.monotonic()
        with pytest.raises(IndexBusyError):
            other.index([make_doc("late", "aftercare", "Late Update")])
        assert time.monotonic() - t0 < 0.3 + 1
        with pytest.raises(IndexBusyError):
            other.remove([CORPUS[0].id])
    finally:
        release.set()
        rebuild.join(30)
    other.index([make_doc("late", "aftercare", "Late Update")])  # the retry lands in the new index
    assert slugs(writer.search("late update"))[0] == "late"


def test_other_instance_sees_a_swapped_rebuild(backend_factory):
    first = backend_factory()
    first.rebuild(CORPUS)
    reader = backend_factory()
    assert slugs(reader.search("infection"))[0] == "infection"
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_searching():
        while not stop.is_set():
            try:
                reader.search("bruising")
                reader.suggest("bru")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
                return

    searching = threading.Thread(target=keep_searching)
    searching.start()
    try:
        first.rebuild([make_doc("keloid", "complication", "Keloid Scarring", "Raised scars.")])
    finally:
        stop.set()
        searching.join(10)
    assert errors == []
    assert slugs(reader.search("keloid")) == ["keloid"]
    assert reader.search("infection").total == 0
    assert reader.health()["documents"] == 1
    assert [s.title for s in reader.suggest("kel")] == ["Keloid Scarring"]


def test_other_instance_sees_incremental_updates(backend_factory):
    first = backend_factory()
    first.rebuild(CORPUS)
    reader = backend_factory()
    assert reader.search("milia").total == 0
    first.index([make_doc("milia", "complication", "Milia", "Small white bumps.")])
    assert slugs(reader.search("milia")) == ["milia"]
    assert reader.suggest("mil")[0].slug == "milia"
    first.remove([BY_SLUG["bruising"].id])
    assert reader.search("bruising").total == 0
