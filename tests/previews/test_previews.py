"""Draft previews through HTTP: an editor's token shows one draft version on the public reads, in the
public shape, ``private, no-store`` without an ETag; it leaks nowhere (search, suggest, the changes
feed, the public copy and its ETag); an expired, altered or foreign token is a 401 problem."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.extensions import db
from kb.models import AuditEvent
from kb.services.seeding import load_seed
from tests.conftest import NEW_ENTRY, ROOT, make_app

Headers = dict[str, dict[str, str]]
ADMIN, PUBLIC, HEADER = "/api/v1/admin", "/api/v1", "KB-Preview-Token"
WORD = "zqpreviewq"  # in drafts only


def preview(client: FlaskClient, auth: Headers, path: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"{ADMIN}/{path}/preview", json=body, headers=auth["editor"])
    assert response.status_code == 201, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def edit(client: FlaskClient, auth: Headers, path: str, **changes: Any) -> dict[str, Any]:
    response = client.patch(f"{ADMIN}/{path}", json=changes, headers={**auth["editor"], "If-Match": "*"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def publish(client: FlaskClient, auth: Headers, path: str) -> None:
    response = client.post(f"{ADMIN}/{path}/publish", headers={**auth["publisher"], "If-Match": "*"})
    assert response.status_code == 200, response.get_json()


def assert_private(response: Any) -> None:
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    assert "Last-Modified" not in response.headers
    assert HEADER in response.headers["Vary"]


def test_a_new_draft_is_shown_in_exactly_the_public_shape_it_gets_once_published(
    client: FlaskClient, auth: Headers
) -> None:
    draft = {**NEW_ENTRY, "body": f"Lift it **gently**. {WORD}", "related": ["bruising", "infection"]}
    assert client.post(f"{ADMIN}/entries", json=draft, headers=auth["editor"]).status_code == 201
    link = preview(client, auth, "entries/milia-extraction")
    assert link["token"].startswith("kbp_")
    assert (link["header"], link["object_type"], link["slug"]) == (HEADER, "entry", "milia-extraction")
    assert (link["locale"], link["version"], link["url"]) == ("en", 1, "/api/v1/entries/milia-extraction")

    assert client.get(f"{PUBLIC}/entries/milia-extraction").status_code == 404
    shown = client.get(link["url"], headers={HEADER: link["token"]})
    assert shown.status_code == 200, shown.get_json()
    assert_private(shown)
    body = shown.get_json()
    assert body["status"] == "draft"
    assert body["published_at"] is None
    assert "<strong>gently</strong>" in body["body_html"]
    # an If-None-Match is never answered 304 for a preview
    again = client.get(link["url"], headers={HEADER: link["token"], "If-None-Match": "*"})
    assert again.status_code == 200

    publish(client, auth, "entries/milia-extraction")
    public = client.get(f"{PUBLIC}/entries/milia-extraction")
    assert public.headers["Cache-Control"].startswith("public")
    assert HEADER in public.headers["Vary"]
    live = public.get_json()
    assert live["status"] == "published"
    assert live["published_at"]
    assert {k: v for k, v in live.items() if k not in ("status", "published_at")} == {
        k: v for k, v in body.items() if k not in ("status", "published_at")
    }
    with_related = client.get(f"{link['url']}?include=related", headers={HEADER: link["token"]}).get_json()
    assert [e["slug"] for e in with_related["related_entries"]] == ["bruising", "infection"]


def test_a_token_shows_the_version_it_was_made_for_and_the_public_copy_never_changes(
    client: FlaskClient, auth: Headers
) -> None:
    before = client.get(f"{PUBLIC}/entries/bruising")
    etag, live = before.headers["ETag"], before.get_json()
    first = edit(client, auth, "entries/bruising", title=f"Bruising {WORD} one")
    link = preview(client, auth, "entries/bruising")
    assert link["version"] == first["version"]
    edit(client, auth, "entries/bruising", title="Bruising two")
    older = preview(client, auth, "entries/bruising", version=live["version"])

    shown = client.get(f"{PUBLIC}/entries/bruising", headers={HEADER: link["token"]}).get_json()
    assert (shown["title"], shown["version"], shown["status"]) == (
        f"Bruising {WORD} one",
        first["version"],
        "draft",
    )
    assert shown["published_at"] == live["published_at"]
    old = client.get(f"{PUBLIC}/entries/bruising", headers={HEADER: older["token"]}).get_json()
    assert (old["title"], old["status"]) == ("Bruising", "published")
    assert old == live

    after = client.get(f"{PUBLIC}/entries/bruising")
    assert after.get_json() == live
    assert after.headers["ETag"] == etag
    assert client.get(f"{PUBLIC}/entries/bruising", headers={"If-None-Match": etag}).status_code == 304


def test_previews_never_reach_search_suggest_the_feed_the_sync_or_the_lists(
    client: FlaskClient, auth: Headers
) -> None:
    feed = client.get(f"{PUBLIC}/changes?limit=100").get_json()
    synced = client.get(f"{PUBLIC}/sync?limit=200").get_json()
    edit(client, auth, "entries/bruising", title=f"Bruising {WORD}", summary=f"{WORD} summary")
    assert (
        client.post(f"{ADMIN}/entries", json={**NEW_ENTRY, "title": WORD}, headers=auth["editor"]).status_code
        == 201
    )
    tokens = [preview(client, auth, f"entries/{slug}")["token"] for slug in ("bruising", "milia-extraction")]
    for token in tokens:
        for path in ("entries/bruising", "entries/milia-extraction"):
            client.get(f"{PUBLIC}/{path}", headers={HEADER: token})
        hits = client.get(f"{PUBLIC}/search", query_string={"q": WORD}, headers={HEADER: token})
        assert hits.status_code == 200
        assert hits.get_json()["data"] == []
        suggest = client.get(f"{PUBLIC}/suggest", query_string={"q": WORD[:6]}, headers={HEADER: token})
        assert suggest.status_code == 200
        assert WORD not in suggest.get_data(as_text=True)
        listed = client.get(f"{PUBLIC}/entries?per_page=100", headers={HEADER: token})
        assert WORD not in listed.get_data(as_text=True)
        for query in ({"limit": 200}, {"cursor": synced["next_cursor"]}):  # initial and delta
            page = client.get(f"{PUBLIC}/sync", query_string=query, headers={HEADER: token})
            assert page.status_code == 200
            assert WORD not in page.get_data(as_text=True)
            assert "milia-extraction" not in page.get_data(as_text=True)
    assert client.get(f"{PUBLIC}/changes?limit=100").get_json() == feed
    assert client.get(f"{PUBLIC}/sync?limit=200").get_json()["data"] == synced["data"]
    delta = client.get(f"{PUBLIC}/sync", query_string={"cursor": synced["next_cursor"]}).get_json()
    assert (delta["data"], delta["tombstones"]) == ([], [])


def test_a_token_for_another_object_gets_the_public_copy_privately(
    client: FlaskClient, auth: Headers
) -> None:
    edit(client, auth, "entries/bruising", title=f"Bruising {WORD}")
    token = preview(client, auth, "entries/bruising")["token"]
    other = client.get(f"{PUBLIC}/entries/infection", headers={HEADER: token})
    assert other.status_code == 200
    assert other.get_json() == client.get(f"{PUBLIC}/entries/infection").get_json()
    assert_private(other)
    article = client.get(f"{PUBLIC}/articles/microneedling-complications", headers={HEADER: token})
    assert article.status_code == 200
    assert WORD not in article.get_data(as_text=True)


def test_articles_are_previewed_with_their_published_entries(client: FlaskClient, auth: Headers) -> None:
    path = "articles/microneedling-complications"
    draft = client.get(f"{ADMIN}/{path}", headers=auth["editor"]).get_json()
    sections = [{k: s[k] for k in ("heading", "body", "entries")} for s in draft["sections"]]
    sections[0] = {**sections[0], "heading": f"New {WORD}", "body": "*Now* with emphasis."}
    edit(client, auth, path, sections=sections)
    link = preview(client, auth, path)
    assert link["url"] == "/api/v1/articles/microneedling-complications"
    shown = client.get(link["url"], headers={HEADER: link["token"]})
    assert_private(shown)
    body = shown.get_json()
    public = client.get(link["url"]).get_json()
    assert set(body) == set(public)
    assert body["sections"][0]["heading"] == f"New {WORD}"
    assert body["sections"][0]["body_html"] == "<p><em>Now</em> with emphasis.</p>\n"
    assert body["sections"][1:] == public["sections"][1:]
    full = client.get(f"{link['url']}?include=entries", headers={HEADER: link["token"]}).get_json()
    assert full["included"]["entries"][0]["body_html"]
    assert full["included"] == client.get(f"{link['url']}?include=entries").get_json()["included"]
    slim = client.get(
        f"{link['url']}?include=entries&fields=title,sections&fields[entries]=title&body_format=html",
        headers={HEADER: link["token"]},
    )
    assert_private(slim)
    slim_body = slim.get_json()
    assert set(slim_body) == {"slug", "locale", "title", "sections", "included"}  # shaped as public reads
    assert slim_body["sections"][0]["body_html"] == "<p><em>Now</em> with emphasis.</p>\n"
    assert "body" not in slim_body["sections"][0]
    assert all(set(e) == {"slug", "locale", "title"} for e in slim_body["included"]["entries"])
    assert WORD not in client.get(link["url"]).get_data(as_text=True)


def test_altered_foreign_and_malformed_tokens_are_401_problems(
    client: FlaskClient, auth: Headers, tmp_path: Path
) -> None:
    edit(client, auth, "entries/bruising", title=f"Bruising {WORD}")
    token = preview(client, auth, "entries/bruising")["token"]
    other = make_app(tmp_path / "other", KB_PREVIEW_SECRET="another key entirely")
    with other.app_context():
        load_seed(ROOT / "seed")
    foreign = other.test_client()
    for bad in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        token.replace("kbp_", "kbp_x"),
        "nope",
        "",
    ):
        response = client.get(f"{PUBLIC}/entries/bruising", headers={HEADER: bad})
        assert response.status_code == 401, bad
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith(HEADER)
        assert response.headers["Cache-Control"] == "private, no-store"
    assert foreign.get(f"{PUBLIC}/entries/bruising", headers={HEADER: token}).status_code == 401


def test_an_expired_token_is_401(tmp_path: Path) -> None:
    app = make_app(tmp_path, KB_PREVIEW_TTL=1)
    with app.app_context():
        load_seed(ROOT / "seed")
    client = app.test_client()
    auth = _tokens(app)
    token = preview(client, auth, "entries/bruising")["token"]
    assert client.get(f"{PUBLIC}/entries/bruising", headers={HEADER: token}).status_code == 200
    time.sleep(1.1)
    expired = client.get(f"{PUBLIC}/entries/bruising", headers={HEADER: token})
    assert expired.status_code == 401
    assert "expired" in expired.get_json()["detail"]


def test_the_token_is_never_taken_from_the_query_string(client: FlaskClient, auth: Headers) -> None:
    token = preview(client, auth, "entries/bruising")["token"]
    for name in ("preview_token", "token", HEADER):
        response = client.get(f"{PUBLIC}/entries/bruising", query_string={name: token})
        assert response.status_code == 400, name
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"version": 99}, 422, "version"),
        ({"version": 0}, 422, "version"),
        ({"expires_in": 10}, 422, "expires_in"),
        ({"expires_in": 10**9}, 422, "expires_in"),
        ({"color": "red"}, 422, "color"),
    ],
)
def test_bad_preview_requests_are_problems(
    client: FlaskClient, auth: Headers, body: dict[str, Any], status: int, field: str
) -> None:
    response = client.post(f"{ADMIN}/entries/bruising/preview", json=body, headers=auth["editor"])
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["errors"]


def test_who_may_ask_for_a_preview_and_the_audit(app: Flask, client: FlaskClient, auth: Headers) -> None:
    assert client.post(f"{ADMIN}/entries/bruising/preview").status_code == 401
    assert client.post(f"{ADMIN}/entries/nothing-here/preview", headers=auth["editor"]).status_code == 404
    no_body = client.post(f"{ADMIN}/articles/microneedling-complications/preview", headers=auth["editor"])
    assert no_body.status_code == 201, no_body.get_json()
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "preview.create")).all()
        assert [(e.object_type, e.object_key) for e in events] == [("article", "microneedling-complications")]


def test_the_document_describes_the_preview_scheme(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    scheme = spec["components"]["securitySchemes"]["previewToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", HEADER)
    for path in ("/api/v1/entries/{slug}", "/api/v1/articles/{slug}"):
        operation = spec["paths"][path]["get"]
        assert operation["security"] == [{}, {"previewToken": []}]
        assert "401" in operation["responses"]
    for path in ("/api/v1/admin/entries/{slug}/preview", "/api/v1/admin/articles/{slug}/preview"):
        assert "201" in spec["paths"][path]["post"]["responses"]


def _tokens(app: Flask) -> Headers:
    runner = app.test_cli_runner()
    headers = {}
    for role in ("editor", "publisher", "admin"):
        result = runner.invoke(args=["token", "create", "--name", f"{role}-x", "--role", role])
        headers[role] = {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}
    return headers
