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
from kb.search.base import MAX_SUGGEST_LIMIT
from tests.search.conftest import CORPUS, FACTORIES, make_doc

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


def test_locale_filter_takes_several_keys(corpus_backend):
    """``locale`` may list keys: documents with any of them pass, and facets count only those."""
    assert slugs(corpus_backend.search("laser", locale=["fr", "de"])) == ["laser-hair-removal"]
    assert corpus_backend.search("laser", locale=("en", "de")).total == 0
    both = corpus_backend.search("infection", locale=["en", "fr"])
    assert both.total == corpus_backend.search("infection").total
    assert sum(both.facets["kind"].values()) == both.total
    assert corpus_backend.search("infection", locale=[]).total == 0
    assert [s.slug for s in corpus_backend.suggest("las", locale=["en", "fr"])] == ["laser-hair-removal"]
    assert corpus_backend.suggest("las", locale=["en"]) == []


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
    titles = [s.title for s in corpus_backend.suggest("s", limit=MAX_SUGGEST_LIMIT)]
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
    with pytest.raises(SearchQueryError, match=f"between 1 and {MAX_SUGGEST_LIMIT}"):
        corpus_backend.suggest("inf", limit=MAX_SUGGEST_LIMIT + 1)


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


# languages (issue 11) --------------------------------------------------------------------------

MIXED = [
    *CORPUS[:4],
    dataclasses.replace(
        make_doc(
            "infection",
            "complication",
            "Infección",
            "Las bacterias pueden entrar en los microcanales si la higiene es deficiente. Los signos "
            "incluyen más hinchazón, formación de pus o fiebre.",
            "La infección es una complicación posible cuando no se siguen las prácticas de higiene.",
            ("infection",),
            "signos de alarma: fiebre, pus. acudir al médico con prontitud",
            locale="es",
        ),
        language="es",
    ),
    dataclasses.replace(
        make_doc(
            "bruising",
            "complication",
            "Hematomas",
            "Los moratones leves suelen ser inofensivos y desaparecen rápido.",
            locale="es",
        ),
        language="es",
    ),
    dataclasses.replace(
        make_doc("infection", "complication", "Infecção", "Os sinais incluem febre e pus.", locale="pt-BR"),
        language="pt-BR",
    ),
]


@pytest.fixture(scope="module", params=sorted(FACTORIES))
def mixed_backend(request, tmp_path_factory):
    """A backend holding English, Spanish and Portuguese documents (read-only)."""
    b = FACTORIES[request.param](tmp_path_factory.mktemp("mixed") / "index", lock_timeout=0.5)
    b.rebuild(MIXED)
    yield b
    b.close()


def titles(result: SearchResult) -> list[str]:
    return [h.title for h in result.hits]


@pytest.mark.parametrize("query", ["infección", "infecciones", "infeccion", "INFECCIONES", "infecsion"])
def test_spanish_is_found_by_spanish_stems_accents_and_typos(mixed_backend, query):
    """Accents fold, Spanish endings stem (infecciones -> infeccion), a typo is tolerated."""
    result = mixed_backend.search(query, languages=["es", "en"], locale="es")
    assert titles(result)[:1] == ["Infección"]


def test_each_document_is_matched_by_its_own_languages_analysis(mixed_backend):
    # a chain searches each language's documents with that language's rules
    both = titles(mixed_backend.search("infecciones", languages=["es", "en"]))
    assert "Infección" in both
    assert "Infection" in titles(mixed_backend.search("infections", languages=["es", "en"]))
    # English analysis alone does not look at Spanish documents, nor Spanish at English ones
    assert "Infección" not in titles(mixed_backend.search("infecciones", languages=["en"]))
    assert "Infection" not in titles(mixed_backend.search("infection", languages=["es"]))
    # pt-BR is analysed as Portuguese ("febres" -> "febr"); accents are folded before stemming, as
    # PostgreSQL's unaccent must come first, so "infecções" and "infecção" keep distinct stems
    assert titles(mixed_backend.search("febres", languages=["pt-BR"])) == ["Infecção"]
    # without languages, every language the index holds is searched
    assert {"Infection", "Infección"} <= set(titles(mixed_backend.search("infection infección")))


def test_spanish_stop_words_do_not_empty_a_spanish_query(mixed_backend):
    result = mixed_backend.search("la infección de la piel", languages=["es"])
    assert titles(result)[:1] == ["Infección"]


def test_synonyms_per_language_file(mixed_backend):
    """seed/synonyms.es.txt serves Spanish: "moretón" finds the page that says "moratones"/"hematomas"."""
    assert titles(mixed_backend.search("moretón", languages=["es"])) == ["Hematomas"]
    # English queries keep the default file
    assert "Bruising" in titles(mixed_backend.search("ecchymosis", languages=["en"]))


def test_english_results_are_unchanged_by_other_languages(mixed_backend, corpus_backend):
    if type(mixed_backend) is not type(corpus_backend):
        pytest.skip("compares one backend kind with itself")
    for query in ("infection", "bruises", "pain"):
        mine = mixed_backend.search(query, languages=["en"], locale="en")
        assert slugs(mine) == [s for s in slugs(corpus_backend.search(query)) if s in BY_SLUG_MIXED]


BY_SLUG_MIXED = {d.slug for d in CORPUS[:4]}


def test_languages_must_be_a_list(corpus_backend):
    with pytest.raises(SearchQueryError):
        corpus_backend.search("infection", languages="en")


# no dead ends (issue 13) -----------------------------------------------------------------------


def test_words_are_dropped_from_the_end_until_something_matches(corpus_backend):
    """Meilisearch's ``last`` strategy: with no document holding every word, documents with the leading
    words rank first, and ``words`` says what was used."""
    result = corpus_backend.search("pus sunlight")
    assert corpus_backend.search("pus sunlight xyzzyq").total == result.total
    assert slugs(result)[0] == "infection"
    assert result.words == {"used": ["pus"], "dropped": ["sunlight"]}
    reverse = corpus_backend.search("sunlight pus")
    assert slugs(reverse)[0] == "avoid-sun-exposure"
    assert reverse.words == {"used": ["sunlight"], "dropped": ["pus"]}
    assert set(slugs(reverse)) == set(slugs(result))  # every document matching some word is a result


def test_all_words_used_means_no_report(corpus_backend):
    assert corpus_backend.search("fever swelling").words is None
    unknown = corpus_backend.search("infection xyzzyq")
    assert unknown.words == {"used": ["infection"], "dropped": ["xyzzyq"]}
    assert slugs(unknown)[0] == "infection"


def test_stop_and_question_words_do_not_empty_a_result(corpus_backend):
    assert slugs(corpus_backend.search("what is an infection"))[:1] == ["infection"]
    assert slugs(corpus_backend.search("how do I avoid the sun?"))[:1] == ["avoid-sun-exposure"]


def test_zero_results_only_when_nothing_matches_then_a_suggestion(corpus_backend):
    result = corpus_backend.search("xyzzyq infecton")
    assert result.total > 0  # the typo still matches
    nothing = corpus_backend.search("brusies qqqzzz")
    assert nothing.total > 0
    none = corpus_backend.search("zzqxv")
    assert none.total == 0


# safety first (issue 13) -----------------------------------------------------------------------

SAFETY = [
    make_doc(
        "fever-guide",
        "aftercare",
        "Fever after microneedling: what is normal",
        "Fever fever fever: a mild temperature may follow treatment; fever usually passes.",
        "Fever is common. Fever fever.",
    ),
    dataclasses.replace(
        make_doc(
            "infection",
            "complication",
            "Infection",
            "Bacteria can enter the micro-channels.",
            details="warning signs: fever, pus formation. seek care promptly",
        ),
        urgent=(("Fever", "seek_care_promptly"), ("Pus formation", "seek_care_promptly")),
    ),
    dataclasses.replace(
        make_doc("bruising", "complication", "Bruising", "Bruises fade.", details="extensive bruising"),
        urgent=(),
    ),
]


def test_a_query_matching_an_urgent_warning_sign_ranks_that_guidance_first(backend):
    backend.rebuild(SAFETY)
    result = backend.search("fever after microneedling")
    assert slugs(result)[0] == "infection"
    first = result.hits[0]
    assert (first.urgent, first.action) == (True, "seek_care_promptly")
    assert [(h.urgent, h.action) for h in result.hits[1:]] == [(False, None)] * (len(result.hits) - 1)
    pus = backend.search("pus")
    assert slugs(pus)[0] == "infection"
    assert pus.hits[0].urgent
    assert backend.search("high temperature").hits[0].slug == "infection"  # a synonym of the sign
    assert not any(h.urgent for h in backend.search("bruising").hits)
    assert backend.search("fever", kind="aftercare").hits[0].urgent is False  # filters still apply


# procedures ---------------------------------------------------------------------------------


def test_the_procedure_filter_keeps_documents_that_apply_to_it(backend):
    """A scope like ``locale``: hits, totals, facets and suggestions all within it; an update of a
    document's procedures moves it."""
    peel = dataclasses.replace(BY_SLUG["bruising"], procedures=("chemical-peel", "microneedling"))
    needling = dataclasses.replace(BY_SLUG["excessive-redness"], procedures=("microneedling",))
    backend.index([peel, needling])
    result = backend.search("bruising redness", procedure="microneedling")
    assert sorted(slugs(result)) == ["bruising", "excessive-redness"]
    assert result.total == 2
    assert result.facets["kind"] == {"complication": 2}
    assert slugs(backend.search("redness", procedure="chemical-peel")) == []
    assert slugs(backend.search("bruising", procedure="chemical-peel")) == ["bruising"]
    assert backend.search("bruising", procedure="fillers").total == 0
    assert [s.slug for s in backend.suggest("bru", procedure="chemical-peel")] == ["bruising"]
    assert [s.slug for s in backend.suggest("e", procedure="chemical-peel")] == []
    assert [s.slug for s in backend.suggest("exc", procedure="microneedling")] == ["excessive-redness"]
    backend.index([dataclasses.replace(peel, procedures=())])
    assert slugs(backend.search("bruising", procedure="chemical-peel")) == []
    assert [s.slug for s in backend.suggest("bru", procedure="chemical-peel")] == []
    with pytest.raises(SearchQueryError):
        backend.search("bruising", procedure="")
