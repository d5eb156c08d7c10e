"""Previews of translations through HTTP: a token for one translation version shows it over the
source's published structure, in the public shape and the translation's locale, privately; it leaks
nowhere (the public reads in that locale, search, the feed); refusals are problems."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.admin.test_translations import SWELLING, SWELLING_ES, TR, create_es, live_swelling
from tests.previews.test_previews import HEADER, assert_private

Headers = dict[str, dict[str, str]]
SOURCE = "/api/v1/admin/entries/post-treatment-swelling"
WORD = "zqvistaq"  # in the Spanish draft only


def preview(client: FlaskClient, auth: Headers, path: str, **body: object) -> dict[str, object]:
    response = client.post(f"{path}/preview", json=body, headers=auth["editor"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_translation_draft_is_shown_over_the_published_structure(
    client: FlaskClient, auth: Headers
) -> None:
    live_swelling(client, auth)
    create_es(client, auth, {**SWELLING_ES, "summary": f"Resumen {WORD}."})
    link = preview(client, auth, TR)
    assert (link["locale"], link["version"]) == ("es", 1)
    assert link["url"] == "/api/v1/entries/post-treatment-swelling?locale=es"

    shown = client.get(link["url"], headers={HEADER: link["token"]})
    assert shown.status_code == 200, shown.get_json()
    assert_private(shown)
    assert shown.headers["Content-Language"] == "es"
    body = shown.get_json()
    assert (body["locale"], body["status"], body["version"]) == ("es", "draft", 1)
    assert body["title"] == SWELLING_ES["title"]
    assert body["summary"] == f"Resumen {WORD}."
    assert "<strong>48 horas</strong>" in body["body_html"]
    # the clinical structure is the source's; the text is the translation's
    [sign] = body["details"]["warning_signs"]
    assert sign == {
        "id": "swelling-that-grows-after-48-hours",
        "sign": "hinchazón que aumenta pasadas 48 horas",
        "from_hours": 48,
        "action": "contact_practitioner",
    }
    assert body["published_at"] is None

    # nowhere else: the public copy in Spanish is the English fallback, search and the feed know nothing
    public = client.get("/api/v1/entries/post-treatment-swelling?locale=es").get_json()
    assert public["locale"] == "en"
    strict = client.get("/api/v1/entries/post-treatment-swelling?locale=es&fallback=none")
    assert strict.status_code == 404
    assert client.get(f"/api/v1/search?q={WORD}&locale=es").get_json()["data"] == []
    feed = client.get("/api/v1/changes?since=0&per_page=100").get_json()["data"]
    assert not [c for c in feed if c["slug"] == "post-treatment-swelling" and c.get("locale") == "es"]


def test_a_token_shows_the_translation_version_it_was_made_for(client: FlaskClient, auth: Headers) -> None:
    live_swelling(client, auth)
    create_es(client, auth)
    first = preview(client, auth, TR)
    changed = client.patch(
        TR, json={"title": "Hinchazón, revisada"}, headers={**auth["editor"], "If-Match": "*"}
    )
    assert changed.status_code == 200, changed.get_json()
    second = preview(client, auth, TR)
    older = preview(client, auth, TR, version=1)
    assert (first["version"], second["version"], older["version"]) == (1, 2, 1)
    titles = [
        client.get(link["url"], headers={HEADER: link["token"]}).get_json()["title"]
        for link in (first, second, older)
    ]
    assert titles == [SWELLING_ES["title"], "Hinchazón, revisada", SWELLING_ES["title"]]
    too_new = client.post(f"{TR}/preview", json={"version": 3}, headers=auth["editor"])
    assert too_new.status_code == 422
    assert "version" in too_new.get_json()["errors"]


def test_translation_previews_refused_with_problems(client: FlaskClient, auth: Headers) -> None:
    source = client.post("/api/v1/admin/entries", json=SWELLING, headers=auth["editor"])
    assert source.status_code == 201, source.get_json()
    none_yet = client.post(f"{TR}/preview", headers=auth["editor"])
    assert none_yet.status_code == 404
    assert none_yet.headers["Content-Type"] == "application/problem+json"
    assert client.put(TR, json=SWELLING_ES, headers=auth["editor"]).status_code == 201
    not_live = client.post(f"{TR}/preview", headers=auth["editor"])
    assert not_live.status_code == 409
    assert "Publish the source" in not_live.get_json()["detail"]
    own = client.post(f"{SOURCE}/translations/en/preview", headers=auth["editor"])
    assert own.status_code == 409
    unknown = client.post(f"{SOURCE}/translations/xx/preview", headers=auth["editor"])
    assert unknown.status_code == 400
    assert "en, es" in unknown.get_json()["detail"]
    assert client.post(f"{TR}/preview").status_code == 401
