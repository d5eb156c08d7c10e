"""Webhook deliveries by real ``flask --app kb worker`` processes: a worker SIGKILLed in the middle of
a delivery loses nothing (the attempt is made again after its lease, with the same webhook-id), two
workers never deliver one event twice, and a scheduled publish runs once with two workers running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from kb.extensions import db
from kb.models import WebhookDelivery, WebhookEvent
from tests.conftest import make_app
from tests.reliability.conftest import Service, prepare
from tests.server import ROOT
from tests.webhooks.conftest import HOOKS
from tests.webhooks.receiver import Receiver, wait_for

pytestmark = pytest.mark.reliability
SETTINGS = {
    "KB_WEBHOOK_ALLOW_PRIVATE": "true",
    "KB_WEBHOOK_RETRY_SCHEDULE": "0.2,0.2,0.3,0.3,0.5,0.5,1,1",
    "KB_WEBHOOK_TIMEOUT": "5",
    "KB_JOB_LEASE": "2",
}
SLUGS = ["bruising", "infection", "persistent-pain", "excessive-redness", "avoid-sun-exposure"]


@contextmanager
def worker(service: Service, name: str) -> Iterator[subprocess.Popen[bytes]]:
    log = open(Path(service.env["KB_INSTANCE_PATH"]) / f"worker-{name}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "kb", "worker", "--poll", "0.05"],
        env=service.env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def setup(tmp_path: Path, receiver: Receiver, rounds: int) -> tuple[Service, Flask]:
    service = prepare(tmp_path, **SETTINGS)
    app = make_app(tmp_path, fresh=False, KB_WEBHOOK_ALLOW_PRIVATE=True)
    client = app.test_client()
    created = client.post(HOOKS, json={"url": receiver.url}, headers=service.auth)
    assert created.status_code == 201, created.get_json()
    receiver.secrets.append(created.get_json()["secret"])
    for n in range(rounds):
        for slug in SLUGS:
            path = f"/api/v1/admin/entries/{slug}"
            body = {"summary": f"Round {n} of {slug}."}
            assert client.patch(path, json=body, headers={**service.auth, "If-Match": "*"}).status_code == 200
            assert (
                client.post(f"{path}/publish", headers={**service.auth, "If-Match": "*"}).status_code == 200
            )
    return service, app


def events_and_statuses(app: Flask) -> tuple[set[str], Counter[str]]:
    with app.app_context():
        ids = set(db.session.scalars(db.select(WebhookEvent.public_id)))
        statuses = Counter(db.session.scalars(db.select(WebhookDelivery.status)))
        db.session.remove()
    return ids, statuses


def test_a_worker_killed_mid_delivery_loses_nothing(tmp_path: Path) -> None:
    stalled: list[str] = []

    def script(webhook_id: str, seen: int) -> object:
        if not stalled:
            stalled.append(webhook_id)
            return ("stall", 3.0)  # the worker is killed while it waits for this answer
        return 200

    receiver = Receiver(script)
    try:
        service, app = setup(tmp_path, receiver, rounds=1)
        with worker(service, "killed") as first:
            wait_for(lambda: bool(receiver.received()), timeout=30)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        with worker(service, "second"):
            wait_for(lambda: events_and_statuses(app)[1] == Counter({"succeeded": len(SLUGS)}), timeout=60)
            ids, statuses = events_and_statuses(app)
        assert set(receiver.accepted()) == ids
        assert len(ids) == len(SLUGS)
        assert set(receiver.accepted().values()) == {1}
        assert statuses == Counter({"succeeded": len(SLUGS)})
        seen = Counter(r.webhook_id for r in receiver.received())
        assert seen[stalled[0]] == 2  # the killed attempt was made again, with the same webhook-id
        assert all(r.verified_by == [0] for r in receiver.received())
    finally:
        receiver.stop()


def test_two_workers_never_deliver_one_event_twice(tmp_path: Path) -> None:
    receiver = Receiver(lambda _id, _n: ("slow", 0.05))
    try:
        service, app = setup(tmp_path, receiver, rounds=4)
        expected = len(SLUGS) * 4
        with worker(service, "a"), worker(service, "b"):
            wait_for(lambda: events_and_statuses(app)[1] == Counter({"succeeded": expected}), timeout=90)
            ids, statuses = events_and_statuses(app)
        seen = Counter(r.webhook_id for r in receiver.received())
        assert set(seen) == ids
        assert len(ids) == expected
        assert set(seen.values()) == {1}  # every event once, none twice
        assert statuses == Counter({"succeeded": expected})
    finally:
        receiver.stop()


def test_a_schedule_runs_once_with_two_workers(tmp_path: Path) -> None:
    receiver = Receiver()
    try:
        service, app = setup(tmp_path, receiver, rounds=0)
        client = app.test_client()
        at = (datetime.now(UTC) + timedelta(seconds=4)).isoformat()
        created = []
        for slug in SLUGS:
            path = f"/api/v1/admin/entries/{slug}"
            client.patch(
                path, json={"summary": f"Scheduled {slug}."}, headers={**service.auth, "If-Match": "*"}
            )
            response = client.post(
                f"{path}/schedule", json={"action": "publish", "at": at}, headers=service.auth
            )
            assert response.status_code == 201, response.get_json()
            created.append(response.get_json()["id"])

        def statuses() -> list[str]:
            return [
                client.get(f"/api/v1/admin/schedules/{s}", headers=service.auth).get_json()["status"]
                for s in created
            ]

        with worker(service, "a"), worker(service, "b"):
            wait_for(lambda: statuses() == ["succeeded"] * len(SLUGS), timeout=60)
            wait_for(
                lambda: events_and_statuses(app)[1] == Counter({"succeeded": 2 * len(SLUGS)}), timeout=60
            )
        audit = client.get(
            "/api/v1/admin/audit?action=entry.publish&per_page=100", headers=service.auth
        ).get_json()
        by_schedule = Counter(
            e["actor"].split()[1] for e in audit["data"] if e["actor"].startswith("schedule ")
        )
        assert by_schedule == Counter(dict.fromkeys(created, 1))  # each published once
        types = Counter(r.payload["type"] for r in receiver.received())
        assert types == Counter({"entry.published": len(SLUGS), "schedule.succeeded": len(SLUGS)})
    finally:
        receiver.stop()
