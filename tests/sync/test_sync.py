"""Full sync through HTTP: initial pages, deltas with tombstones, the snapshot rule while paging,
strict cursors, and 410 resync-required once cleanup pruned the feed past a cursor."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from kb.extensions import db
from kb.models import Change
from kb.models.types import utcnow
from tests.sync.support import SYNC, Editor, Headers, OfflineApp, published, spanish, technique


def test_an_initial_sync_in_small_pages_holds_exactly_the_published_content(client: FlaskClient) -> None:
    for locale in ("en", "es"):
        app = OfflineApp(client, locale, limit=2)
        app.sync()
        assert len(app.received) == len(set(app.received)) == len(app.items)
        assert app.dropped == []
        assert app.items == published(client, locale)
        assert {key[0] for key in app.items} == {"entry", "article", "procedure"}
        assert {item["locale"] for item in app.items.values()} == {locale}  # the seed is translated


def test_an_item_is_exactly_its_public_detail_read_tagged_with_its_type(client: FlaskClient) -> None:
    page = client.get(SYNC, query_string={"locale": "es", "limit": 200}).get_json()
    assert page["has_more"] is False
    assert page["tombstones"] == []
    article = next(item for item in page["data"] if item["type"] == "article")
    detail = client.get(f"/api/v1/articles/{article['slug']}?locale=es").get_json()
    assert article == {"type": "article", **detail}
    entry = next(item for item in page["data"] if item["slug"] == "infection")
    assert entry == {"type": "entry", **client.get("/api/v1/entries/infection?locale=es").get_json()}


def test_a_delta_brings_publishes_edits_unpublishes_and_deletes(client: FlaskClient, auth: Headers) -> None:
    editor, app = Editor(client, auth), OfflineApp(client, "en")
    app.sync()
    cursor = app.cursor
    app.sync()
    assert (app.received, app.dropped, app.cursor) == ([], [], cursor)  # nothing changed

    editor.create(technique("short-lived", "Short-lived"))
    editor.publish("short-lived")
    editor.create(technique("cold-compress", "Cold Compress", related=["bruising"]))
    editor.publish("cold-compress")
    editor.edit("infection", title="Infection, edited")
    editor.publish("infection")
    editor.edit("infection", title="Infection, edited twice")
    editor.publish("infection")
    editor.delete("short-lived")
    editor.unpublish("bruising")  # cold-compress no longer lists it in related; the article drops it
    app.limit = 2
    app.sync()
    assert sorted(app.dropped) == [("entry", "bruising"), ("entry", "short-lived")]
    assert ("entry", "infection") in app.received
    assert app.items[("entry", "infection")]["title"] == "Infection, edited twice"
    assert app.items[("entry", "cold-compress")]["related"] == []
    assert len(app.received) == len(set(app.received))  # each item once, in its latest state
    assert app.items == published(client, "en")


def test_a_delta_brings_translations_published_and_withdrawn(client: FlaskClient, auth: Headers) -> None:
    editor = Editor(client, auth)
    editor.create(technique("cold-compress", "Cold Compress"))
    editor.publish("cold-compress")
    spanish_app, english_app = OfflineApp(client, "es"), OfflineApp(client, "en")
    spanish_app.sync()
    english_app.sync()
    assert spanish_app.items[("entry", "cold-compress")]["locale"] == "en"  # falls back

    editor.translate("cold-compress", spanish("Cold Compress"))
    spanish_app.sync()
    english_app.sync()
    assert spanish_app.received == [("entry", "cold-compress")]
    assert spanish_app.items[("entry", "cold-compress")]["title"] == "Cold Compress (es)"
    assert [t["locale"] for t in english_app.items[("entry", "cold-compress")]["translations"]] == [
        "en",
        "es",
    ]

    editor.withdraw("cold-compress")
    spanish_app.sync()
    english_app.sync()  # its translations listing drops es
    assert spanish_app.items[("entry", "cold-compress")]["locale"] == "en"
    assert english_app.received == [("entry", "cold-compress")]
    page = client.get(SYNC, query_string={"locale": "es", "fallback": "none", "limit": 200}).get_json()
    assert ("entry", "cold-compress") not in {(i["type"], i["slug"]) for i in page["data"]}
    for app in (spanish_app, english_app):
        assert app.items == published(client, app.locale)


def test_changes_made_while_paging_come_in_the_next_delta_never_lost_nor_twice(
    client: FlaskClient, auth: Headers
) -> None:
    editor, app = Editor(client, auth), OfflineApp(client, "en", limit=3)
    first = app.get(None)
    app.apply(first)
    seen = {item["slug"] for item in first["data"]}
    assert first["has_more"] is True
    assert "when-to-seek-professional-help" not in seen

    editor.create(technique("aaa-first", "Before the page"))  # sorts before the next page
    editor.publish("aaa-first")
    editor.create(technique("zzz-last", "After the page"))
    editor.publish("zzz-last")
    editor.edit("when-to-seek-professional-help", title="Seek help, edited")  # not paged yet
    editor.publish("when-to-seek-professional-help")
    seen_slug = first["data"][0]["slug"]
    editor.edit(seen_slug, summary="Edited after it was paged")  # paged already
    editor.publish(seen_slug)
    editor.unpublish("persistent-pain")  # not paged yet
    page = first
    while page["has_more"]:
        page = app.get(app.cursor)
        app.apply(page)
    initial = list(app.received)
    assert len(initial) == len(set(initial))
    assert ("entry", "when-to-seek-professional-help") not in initial  # changed after the snapshot
    assert not {("entry", "aaa-first"), ("entry", "zzz-last"), ("entry", "persistent-pain")} & set(initial)

    app.sync()  # the delta from the snapshot
    assert {
        ("entry", "aaa-first"),
        ("entry", "zzz-last"),
        ("entry", "when-to-seek-professional-help"),
    } <= set(app.received)
    assert ("entry", "persistent-pain") in app.dropped
    assert app.items[("entry", "when-to-seek-professional-help")]["title"] == "Seek help, edited"
    assert app.items == published(client, "en")


def _cursor(body: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()


def test_bad_requests_are_400_problems_naming_the_parameter(client: FlaskClient) -> None:
    good = client.get(SYNC).get_json()["next_cursor"]
    bad_cursors = [
        "abc",
        "!!!",
        "a" * 1001,
        _cursor({"v": 2, "p": "delta", "c": ["en"], "s": 1}),  # a version this server does not make
        _cursor({"v": 1, "p": "delta", "c": ["en"], "s": -1}),
        _cursor({"v": 1, "p": "delta", "c": [], "s": 1}),
        _cursor({"v": 1, "p": "delta", "c": ["EN GB"], "s": 1}),
        _cursor({"v": 1, "p": "later", "c": ["en"], "s": 1}),
        _cursor({"v": 1, "p": "initial", "c": ["en"], "s": 1, "a": ["page", "x"]}),
        _cursor({"v": 1, "p": "delta", "c": ["en"], "s": 1, "extra": True}),
        _cursor({"v": 1, "p": "delta", "c": ["en"], "s": "1"}),
        _cursor([1, 2]),  # type: ignore[arg-type]
        base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("="),
    ]
    for cursor in bad_cursors:
        response = client.get(SYNC, query_string={"cursor": cursor})
        assert response.status_code == 400, cursor
        assert response.content_type == "application/problem+json"
        assert list(response.get_json()["errors"]) == ["cursor"], cursor
    for query, name in (
        ({"cursor": good, "locale": "en"}, "locale"),
        ({"cursor": good, "fallback": "none"}, "fallback"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"locale": "EN GB"}, "locale"),
    ):
        response = client.get(SYNC, query_string=query)
        assert response.status_code == 400, query
        assert name in response.get_json()["errors"], query
    assert client.get(SYNC, query_string={"locale": "xx"}).status_code == 400  # not a supported one


def _age_changes(app: Flask, days: int, upto: int | None = None) -> None:
    """Make the feed rows (up to id ``upto``) look ``days`` old, as if written then."""
    with app.app_context():
        query = sa.update(Change).values(at=utcnow() - timedelta(days=days))
        if upto is not None:
            query = query.where(Change.id <= upto)
        db.session.execute(query)
        db.session.commit()


def test_cursors_before_the_pruned_horizon_are_410_resync_required(
    app: Flask, client: FlaskClient, auth: Headers
) -> None:
    editor = Editor(client, auth)
    stale = OfflineApp(client, "en")
    stale.sync()
    old_feed = client.get("/api/v1/changes?limit=1").get_json()["next_cursor"]
    paging = client.get(SYNC, query_string={"limit": 2}).get_json()["next_cursor"]  # an initial sync's
    editor.create(technique("cold-compress", "Cold Compress"))
    editor.publish("cold-compress")
    with app.app_context():
        newest = db.session.scalar(sa.select(sa.func.max(Change.id)))
        kept = db.session.scalar(sa.select(sa.func.count()).select_from(Change))
    current = OfflineApp(client, "en")
    current.sync()
    _age_changes(app, 91, upto=newest)  # every change so far, cold-compress's too
    editor.edit("infection", title="Infection, after the pruned ones")
    editor.publish("infection")

    result = app.test_cli_runner().invoke(args=["cleanup"])
    assert result.exit_code == 0, result.output
    assert f"Pruned {kept} change(s) from the feed." in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.min(Change.id))) == newest + 1

    for url in (
        f"{SYNC}?cursor={stale.cursor}",
        f"{SYNC}?cursor={paging}",
        f"/api/v1/changes?since={old_feed}",
    ):
        response = client.get(url)
        assert response.status_code == 410, url
        assert response.content_type == "application/problem+json"
        body = response.get_json()
        assert body["type"].endswith("/resync-required")
        assert "initial sync" in body["detail"]
    # a cursor at the horizon is complete: nothing after it was pruned
    current.sync()
    assert ("entry", "infection") in current.received
    assert current.items == published(client, "en")
    assert client.get(f"/api/v1/changes?since={newest}").status_code == 200
    assert client.get("/api/v1/changes").status_code == 200  # from the start: what is kept
    again = OfflineApp(client, "en")  # what the app does on a 410
    again.sync()
    assert again.items == published(client, "en")
    # running it again prunes nothing more and moves nothing
    assert "Pruned 0 change(s)" in app.test_cli_runner().invoke(args=["cleanup"]).output
    current.sync()
    assert current.received == []


def test_recent_changes_are_kept(app: Flask, client: FlaskClient) -> None:
    stale = OfflineApp(client, "en")
    stale.sync()
    _age_changes(app, 89)
    assert "Pruned 0 change(s)" in app.test_cli_runner().invoke(args=["cleanup"]).output
    stale.sync()
    assert stale.received == []


def test_the_document_describes_sync(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/sync"]["get"]
    assert operation["operationId"] == "sync"
    assert {"200", "400", "410", "429"} <= set(operation["responses"])
    assert "resync-required" in operation["responses"]["410"]["description"]
    assert {p.get("name") for p in operation["parameters"]} >= {"cursor", "locale", "limit", "fallback"}
    page = spec["components"]["schemas"]["SyncPage"]
    item = page["properties"]["data"]["items"]
    assert item["discriminator"]["propertyName"] == "type"
    assert set(item["discriminator"]["mapping"]) == {"entry", "article", "procedure"}
    assert spec["components"]["schemas"]["SyncEntry"]["properties"]["type"]["enum"] == ["entry"]
    procedure = spec["components"]["schemas"]["SyncProcedure"]
    assert procedure["properties"]["type"]["enum"] == ["procedure"]
    assert {"rules", "slug", "title", "summary", "version"} <= set(procedure["required"])
    assert set(spec["components"]["schemas"]["Tombstone"]["required"]) == {
        "slug",
        "kind",
        "locale",
        "version",
    }
    assert "410" in spec["paths"]["/api/v1/changes"]["get"]["responses"]
