"""Translations emit webhook events in their own locale, and endpoints subscribed to some locales get
only those: a Spanish publish, the source's unpublish that withdraws it, and the source's delete."""

from __future__ import annotations

from flask import Flask

from tests.admin.test_translations import TR, create_es, live_swelling
from tests.webhooks.conftest import Headers, register, work
from tests.webhooks.receiver import Receiver

SOURCE = "/api/v1/admin/entries/post-treatment-swelling"


def test_a_translation_is_delivered_in_its_locale_to_the_endpoints_of_that_locale(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    client = app.test_client()
    live_swelling(client, auth)
    register(client, auth, receiver, locales=["es"])
    english = Receiver()
    try:
        register(client, auth, english, locales=["en"])
        etag = create_es(client, auth)
        published = client.post(f"{TR}/publish", headers={**auth["publisher"], "If-Match": etag})
        assert published.status_code == 200, published.get_json()
        etag = client.get(SOURCE, headers=auth["editor"]).headers["ETag"]
        response = client.post(f"{SOURCE}/unpublish", headers={**auth["publisher"], "If-Match": etag})
        assert response.status_code == 200, response.get_json()
        work(app, lambda: len(receiver.accepted()) == 2 and len(english.accepted()) == 1)
        spanish = [r.payload for r in receiver.received()]
        assert [p["type"] for p in spanish] == ["entry.published", "entry.unpublished"]
        assert spanish[0]["data"] == {
            "slug": "post-treatment-swelling",
            "kind": "complication",
            "locale": "es",
            "version": published.get_json()["version"],
            "change": "upsert",
            "url": "/api/v1/entries/post-treatment-swelling?locale=es",
        }
        assert spanish[1]["data"]["change"] == "remove"  # withdrawn with its source
        assert [r.payload["type"] for r in english.received()] == ["entry.unpublished"]
        assert english.received()[0].payload["data"]["locale"] == "en"
    finally:
        english.stop()


def test_deleting_the_source_says_deleted_for_its_live_translations(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    client = app.test_client()
    live_swelling(client, auth)
    etag = create_es(client, auth)
    assert client.post(f"{TR}/publish", headers={**auth["publisher"], "If-Match": etag}).status_code == 200
    register(client, auth, receiver, event_types=["entry.deleted"])
    etag = client.get(SOURCE, headers=auth["editor"]).headers["ETag"]
    assert client.delete(SOURCE, headers={**auth["admin"], "If-Match": etag}).status_code == 204
    work(app, lambda: len(receiver.accepted()) == 2)
    assert sorted(r.payload["data"]["locale"] for r in receiver.received()) == ["en", "es"]
    assert {r.payload["type"] for r in receiver.received()} == {"entry.deleted"}
