"""Scheduled publishing: a publish or unpublish at a time, run once by the worker as a manual publish
would (public API, changes feed, search, webhooks), failing clearly when the draft changed since."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import NEW_ENTRY
from tests.webhooks.conftest import Headers, register, work
from tests.webhooks.receiver import Receiver

ENTRIES = "/api/v1/admin/entries"
SCHEDULES = "/api/v1/admin/schedules"


def soon(seconds: float = 1.0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def schedule(client: FlaskClient, auth: Headers, path: str, action: str, at: str) -> dict[str, Any]:
    response = client.post(f"{path}/schedule", json={"action": action, "at": at}, headers=auth["publisher"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def status(client: FlaskClient, auth: Headers, schedule_id: str) -> dict[str, Any]:
    return client.get(f"{SCHEDULES}/{schedule_id}", headers=auth["publisher"]).get_json()


def test_a_scheduled_publish_runs_once_at_its_time_like_a_manual_one(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    client = app.test_client()
    register(client, auth, receiver)
    client.post(ENTRIES, json=NEW_ENTRY, headers=auth["editor"])
    path = f"{ENTRIES}/{NEW_ENTRY['slug']}"
    created = schedule(client, auth, path, "publish", soon(1.0))
    assert (created["status"], created["draft_version"]) == ("scheduled", 1)
    assert created["id"].startswith("sch_")
    work(app, lambda: True)  # not due yet: nothing happens
    assert client.get(f"/api/v1/entries/{NEW_ENTRY['slug']}").status_code == 404
    started = time.monotonic()
    work(app, lambda: status(client, auth, created["id"])["status"] != "scheduled", timeout=15)
    assert time.monotonic() - started < 5
    done = status(client, auth, created["id"])
    assert (done["status"], done["error"]) == ("succeeded", None)
    assert client.get(f"/api/v1/entries/{NEW_ENTRY['slug']}").status_code == 200
    hits = client.get("/api/v1/search?q=zqmiliaq").get_json()
    assert hits["meta"]["total"] == 1
    feed = client.get("/api/v1/changes").get_json()["data"]
    assert feed[-1]["slug"] == NEW_ENTRY["slug"]
    work(app, lambda: len(receiver.accepted()) == 2)
    types = sorted(r.payload["type"] for r in receiver.received())
    assert types == ["entry.published", "schedule.succeeded"]
    audit = client.get("/api/v1/admin/audit?action=entry.publish", headers=auth["admin"]).get_json()["data"]
    assert audit[0]["actor"].startswith(f"schedule {created['id']}")
    listed = client.get(f"{path}/schedule", headers=auth["publisher"]).get_json()["data"]
    assert [s["id"] for s in listed] == [created["id"]]


def test_a_draft_changed_after_scheduling_is_not_published(app: Flask, auth: Headers) -> None:
    client = app.test_client()
    client.post(ENTRIES, json=NEW_ENTRY, headers=auth["editor"])
    path = f"{ENTRIES}/{NEW_ENTRY['slug']}"
    created = schedule(client, auth, path, "publish", soon(0.5))
    client.patch(path, json={"title": "Unseen"}, headers={**auth["editor"], "If-Match": "*"})
    work(app, lambda: status(client, auth, created["id"])["status"] != "scheduled", timeout=15)
    failed = status(client, auth, created["id"])
    assert failed["status"] == "failed"
    assert "version 1 was scheduled, the draft is now version 2" in failed["error"]
    assert client.get(f"/api/v1/entries/{NEW_ENTRY['slug']}").status_code == 404


def test_update_and_cancel_need_if_match_and_a_cancelled_one_never_runs(app: Flask, auth: Headers) -> None:
    client = app.test_client()
    path = f"{ENTRIES}/bruising"
    created = schedule(client, auth, path, "unpublish", soon(60))
    one = f"{SCHEDULES}/{created['id']}"
    assert client.patch(one, json={"at": soon(0.5)}, headers=auth["publisher"]).status_code == 428
    etag = client.get(one, headers=auth["publisher"]).headers["ETag"]
    moved = client.patch(one, json={"at": soon(0.5)}, headers={**auth["publisher"], "If-Match": etag})
    assert moved.status_code == 200, moved.get_json()
    work(app, lambda: status(client, auth, created["id"])["status"] == "succeeded", timeout=15)
    assert client.get("/api/v1/entries/bruising").status_code == 404  # unpublished at the new time
    again = client.post(f"{one}/cancel", headers={**auth["publisher"], "If-Match": "*"})
    assert again.status_code == 409  # it ran

    later = schedule(client, auth, f"{ENTRIES}/infection", "unpublish", soon(0.5))
    etag = client.get(f"{SCHEDULES}/{later['id']}", headers=auth["publisher"]).headers["ETag"]
    cancelled = client.post(
        f"{SCHEDULES}/{later['id']}/cancel", headers={**auth["publisher"], "If-Match": etag}
    )
    assert cancelled.get_json()["status"] == "cancelled"
    time.sleep(0.7)
    work(app, lambda: True)
    assert client.get("/api/v1/entries/infection").status_code == 200
    assert status(client, auth, later["id"])["status"] == "cancelled"


def test_invalid_schedules_are_refused(app: Flask, auth: Headers) -> None:
    client = app.test_client()
    path = f"{ENTRIES}/bruising/schedule"
    for body in (
        {"action": "publish", "at": "2020-01-01T00:00:00+00:00"},  # past
        {"action": "publish", "at": "2030-01-01T00:00:00"},  # no offset
        {"action": "archive", "at": soon(60)},
        {"action": "publish"},
    ):
        response = client.post(path, json=body, headers=auth["publisher"])
        assert response.status_code == 422, body
        assert response.mimetype == "application/problem+json"
    assert (
        client.post(
            f"{ENTRIES}/nope/schedule", json={"action": "publish", "at": soon(60)}, headers=auth["publisher"]
        ).status_code
        == 404
    )
    assert (
        client.post(path, json={"action": "publish", "at": soon(60)}, headers=auth["editor"]).status_code
        == 403
    )
    assert client.get(f"{SCHEDULES}/sch_missing", headers=auth["publisher"]).status_code == 404
