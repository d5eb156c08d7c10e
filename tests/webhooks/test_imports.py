"""Imports emit what the same change made by hand emits: an imported published entry (new, written with
Core inserts, or existing, saved through publishing) is one ``entry.published`` with the same data as a
manual publish; an import that fails or is a dry run emits nothing."""

from __future__ import annotations

from typing import Any

from flask import Flask

from kb.extensions import db
from kb.models import Job, WebhookDelivery, WebhookEvent
from kb.services.bulk.writer import CHUNK
from tests.conftest import NEW_ENTRY
from tests.webhooks.conftest import Headers, publish, register, work
from tests.webhooks.receiver import Receiver

ENTRIES, IMPORT = "/api/v1/admin/entries", "/api/v1/admin/import"


def _events(app: Flask) -> list[dict[str, Any]]:
    with app.app_context():
        query = db.select(WebhookEvent.payload).where(WebhookEvent.type != "webhook.ping")
        return list(db.session.scalars(query.order_by(WebhookEvent.id)))


def _without_identity(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("slug", "url")}


def test_an_imported_published_entry_emits_what_a_manual_publish_emits(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    client = app.test_client()
    register(client, auth, receiver)
    manual = {**NEW_ENTRY, "slug": "milia-by-hand"}
    assert client.post(ENTRIES, json=manual, headers=auth["editor"]).status_code == 201
    publish(client, auth, f"{ENTRIES}/milia-by-hand")
    imported = {**NEW_ENTRY, "slug": "milia-imported"}
    item = {"type": "entry", "status": "published", "draft": imported, "live": imported}
    response = client.post(IMPORT, json={"items": [item]}, headers=auth["admin"])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == ["entry:milia-imported"]

    work(app, lambda: len(receiver.accepted()) == 2)
    by_hand, by_import = (r.payload for r in receiver.received())
    assert by_hand["type"] == by_import["type"] == "entry.published"
    assert _without_identity(by_import["data"]) == _without_identity(by_hand["data"])
    assert by_import["data"]["url"] == "/api/v1/entries/milia-imported?locale=en"
    assert all(r.verified_by == [0] for r in receiver.received())


def test_imports_of_existing_entries_emit_publish_and_unpublish_and_new_drafts_nothing(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    client = app.test_client()
    register(client, auth, receiver)
    bruising = client.get(f"{ENTRIES}/bruising", headers=auth["editor"]).get_json()
    draft = {k: bruising[k] for k in ("slug", "kind", "title", "summary", "body", "details", "tags")}
    changed = {**draft, "title": "Bruising, imported"}
    draft_only = {**NEW_ENTRY, "slug": "milia-draft"}
    items = [
        {"type": "entry", "status": "published", "draft": changed, "live": changed},
        {"type": "entry", "status": "draft", "draft": draft_only},
    ]
    response = client.post(IMPORT, json={"items": items}, headers=auth["admin"])
    assert response.status_code == 200, response.get_json()
    [event] = _events(app)
    assert event["type"] == "entry.published"
    assert event["data"]["slug"] == "bruising"
    assert event["data"]["version"] == bruising["version"] + 1

    unpublished = [{"type": "entry", "status": "draft", "draft": changed}]
    response = client.post(IMPORT, json={"items": unpublished}, headers=auth["admin"])
    assert response.status_code == 200, response.get_json()
    assert [(e["type"], e["data"]["locale"]) for e in _events(app)] == [
        ("entry.published", "en"),
        ("entry.unpublished", "es"),  # the seed's live translation goes with its source
        ("entry.unpublished", "en"),
    ]
    work(app, lambda: len(receiver.accepted()) == 3)


def test_dry_runs_and_failed_imports_emit_nothing(app: Flask, auth: Headers, receiver: Receiver) -> None:
    client = app.test_client()
    register(client, auth, receiver)
    good = {"type": "entry", "status": "published", "draft": NEW_ENTRY, "live": NEW_ENTRY}
    dry = client.post(f"{IMPORT}?dry_run=true", json={"items": [good]}, headers=auth["admin"])
    assert dry.status_code == 200, dry.get_json()
    assert dry.get_json()["created"] == ["entry:milia-extraction"]
    bad = {"type": "entry", "status": "published", "draft": {**NEW_ENTRY, "slug": "x", "kind": "banana"}}
    failed = client.post(IMPORT, json={"items": [good, bad]}, headers=auth["admin"])
    assert failed.status_code == 422
    assert _events(app) == []


def test_a_large_import_emits_one_event_per_published_item_in_order_across_chunks(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    client = app.test_client()
    endpoint = register(client, auth, receiver)
    register(client, auth, receiver, event_types=["article.published"])  # to none of these
    count = CHUNK + 100
    items = []
    for n in range(count):
        entry = {**NEW_ENTRY, "slug": f"milia-{n:04d}"}
        items.append({"type": "entry", "status": "published", "draft": entry, "live": entry})
    items.insert(3, {"type": "entry", "status": "draft", "draft": {**NEW_ENTRY, "slug": "only-a-draft"}})
    response = client.post(IMPORT, json={"items": items}, headers=auth["admin"])
    assert response.status_code == 200, response.get_json()

    events = _events(app)
    assert [e["data"]["slug"] for e in events] == [f"milia-{n:04d}" for n in range(count)]
    assert {e["type"] for e in events} == {"entry.published"}
    assert {e["data"]["version"] for e in events} == {1}
    with app.app_context():
        deliveries = db.session.scalars(db.select(WebhookDelivery)).all()
        assert len(deliveries) == count
        assert {d.endpoint.public_id for d in deliveries} == {endpoint["id"]}
        keys = set(db.session.scalars(db.select(Job.key).where(Job.kind == "webhook.deliver")))
        assert keys == {f"webhook.deliver:{d.id}:0" for d in deliveries}
    first = [f"milia-{n:04d}" for n in range(5)]
    work(app, lambda: {r.payload["data"]["slug"] for r in receiver.received()} >= set(first), timeout=60)
