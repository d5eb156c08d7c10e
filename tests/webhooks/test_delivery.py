"""Deliveries to a real receiver on 127.0.0.1, verified with the standardwebhooks library: every
publishing path emits, thin payloads, one webhook-id per event across retries, exactly once through
500s, timeouts and a receiver that is down, 410 disables, rollbacks never deliver."""

from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient

from kb.extensions import db
from kb.models import WebhookEvent
from kb.services import editing, publishing
from kb.services.resources import ENTRY
from kb.services.unit_of_work import unit_of_work
from tests.conftest import NEW_ENTRY
from tests.webhooks.conftest import HOOKS, Headers, deliveries, publish, register, work
from tests.webhooks.receiver import Receiver

ENTRIES = "/api/v1/admin/entries"


def event_ids(app: Flask) -> set[str]:
    with app.app_context():
        return set(
            db.session.scalars(db.select(WebhookEvent.public_id).where(WebhookEvent.type != "webhook.ping"))
        )


def change_and_publish(client: FlaskClient, auth: Headers, slug: str) -> None:
    path = f"{ENTRIES}/{slug}"
    changed = client.patch(
        path, json={"summary": f"Changed {slug}."}, headers={**auth["editor"], "If-Match": "*"}
    )
    assert changed.status_code == 200
    publish(client, auth, path)


def test_publish_unpublish_delete_are_delivered_signed_with_thin_payloads(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    client = app.test_client()
    endpoint = register(client, auth, receiver)
    assert endpoint["secret"].startswith("whsec_")
    client.post(ENTRIES, json=NEW_ENTRY, headers=auth["editor"])
    path = f"{ENTRIES}/{NEW_ENTRY['slug']}"
    publish(client, auth, path)
    etag = client.get(path, headers=auth["editor"]).headers["ETag"]
    assert (
        client.post(f"{path}/unpublish", headers={**auth["publisher"], "If-Match": etag}).status_code == 200
    )
    publish(client, auth, path)
    etag = client.get(path, headers=auth["editor"]).headers["ETag"]
    assert client.delete(path, headers={**auth["admin"], "If-Match": etag}).status_code == 204
    work(app, lambda: len(receiver.accepted()) == 4)
    received = receiver.received()
    assert [r.payload["type"] for r in received] == [
        "entry.published",
        "entry.unpublished",
        "entry.published",
        "entry.deleted",
    ]
    assert all(r.verified_by == [0] for r in received)
    first = received[0].payload
    assert set(first) == {"type", "timestamp", "data"}
    assert first["data"] == {
        "slug": "milia-extraction",
        "kind": "technique",
        "locale": "en",
        "version": 1,
        "change": "upsert",
        "url": "/api/v1/entries/milia-extraction?locale=en",
    }
    assert received[1].payload["data"]["change"] == "remove"
    assert first["timestamp"].endswith("Z")
    assert len({r.webhook_id for r in received}) == 4
    assert {r.webhook_id for r in received} == event_ids(app)
    log = deliveries(client, auth, endpoint["id"])
    assert [d["status"] for d in log] == ["succeeded"] * 4
    assert log[0]["attempt_log"][0]["response_code"] == 200
    assert log[0]["attempt_log"][0]["duration_ms"] >= 0


def test_articles_and_imports_emit_too_and_filters_apply(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    client = app.test_client()
    register(client, auth, receiver, event_types=["article.unpublished", "entry.published"])
    other = Receiver()
    try:
        register(client, auth, other, locales=["pt"])  # no content in pt: nothing for it
        path = "/api/v1/admin/articles/microneedling-complications"
        etag = client.get(path, headers=auth["editor"]).headers["ETag"]
        client.post(f"{path}/unpublish", headers={**auth["publisher"], "If-Match": etag})
        item = {"type": "entry", "status": "published", "draft": NEW_ENTRY, "live": NEW_ENTRY}
        imported = client.post("/api/v1/admin/import", json={"items": [item]}, headers=auth["admin"])
        assert imported.status_code == 200, imported.get_json()
        work(app, lambda: len(receiver.accepted()) == 3)
        types = sorted(r.payload["type"] for r in receiver.received())
        assert types == ["article.unpublished", "article.unpublished", "entry.published"]  # and its es
        unpublished = [r.payload for r in receiver.received() if r.payload["type"].startswith("article")]
        assert sorted(p["data"]["locale"] for p in unpublished) == ["en", "es"]  # the seed's translation
        article = next(p for p in unpublished if p["data"]["locale"] == "en")
        assert article["data"]["kind"] == "article"
        assert article["data"]["url"] == "/api/v1/articles/microneedling-complications?locale=en"
        assert other.received() == []
    finally:
        other.stop()


def test_every_event_is_accepted_exactly_once_through_500s_timeouts_and_an_outage(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    def script(webhook_id: str, seen: int) -> object:
        if seen == 0:
            return 500
        if seen == 1:
            return ("stall", 1.0)  # past KB_WEBHOOK_TIMEOUT (0.5 s)
        return 200

    receiver.script = script
    client = app.test_client()
    endpoint = register(client, auth, receiver)
    slugs = ["bruising", "infection", "persistent-pain"]
    for slug in slugs:
        change_and_publish(client, auth, slug)
    receiver.stop()  # down for a while: connections refused
    worker_started = time.monotonic()
    work(app, lambda: time.monotonic() - worker_started > 0.6, timeout=10)
    receiver.start()
    work(app, lambda: len(receiver.accepted()) == 3)
    assert set(receiver.accepted().values()) == {1}  # each event accepted once
    assert set(receiver.accepted()) == event_ids(app)
    ids = {r.webhook_id for r in receiver.received()}
    assert len(ids) == 3  # retries carry the event's id
    log = deliveries(client, auth, endpoint["id"])
    for delivery in log:
        codes = [a["response_code"] for a in delivery["attempt_log"]]
        assert delivery["status"] == "succeeded"
        assert codes[-3:] == [500, None, 200]
        assert all(code is None for code in codes[:-3])  # the outage: no answer
        assert "0.5 s" in delivery["attempt_log"][-2]["error"]
        assert [a["number"] for a in delivery["attempt_log"]] == list(range(1, len(codes) + 1))


def test_a_rolled_back_publish_is_never_delivered(app: Flask, auth: Headers, receiver: Receiver) -> None:
    client = app.test_client()
    register(client, auth, receiver)
    client.post(ENTRIES, json=NEW_ENTRY, headers=auth["editor"])

    class Abort(Exception):
        pass

    with app.app_context():
        try:
            with unit_of_work("entry.publish", object_type="entry", object_key=NEW_ENTRY["slug"]):
                publishing.publish(ENTRY, editing.get(ENTRY, NEW_ENTRY["slug"]))
                raise Abort
        except Abort:
            pass
    assert client.get(f"/api/v1/entries/{NEW_ENTRY['slug']}").status_code == 404
    work(app, lambda: True)
    assert event_ids(app) == set()
    publish(client, auth, f"{ENTRIES}/{NEW_ENTRY['slug']}")  # committed: delivered
    work(app, lambda: len(receiver.accepted()) == 1)
    time.sleep(0.3)
    work(app, lambda: True)
    assert [r.payload["data"]["slug"] for r in receiver.received()] == [NEW_ENTRY["slug"]]
    assert len(event_ids(app)) == 1


def test_410_disables_the_endpoint_and_readyz_reports_failing_endpoints(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    client = app.test_client()
    gone = register(client, auth, receiver)
    failing = Receiver(lambda _id, _n: 503)
    try:
        register(client, auth, failing)
        receiver.script = lambda _id, _n: 410
        change_and_publish(client, auth, "bruising")
        work(app, lambda: len(receiver.received()) == 1 and len(failing.received()) >= 1)
        endpoint = client.get(f"{HOOKS}/{gone['id']}", headers=auth["admin"]).get_json()
        assert endpoint["enabled"] is False
        assert "410" in endpoint["disabled_reason"]
        ready = client.get("/readyz").get_json()["checks"]["jobs"]
        assert ready["failing_endpoints"] == 2
        assert ready["pending"] >= 0
        assert "oldest_pending_seconds" in ready
        change_and_publish(client, auth, "infection")
        work(
            app,
            lambda: all(
                d["status"] == "failed" for d in deliveries(client, auth, failing_id(client, auth, failing))
            ),
        )
        assert len(receiver.received()) == 1  # disabled: nothing more
        schedule = app.config["KB_WEBHOOK_RETRY_SCHEDULE"]
        log = deliveries(client, auth, failing_id(client, auth, failing))
        assert [d["attempts"] for d in log] == [len(schedule) + 1] * 2  # the schedule, then failed
    finally:
        failing.stop()


def failing_id(client: FlaskClient, auth: Headers, receiver: Receiver) -> str:
    listed = client.get(HOOKS, headers=auth["admin"]).get_json()["data"]
    return next(e["id"] for e in listed if e["url"] == receiver.url)


def test_ping_redeliver_and_rotation_sign_with_old_and_new(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    client = app.test_client()
    endpoint = register(client, auth, receiver)
    ping = client.post(f"{HOOKS}/{endpoint['id']}/test", headers=auth["admin"])
    assert ping.status_code == 200
    body = ping.get_json()
    assert (body["status"], body["event_type"], body["attempt_log"][0]["response_code"]) == (
        "succeeded",
        "webhook.ping",
        200,
    )
    assert receiver.received()[0].verified_by == [0]
    again = client.post(f"{HOOKS}/{endpoint['id']}/deliveries/{body['id']}/redeliver", headers=auth["admin"])
    assert again.status_code == 202
    busy = client.post(f"{HOOKS}/{endpoint['id']}/deliveries/{body['id']}/redeliver", headers=auth["admin"])
    assert busy.status_code == 409
    work(app, lambda: len(receiver.received()) == 2)
    first, second = receiver.received()
    assert first.webhook_id == second.webhook_id  # the same event: receivers de-duplicate
    one = client.get(f"{HOOKS}/{endpoint['id']}/deliveries/{body['id']}", headers=auth["admin"]).get_json()
    assert (one["status"], one["attempts"]) == ("succeeded", 2)

    path = f"{HOOKS}/{endpoint['id']}"
    assert client.post(f"{path}/rotate-secret", headers=auth["admin"]).status_code == 428
    etag = client.get(path, headers=auth["admin"]).headers["ETag"]
    rotated = client.post(f"{path}/rotate-secret", json={}, headers={**auth["admin"], "If-Match": etag})
    assert rotated.status_code == 200, rotated.get_json()
    new_secret = rotated.get_json()["secret"]
    assert new_secret.startswith("whsec_")
    assert new_secret != endpoint["secret"]
    assert rotated.get_json()["previous_secret_expires_at"] is not None
    receiver.secrets.append(new_secret)
    client.post(f"{path}/test", headers=auth["admin"])
    assert receiver.received()[-1].verified_by == [0, 1]  # old and new both verify during the overlap
    assert len(receiver.received()[-1].headers["webhook-signature"].split(" ")) == 2
    etag = client.get(path, headers=auth["admin"]).headers["ETag"]
    client.post(
        f"{path}/rotate-secret", json={"overlap_seconds": 0}, headers={**auth["admin"], "If-Match": etag}
    )
    client.post(f"{path}/test", headers=auth["admin"])
    assert receiver.received()[-1].verified_by == []  # neither: a third secret, alone
    assert "secret" not in client.get(path, headers=auth["admin"]).get_json()


def test_redirects_are_not_followed(app: Flask, auth: Headers, receiver: Receiver) -> None:
    receiver.script = lambda _id, _n: ("redirect", f"http://127.0.0.1:{receiver.port}/elsewhere")
    client = app.test_client()
    endpoint = register(client, auth, receiver)
    body = client.post(f"{HOOKS}/{endpoint['id']}/test", headers=auth["admin"]).get_json()
    assert (body["status"], body["last_response_code"]) == ("failed", 302)
    assert [r.path for r in receiver.received()] == ["/hook"]


def test_the_ssrf_guard_refuses_private_addresses_at_delivery_too(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    client = app.test_client()
    endpoint = register(client, auth, receiver)
    app.config["KB_WEBHOOK_ALLOW_PRIVATE"] = False
    body = client.post(f"{HOOKS}/{endpoint['id']}/test", headers=auth["admin"]).get_json()
    assert body["status"] == "failed"
    assert "refused" in body["last_error"]
    assert receiver.received() == []
