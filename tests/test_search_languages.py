"""Search and suggest along a locale chain, over HTTP (both backends: KB_TEST_SEARCH_BACKEND)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from kb.services.seeding import load_seed
from tests.conftest import ROOT, make_app

Headers = dict[str, dict[str, str]]


def search(client: FlaskClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("query", ["infecciones", "infeccion", "infección", "Infección"])
def test_spanish_search_finds_infeccion(client: FlaskClient, query: str) -> None:
    body = search(client, q=query, locale="es")
    hit = body["data"][0]
    assert (hit["slug"], hit["locale"], hit["title"]) == ("infection", "es", "Infección")
    assert "<mark>" in hit["highlights"]["title"]
    assert all(h["locale"] == "es" for h in body["data"])


def test_each_entry_is_found_once_in_the_language_served(client: FlaskClient) -> None:
    spanish = search(client, q="micropunción", locale="es", per_page=100)
    slugs = [h["slug"] for h in spanish["data"]]
    assert len(slugs) == len(set(slugs)) == spanish["meta"]["total"]
    assert {h["locale"] for h in spanish["data"]} == {"es"}  # the article's Spanish translation too
    assert spanish["facets"]["type"] == {"entry": 10, "article": 1}
    assert sum(spanish["facets"]["kind"].values()) == spanish["facets"]["type"]["entry"]
    english = search(client, q="microneedling", locale="en", per_page=100)
    assert {h["locale"] for h in english["data"]} == {"en"}
    assert english["meta"]["total"] == len(english["data"]) > 0
    assert "Infección" not in [h["title"] for h in english["data"]]


def test_search_falls_back_per_entry_along_the_chain(client: FlaskClient, auth: Headers) -> None:
    before = search(client, q="hematomas", locale="es")
    assert "bruising" in [h["slug"] for h in before["data"]]
    response = client.post(
        "/api/v1/admin/entries/bruising/translations/es/unpublish", headers=auth["publisher"]
    )
    assert response.status_code == 200
    fallback = search(client, q="bruising", locale="es")
    hit = next(h for h in fallback["data"] if h["slug"] == "bruising")
    assert (hit["locale"], hit["title"]) == ("en", "Bruising")
    # The Spanish text is gone; the entry may still match in English, and then says so.
    assert {
        h["locale"] for h in search(client, q="hematomas", locale="es")["data"] if h["slug"] == "bruising"
    } <= {"en"}
    only = search(client, q="bruising", locale="es", fallback="none")
    assert "bruising" not in [h["slug"] for h in only["data"]]
    assert sum(only["facets"]["type"].values()) == only["meta"]["total"]
    # English readers see what they saw.
    english = search(client, q="bruising", locale="en")
    assert english["data"][0]["slug"] == "bruising"
    assert english["data"][0]["locale"] == "en"


def test_suggest_in_the_language_asked_for(client: FlaskClient) -> None:
    spanish = client.get("/api/v1/suggest", query_string={"q": "infe", "locale": "es"})
    assert spanish.get_json()["data"][0] == {
        "type": "entry",
        "slug": "infection",
        "kind": "complication",
        "title": "Infección",
        "locale": "es",
    }
    english = client.get("/api/v1/suggest", query_string={"q": "infe"})
    assert english.get_json()["data"][0]["title"] == "Infection"
    assert "Accept-Language" in english.headers["Vary"]
    by_header = client.get(
        "/api/v1/suggest", query_string={"q": "hemat"}, headers={"Accept-Language": "es-ES"}
    )
    assert [s["title"] for s in by_header.get_json()["data"]] == ["Hematomas"]
    assert (
        by_header.headers["ETag"]
        != client.get("/api/v1/suggest", query_string={"q": "hemat"}).headers["ETag"]
    )


def test_a_portuguese_translation_is_searched_in_portuguese_along_pt_br(tmp_path: Path) -> None:
    """A translation published over HTTP is indexed in its own language (pt: Portuguese Snowball), found
    by a pt-BR reader (analysis by the primary subtag) and no longer once unpublished."""
    app = make_app(tmp_path, KB_LOCALES="en,es,pt,pt-BR")
    with app.app_context():
        load_seed(ROOT / "seed")
    client = app.test_client()
    secret = app.test_cli_runner().invoke(args=["token", "create", "--name", "pt", "--role", "publisher"])
    headers = {"Authorization": f"Bearer {secret.output.split()[-1]}"}
    source = json.loads((ROOT / "seed/translations/es/entries/infection.json").read_text(encoding="utf-8"))
    text = {k: source[k] for k in ("summary", "details")} | {
        "title": "Infecção",
        "body": "Se observar sinais de infecção, como febre, procure o seu profissional de saúde.",
    }
    tr = "/api/v1/admin/entries/infection/translations/pt"
    created = client.put(tr, json=text, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert "infection" not in [h["slug"] for h in search(client, q="procurando", locale="pt-BR")["data"]]
    published = client.post(f"{tr}/publish", headers=headers | {"If-Match": created.headers["ETag"]})
    assert published.status_code == 200, published.get_json()
    # "procurando" and "procure" are one word by Portuguese stemming (English keeps them apart)
    found = {h["slug"]: h for h in search(client, q="procurando", locale="pt-BR")["data"]}
    assert (found["infection"]["locale"], found["infection"]["title"]) == ("pt", "Infecção")
    assert "words" not in search(client, q="procurando sinais", locale="pt-BR")["meta"]
    suggested = client.get("/api/v1/suggest", query_string={"q": "infec", "locale": "pt-BR"}).get_json()
    assert {
        "type": "entry",
        "slug": "infection",
        "kind": "complication",
        "title": "Infecção",
        "locale": "pt",
    } in suggested["data"]
    assert client.post(f"{tr}/unpublish", headers=headers).status_code == 200
    after = {h["slug"]: h["locale"] for h in search(client, q="procurando", locale="pt-BR")["data"]}
    assert after.get("infection") in (None, "en")  # the Portuguese text is gone; pt-BR falls back to en
    assert search(client, q="infección", locale="pt-BR")["data"][0]["locale"] == "en"
