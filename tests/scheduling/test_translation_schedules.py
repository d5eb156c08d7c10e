"""Scheduled publishing of translations: one locale published or unpublished at a time by the worker,
as a manual translation publish would (public read in that locale, feed, webhooks in that locale),
failing clearly when the translation's draft changed or its source is not live."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.admin.test_translations import SWELLING, SWELLING_ES, TR, create_es, live_swelling
from tests.scheduling.test_schedules import soon, status
from tests.webhooks.conftest import Headers, register, work
from tests.webhooks.receiver import Receiver

PUBLIC_ES = "/api/v1/entries/post-treatment-swelling?locale=es&fallback=none"


def schedule(client: FlaskClient, auth: Headers, action: str, at: str) -> dict[str, object]:
    response = client.post(f"{TR}/schedule", json={"action": action, "at": at}, headers=auth["publisher"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_translation_publish_and_unpublish_run_at_their_time_in_that_locale_only(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    client = app.test_client()
    live_swelling(client, auth)
    create_es(client, auth)
    register(client, auth, receiver, locales=["es"])
    published = schedule(client, auth, "publish", soon(0.5))
    assert (published["locale"], published["draft_version"], published["status"]) == ("es", 1, "scheduled")
    assert client.get(PUBLIC_ES).status_code == 404
    work(app, lambda: status(client, auth, published["id"])["status"] != "scheduled", timeout=15)
    assert status(client, auth, published["id"])["status"] == "succeeded"
    shown = client.get(PUBLIC_ES)
    assert shown.status_code == 200
    assert shown.get_json()["title"] == SWELLING_ES["title"]
    assert client.get("/api/v1/entries/post-treatment-swelling").get_json()["locale"] == "en"

    withdrawn = schedule(client, auth, "unpublish", soon(0.5))
    work(app, lambda: status(client, auth, withdrawn["id"])["status"] != "scheduled", timeout=15)
    assert status(client, auth, withdrawn["id"])["status"] == "succeeded"
    assert client.get(PUBLIC_ES).status_code == 404
    assert client.get("/api/v1/entries/post-treatment-swelling").status_code == 200  # the source stays

    work(app, lambda: len(receiver.accepted()) == 4)
    events = [(r.payload["type"], r.payload["data"].get("locale")) for r in receiver.received()]
    assert sorted(events) == [
        ("entry.published", "es"),
        ("entry.unpublished", "es"),
        ("schedule.succeeded", "es"),
        ("schedule.succeeded", "es"),
    ]
    audit = client.get("/api/v1/admin/audit?action=entry.translation.publish", headers=auth["admin"])
    assert audit.get_json()["data"][0]["actor"].startswith(f"schedule {published['id']}")
    listed = client.get(f"{TR}/schedule", headers=auth["publisher"]).get_json()["data"]
    assert {s["id"] for s in listed} == {published["id"], withdrawn["id"]}
    source = client.get("/api/v1/admin/entries/post-treatment-swelling/schedule", headers=auth["publisher"])
    assert source.get_json()["data"] == []  # the source's own schedules are apart


def test_a_translation_changed_after_scheduling_is_not_published(app: Flask, auth: Headers) -> None:
    client = app.test_client()
    live_swelling(client, auth)
    create_es(client, auth)
    created = schedule(client, auth, "publish", soon(0.5))
    changed = client.patch(TR, json={"title": "Otra"}, headers={**auth["editor"], "If-Match": "*"})
    assert changed.status_code == 200
    work(app, lambda: status(client, auth, created["id"])["status"] != "scheduled", timeout=15)
    failed = status(client, auth, created["id"])
    assert failed["status"] == "failed"
    assert "changed after it was scheduled" in failed["error"]
    assert client.get(PUBLIC_ES).status_code == 404


def test_a_translation_whose_source_is_not_live_fails_with_the_reason(app: Flask, auth: Headers) -> None:
    client = app.test_client()
    assert client.post("/api/v1/admin/entries", json=SWELLING, headers=auth["editor"]).status_code == 201
    assert client.put(TR, json=SWELLING_ES, headers=auth["editor"]).status_code == 201
    created = schedule(client, auth, "publish", soon(0.5))
    work(app, lambda: status(client, auth, created["id"])["status"] != "scheduled", timeout=15)
    failed = status(client, auth, created["id"])
    assert failed["status"] == "failed"
    assert "Publish the source (en)" in failed["error"]


def test_translation_schedules_refused_with_problems(app: Flask, auth: Headers) -> None:
    client = app.test_client()
    live_swelling(client, auth)
    base = "/api/v1/admin/entries/post-treatment-swelling/translations"
    body = {"action": "publish", "at": soon(60)}
    missing = client.post(f"{base}/es/schedule", json=body, headers=auth["publisher"])
    assert missing.status_code == 404
    assert client.post(f"{base}/en/schedule", json=body, headers=auth["publisher"]).status_code == 409
    unknown = client.post(f"{base}/xx/schedule", json=body, headers=auth["publisher"])
    assert unknown.status_code == 400
    assert unknown.headers["Content-Type"] == "application/problem+json"
    assert client.post(f"{base}/es/schedule", json=body, headers=auth["editor"]).status_code == 403
