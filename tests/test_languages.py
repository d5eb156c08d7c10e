"""Content in several languages over the public API: negotiation, per-item fallback along a chain,
what was served, caching per locale, the changes feed per locale, and no draft showing through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.services.seeding import load_seed
from tests.conftest import ROOT, make_app

Headers = dict[str, dict[str, str]]
ADMIN = "/api/v1/admin"


def get(client: FlaskClient, url: str, **headers: str) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response


def test_an_entry_in_spanish_shares_the_english_structure(client: FlaskClient) -> None:
    english = get(client, "/api/v1/entries/infection?locale=en").get_json()
    response = get(client, "/api/v1/entries/infection?locale=es")
    spanish = response.get_json()
    assert response.headers["Content-Language"] == "es"
    assert "Accept-Language" not in response.headers.get("Vary", "")
    assert spanish["locale"] == "es"
    assert spanish["title"] == "Infección"
    assert spanish["id"] == english["id"]
    for shared in ("slug", "kind", "tags", "related", "sources"):
        assert spanish[shared] == english[shared]
    structure = {k: v for k, v in english["details"].items() if k not in ("signs", "causes", "warning_signs")}
    assert {k: v for k, v in spanish["details"].items() if k in structure} == structure
    assert [w["action"] for w in spanish["details"]["warning_signs"]] == [
        w["action"] for w in english["details"]["warning_signs"]
    ]
    assert spanish["details"]["warning_signs"][2]["sign"] == "Fiebre"
    assert spanish["translations"] == [
        {"locale": "en", "version": 1, "stale": False},
        {"locale": "es", "version": 1, "stale": False},
    ]
    assert english["translations"] == spanish["translations"]


@pytest.mark.parametrize(
    ("header", "served"),
    [
        (None, "en"),
        ("es", "es"),
        ("ES", "es"),
        ("es-MX", "es"),
        ("fr-CA, fr;q=0.9, es;q=0.5, en;q=0.1", "es"),
        ("en;q=0.4, es;q=0.8", "es"),
        ("es;q=0, en", "en"),
        ("es;q=0.5, en;q=0.5", "es"),
        ("de", "en"),
        ("*", "en"),
        ("es;q=nonsense, en", "en"),
        (";;,", "en"),
    ],
)
def test_accept_language_chooses_when_locale_is_absent(
    client: FlaskClient, header: str | None, served: str
) -> None:
    headers = {"Accept-Language": header} if header is not None else {}
    response = get(client, "/api/v1/entries/bruising", **headers)
    assert response.get_json()["locale"] == served
    assert response.headers["Content-Language"] == served
    assert "Accept-Language" in response.headers["Vary"]


PUBLIC_READS = {
    # url: where the items are in the body (None: the body is the one item)
    "/api/v1/entries?per_page=100": "data",
    "/api/v1/entries/bruising?include=related": None,
    "/api/v1/articles": "data",
    "/api/v1/articles/microneedling-complications?include=entries": None,
    "/api/v1/search?q=bruising&per_page=100": "data",
    "/api/v1/suggest?q=b": "data",
}
LISTS_WITHOUT_ITEM_LOCALES = ("/api/v1/tags?per_page=100", "/api/v1/changes?limit=1000")
HEADER = "fr-CA, fr;q=0.9, es;q=0.8, en;q=0.5"  # q-values: Spanish is the best one supported


def served_locales(body: Any, where: str | None) -> set[str]:
    items = body[where] if where else [body]
    return {item["locale"] for item in items}


@pytest.mark.parametrize(("url", "where"), PUBLIC_READS.items())
def test_every_public_read_negotiates_the_locale(client: FlaskClient, url: str, where: str | None) -> None:
    """``Accept-Language`` (q-values honoured) chooses when ``locale=`` is absent, and the response varies
    on it; ``locale=`` wins and then nothing varies on the header. Each item says its locale, a single
    item in ``Content-Language`` too; the representations (and so the ETags) differ per locale."""
    by_header = get(client, url, **{"Accept-Language": HEADER})
    assert served_locales(by_header.get_json(), where) == {"es"}, url
    assert "Accept-Language" in by_header.headers["Vary"]
    default = get(client, url)
    assert served_locales(default.get_json(), where) == {"en"}, url
    assert "Accept-Language" in default.headers["Vary"]
    assert default.headers["ETag"] != by_header.headers["ETag"]
    separator = "&" if "?" in url else "?"
    explicit = get(client, f"{url}{separator}locale=en", **{"Accept-Language": HEADER})
    assert served_locales(explicit.get_json(), where) == {"en"}, url
    assert "Accept-Language" not in explicit.headers.get("Vary", "")
    if where is None:
        assert (by_header.headers["Content-Language"], explicit.headers["Content-Language"]) == ("es", "en")
        body = by_header.get_json()
        embedded = body.get("related_entries") or [
            *(entry for section in body.get("sections", []) for entry in section["entries"]),
            *body.get("included", {}).get("entries", []),
        ]
        assert embedded
        assert {entry["locale"] for entry in embedded} == {"es"}  # each embed along the same chain
    else:
        assert "Content-Language" not in by_header.headers


@pytest.mark.parametrize("url", LISTS_WITHOUT_ITEM_LOCALES)
def test_tags_and_changes_negotiate_too(client: FlaskClient, url: str) -> None:
    by_header = get(client, url, **{"Accept-Language": HEADER})
    assert "Accept-Language" in by_header.headers["Vary"]
    assert by_header.get_json()["data"] == get(client, f"{url}&locale=es").get_json()["data"]
    assert "Accept-Language" not in get(client, f"{url}&locale=es").headers.get("Vary", "")


def test_instantsearch_negotiates_the_locale(client: FlaskClient) -> None:
    body = {"requests": [{"indexName": "kb", "params": {"query": "bruising"}}]}
    response = client.post("/api/v1/search/multi", json=body, headers={"Accept-Language": HEADER})
    assert response.status_code == 200, response.get_json()
    assert {hit["locale"] for hit in response.get_json()["results"][0]["hits"]} == {"es"}
    assert "Accept-Language" in response.headers["Vary"]


def test_locale_parameter_wins_over_the_header(client: FlaskClient) -> None:
    response = get(client, "/api/v1/entries/bruising?locale=en", **{"Accept-Language": "es"})
    assert response.get_json()["locale"] == "en"
    assert "Accept-Language" not in response.headers.get("Vary", "")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/entries?locale=fr",
        "/api/v1/entries/bruising?locale=pt-BR",
        "/api/v1/articles?locale=de",
        "/api/v1/articles/microneedling-complications?locale=fr",
        "/api/v1/tags?locale=fr",
        "/api/v1/changes?locale=fr",
        "/api/v1/entries?locale=es&fallback=sometimes",
    ],
)
def test_unknown_locale_is_400_naming_the_supported_ones(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert "locale" in body["errors"] or "fallback" in body["errors"]
    if "locale" in body["errors"]:
        assert "en, es" in body["detail"]


def test_etags_differ_per_locale(client: FlaskClient) -> None:
    english = get(client, "/api/v1/entries/infection?locale=en")
    spanish = get(client, "/api/v1/entries/infection?locale=es")
    assert english.headers["ETag"] != spanish.headers["ETag"]
    again = client.get(
        "/api/v1/entries/infection?locale=es", headers={"If-None-Match": english.headers["ETag"]}
    )
    assert again.status_code == 200
    same = client.get(
        "/api/v1/entries/infection?locale=es", headers={"If-None-Match": spanish.headers["ETag"]}
    )
    assert same.status_code == 304
    by_header = client.get(
        "/api/v1/entries/infection",
        headers={"If-None-Match": english.headers["ETag"], "Accept-Language": "es"},
    )
    assert by_header.status_code == 200
    assert by_header.headers["ETag"] == spanish.headers["ETag"]
    assert "Accept-Language" in by_header.headers["Vary"]


def test_lists_serve_each_item_in_the_best_published_locale(client: FlaskClient, auth: Headers) -> None:
    unpublished = client.post(
        f"{ADMIN}/entries/infection/translations/es/unpublish", headers=auth["publisher"]
    )
    assert unpublished.status_code == 200
    body = get(client, "/api/v1/entries?locale=es&per_page=100").get_json()
    served = {e["slug"]: e["locale"] for e in body["data"]}
    assert served.pop("infection") == "en"
    assert set(served.values()) == {"es"}
    assert body["meta"]["total"] == 10
    only = get(client, "/api/v1/entries?locale=es&fallback=none&per_page=100").get_json()
    assert "infection" not in {e["slug"] for e in only["data"]}
    assert only["meta"]["total"] == 9
    assert client.get("/api/v1/entries/infection?locale=es&fallback=none").status_code == 404
    # English readers are untouched.
    english = get(client, "/api/v1/entries/infection?locale=en").get_json()
    assert english["translations"] == [{"locale": "en", "version": 1, "stale": False}]
    # Sorted by the served title: Spanish titles, with the English fallback among them.
    titles = [e["title"] for e in body["data"]]
    assert titles == sorted(titles)
    assert "Infection" in titles


def test_tags_count_what_is_served(client: FlaskClient, auth: Headers) -> None:
    everything = get(client, "/api/v1/tags?per_page=100&locale=es").get_json()["data"]
    before = {t["tag"]: t["count"] for t in everything}
    client.post(f"{ADMIN}/entries/infection/translations/es/unpublish", headers=auth["publisher"])
    only = get(client, "/api/v1/tags?per_page=100&locale=es&fallback=none").get_json()["data"]
    after = {t["tag"]: t["count"] for t in only}
    assert after["hygiene"] == before["hygiene"] - 1


def test_article_in_spanish_embeds_entries_along_the_chain(client: FlaskClient, auth: Headers) -> None:
    client.post(f"{ADMIN}/entries/bruising/translations/es/unpublish", headers=auth["publisher"])
    response = get(client, "/api/v1/articles/microneedling-complications?locale=es&include=entries")
    article = response.get_json()
    assert response.headers["Content-Language"] == "es"
    assert article["locale"] == "es"
    assert article["sections"][1]["heading"] == "Enrojecimiento excesivo y hematomas"
    assert "<p>" in article["sections"][1]["body_html"]
    refs = {e["slug"]: e for e in article["sections"][1]["entries"]}
    embedded = {e["slug"]: e for e in article["included"]["entries"]}
    for entries in (refs, embedded):
        assert entries["excessive-redness"]["locale"] == "es"
        assert entries["bruising"]["locale"] == "en"  # no published Spanish: the whole entry in English
        assert entries["bruising"]["title"] == "Bruising"
    assert embedded["bruising"]["body"]
    assert embedded["excessive-redness"]["details"]
    english = get(client, "/api/v1/articles/microneedling-complications?locale=en").get_json()
    assert [s["entries"] for s in english["sections"]] != []
    assert len(english["sections"]) == len(article["sections"])
    listed = get(client, "/api/v1/articles?locale=es").get_json()["data"]
    assert [(a["slug"], a["locale"]) for a in listed] == [("microneedling-complications", "es")]


def test_changes_feed_per_locale(client: FlaskClient, auth: Headers) -> None:
    every = get(client, "/api/v1/changes?locale=es&limit=1000").get_json()["data"]
    assert {c["locale"] for c in every} == {"en", "es"}
    english_only = get(client, "/api/v1/changes?locale=en&limit=1000").get_json()["data"]
    assert {c["locale"] for c in english_only} == {"en"}
    cursor = get(client, "/api/v1/changes?locale=es&limit=1000").get_json()["next_cursor"]
    client.post(f"{ADMIN}/entries/bruising/translations/es/unpublish", headers=auth["publisher"])
    spanish = get(client, f"/api/v1/changes?locale=es&since={cursor}").get_json()["data"]
    assert [(c["slug"], c["locale"], c["change"]) for c in spanish] == [("bruising", "es", "remove")]
    assert get(client, f"/api/v1/changes?locale=en&since={cursor}").get_json()["data"] == []
    assert (
        get(client, f"/api/v1/changes?locale=es&fallback=none&since={cursor}").get_json()["data"] == spanish
    )
    by_header = client.get(f"/api/v1/changes?since={cursor}", headers={"Accept-Language": "es"})
    assert by_header.get_json()["data"] == spanish
    assert "Accept-Language" in by_header.headers["Vary"]


def test_no_draft_translation_leaks_through_any_public_path(client: FlaskClient, auth: Headers) -> None:
    """A Spanish draft (a new translation, and unpublished edits of a live one) is never public."""
    marker = "zqborradorsecreto"
    tr = f"{ADMIN}/entries/bruising/translations/es"
    draft = client.get(tr, headers=auth["editor"])
    edited = client.patch(
        tr,
        json={"title": f"Hematomas {marker}", "body": marker},
        headers=auth["editor"] | {"If-Match": draft.headers["ETag"]},
    )
    assert edited.status_code == 200
    tr = f"{ADMIN}/entries/infection/translations/es"
    client.post(f"{tr}/unpublish", headers=auth["publisher"])
    draft = client.get(tr, headers=auth["editor"])
    client.patch(tr, json={"summary": marker}, headers=auth["editor"] | {"If-Match": draft.headers["ETag"]})
    article_tr = f"{ADMIN}/articles/microneedling-complications/translations/es"
    draft = client.get(article_tr, headers=auth["editor"])
    client.patch(
        article_tr, json={"title": marker}, headers=auth["editor"] | {"If-Match": draft.headers["ETag"]}
    )
    for locale in ("es", "en"):
        for url in (
            f"/api/v1/entries?per_page=100&locale={locale}",
            f"/api/v1/entries/bruising?locale={locale}&include=related",
            f"/api/v1/entries/infection?locale={locale}",
            f"/api/v1/articles?locale={locale}",
            f"/api/v1/articles/microneedling-complications?locale={locale}&include=entries",
            f"/api/v1/tags?locale={locale}",
            f"/api/v1/search?q={marker}&locale={locale}",
            f"/api/v1/search?q=hematomas&locale={locale}",
            f"/api/v1/suggest?q=hemat&locale={locale}",
            f"/api/v1/changes?locale={locale}&limit=1000",
        ):
            response = client.get(url)
            assert response.status_code == 200, (url, response.get_json())
            body = {k: v for k, v in response.get_json().items() if k != "links"}  # links echo the query
            body.get("meta", {}).pop("words", None)  # so do the query words search reports as dropped
            assert marker not in json.dumps(body, ensure_ascii=False), url
        for query in (marker, "hematomas", ""):
            requests = [{"indexName": "kb", "params": {"query": query, "hitsPerPage": 100}}]
            response = client.post(f"/api/v1/search/multi?locale={locale}", json={"requests": requests})
            assert response.status_code == 200, response.get_json()
            results = response.get_json()["results"][0]
            assert marker not in json.dumps(results["hits"], ensure_ascii=False), (locale, query)
    assert get(client, "/api/v1/entries/bruising?locale=es").get_json()["title"] == "Hematomas"


@pytest.fixture
def portuguese_app(tmp_path: Path) -> Flask:
    app = make_app(tmp_path, KB_LOCALES="en,es,pt,pt-BR", KB_LOCALE_FALLBACKS="pt-BR:pt,es")
    with app.app_context():
        load_seed(ROOT / "seed")
    return app


def test_fallback_chains_follow_the_tag_and_the_configuration(portuguese_app: Flask) -> None:
    client = portuguese_app.test_client()
    runner = portuguese_app.test_cli_runner()
    secret = runner.invoke(args=["token", "create", "--name", "pt", "--role", "publisher"]).output.split()[-1]
    headers = {"Authorization": f"Bearer {secret}"}
    # pt-BR -> pt -> es (configured) -> en: with no Portuguese, Spanish is served.
    assert get(client, "/api/v1/entries/bruising?locale=pt-BR").get_json()["locale"] == "es"
    assert get(client, "/api/v1/entries/bruising?locale=pt").get_json()["locale"] == "en"
    assert (
        get(client, "/api/v1/entries/bruising", **{"Accept-Language": "pt-PT"}).get_json()["locale"] == "en"
    )
    source = json.loads((ROOT / "seed/translations/es/entries/bruising.json").read_text(encoding="utf-8"))
    text = {k: source[k] for k in ("title", "summary", "body", "details")} | {"title": "Hematomas (pt)"}
    created = client.put(f"{ADMIN}/entries/bruising/translations/pt", json=text, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert get(client, "/api/v1/entries/bruising?locale=pt-BR").get_json()["locale"] == "es"  # pt is a draft
    client.post(
        f"{ADMIN}/entries/bruising/translations/pt/publish",
        headers=headers | {"If-Match": created.headers["ETag"]},
    )
    served = get(client, "/api/v1/entries/bruising?locale=pt-BR").get_json()
    assert (served["locale"], served["title"]) == ("pt", "Hematomas (pt)")
    assert client.get("/api/v1/entries/bruising?locale=pt-BR&fallback=none").status_code == 404
    assert [t["locale"] for t in served["translations"]] == ["en", "es", "pt"]


def test_translations_round_trip_through_export_and_import(
    client: FlaskClient, auth: Headers, tmp_path: Path
) -> None:
    """A draft ahead of its live copy, a stale translation and an unpublished one come back as they were."""
    tr = f"{ADMIN}/entries/bruising/translations/es"
    draft = client.get(tr, headers=auth["editor"])
    client.patch(
        tr,
        json={"title": "Hematomas (borrador)"},
        headers=auth["editor"] | {"If-Match": draft.headers["ETag"]},
    )
    client.post(f"{ADMIN}/entries/infection/translations/es/unpublish", headers=auth["publisher"])
    source = client.get(f"{ADMIN}/entries/persistent-pain", headers=auth["editor"])
    edited = client.patch(
        f"{ADMIN}/entries/persistent-pain",
        json={"summary": "Pain that lasts."},
        headers=auth["editor"] | {"If-Match": source.headers["ETag"]},
    )
    client.post(
        f"{ADMIN}/entries/persistent-pain/publish",
        headers=auth["publisher"] | {"If-Match": edited.headers["ETag"]},
    )
    dumped = client.get(f"{ADMIN}/export", headers=auth["editor"]).get_data(as_text=True)
    items = {i["draft"]["slug"]: i for i in json.loads(dumped)["items"] if i["type"] != "procedure"}
    pain = items["persistent-pain"]["translations"][0]
    assert (pain["stale"], pain["live_stale"]) == (True, True)
    assert items["infection"]["translations"][0]["live"] is None
    file = tmp_path / "export.json"
    file.write_text(dumped, encoding="utf-8")
    other = make_app(tmp_path / "second")  # no procedures: the export brings them
    runner = other.test_cli_runner()
    assert runner.invoke(args=["import", str(file)]).exit_code == 0
    secret = runner.invoke(args=["token", "create", "--name", "y", "--role", "editor"]).output.split()[-1]
    again = other.test_client().get(f"{ADMIN}/export", headers={"Authorization": f"Bearer {secret}"})
    assert json.loads(again.get_data(as_text=True)) == json.loads(dumped)
    served = get(other.test_client(), "/api/v1/entries/persistent-pain?locale=es").get_json()
    assert {"locale": "es", "version": 1, "stale": True} in served["translations"]


def test_import_refuses_translations_that_change_structure(client: FlaskClient, auth: Headers) -> None:
    dumped = json.loads(client.get(f"{ADMIN}/export", headers=auth["editor"]).get_data(as_text=True))
    item = next(i for i in dumped["items"] if i.get("draft", {}).get("slug") == "infection")
    item["translations"][0]["draft"]["details"]["warning_signs"][0]["action"] = "self_care"
    item["translations"][0]["draft"]["details"]["signs"].append("Otro")
    response = client.post(f"{ADMIN}/import", json={"items": [item]}, headers=auth["admin"])
    assert response.status_code == 422
    errors = response.get_json()["errors"]["items[0]"]["translations"]["translations[0]"]["draft"]
    assert set(errors) == {"details.warning_signs[0].action", "details.signs"}
