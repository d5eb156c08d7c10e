"""Articles in the index: every backend (conftest.FACTORIES) types its hits, points an article hit to
its best matching section, filters and counts by type, and suggests article titles."""

from __future__ import annotations

import pytest

from kb.search import SearchQueryError, SectionRef
from tests.search.conftest import ARTICLE, CORPUS


@pytest.fixture
def with_article(backend):
    backend.index([ARTICLE])
    return backend


def by_slug(result) -> dict:
    return {hit.slug: hit for hit in result.hits}


def test_hits_say_their_type_and_entries_stay_as_they_were(with_article):
    hits = by_slug(with_article.search("infection", per_page=50))
    article, entry = hits["zygomatic-guide"], hits["infection"]
    assert (article.type, article.kind) == ("article", None)
    assert (entry.type, entry.kind, entry.section) == ("entry", "complication", None)
    assert article.title == ARTICLE.title
    assert article.summary == ARTICLE.summary


def test_article_hit_points_to_its_best_section(with_article):
    hit = by_slug(with_article.search("bacteria hygiene"))["zygomatic-guide"]
    assert hit.section == SectionRef(heading="Risk of Infection", anchor="risk-of-infection")
    assert "<mark>bacteria</mark>" in hit.highlights["body"]
    # a heading weighs more than a body: "infection" is in the heading of the 2nd, the body of the 3rd
    hit = by_slug(with_article.search("infection", per_page=50))["zygomatic-guide"]
    assert hit.section == SectionRef(heading="Risk of Infection", anchor="risk-of-infection")
    hit = by_slug(with_article.search("bruising", per_page=50))["zygomatic-guide"]
    assert hit.section.anchor == "common-complications"
    assert "<mark>bruising</mark>" in hit.highlights["body"]


def test_article_matched_by_its_title_only_has_no_section(with_article):
    hit = with_article.search("zygomatic").hits[0]
    assert (hit.slug, hit.type, hit.section) == ("zygomatic-guide", "article", None)
    assert hit.highlights["title"] == "<mark>Zygomatic</mark> Microneedling Guide"


def test_type_filter_and_facet(with_article):
    everything = with_article.search("infection", per_page=50)
    assert everything.facets["type"] == {"entry": everything.total - 1, "article": 1}
    assert "" not in everything.facets["kind"]
    assert sum(everything.facets["kind"].values()) == everything.total - 1  # kinds count entries
    articles = with_article.search("infection", type="article")
    assert [h.slug for h in articles.hits] == ["zygomatic-guide"]
    assert articles.total == 1
    assert articles.facets["type"] == everything.facets["type"]  # a facet ignores its own filter
    assert articles.facets["kind"] == {}
    assert articles.facets["tags"] == {"guide": 1, "hygiene": 1}
    entries = with_article.search("infection", type="entry", per_page=50)
    assert {h.type for h in entries.hits} == {"entry"}
    assert entries.total == everything.total - 1


def test_kind_filter_keeps_entries_only(with_article):
    result = with_article.search("infection", kind="complication")
    assert {h.type for h in result.hits} == {"entry"}
    assert result.facets["type"] == {"entry": result.total}
    assert with_article.search("infection", kind="complication", type="article").total == 0


def test_tags_cover_articles(with_article):
    result = with_article.search("hygiene", tag="hygiene", per_page=50)
    assert "zygomatic-guide" in by_slug(result)


def test_unknown_type_is_a_query_error(with_article):
    with pytest.raises(SearchQueryError, match="type"):
        with_article.search("infection", type="page")


def test_suggest_covers_article_titles(with_article):
    found = with_article.suggest("zygo")
    assert [(s.slug, s.type, s.kind) for s in found] == [("zygomatic-guide", "article", None)]
    assert {s.type for s in with_article.suggest("infe")} == {"entry"}


def test_removing_an_article(with_article):
    with_article.remove([ARTICLE.id])
    assert with_article.search("zygomatic").total == 0
    assert with_article.suggest("zygo") == []


def test_rebuild_keeps_articles(with_article):
    with_article.rebuild([*CORPUS, ARTICLE])
    hit = by_slug(with_article.search("bacteria"))["zygomatic-guide"]
    assert hit.section.anchor == "risk-of-infection"
