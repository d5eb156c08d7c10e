"""Webhook fixtures: the seeded app with fast retries and private addresses allowed (the receiver is on
127.0.0.1), a real receiver, and the worker run in this process until a condition holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.jobs.worker import Worker
from kb.services.seeding import load_seed
from tests.conftest import ROOT, make_app
from tests.webhooks.receiver import Receiver, wait_for

FAST = {
    "KB_WEBHOOK_RETRY_SCHEDULE": [0.1, 0.2, 0.2, 0.2, 0.3, 0.3, 0.3, 0.3],
    "KB_WEBHOOK_TIMEOUT": 0.5,
    "KB_WEBHOOK_ALLOW_PRIVATE": True,
}
HOOKS = "/api/v1/admin/webhooks"
Headers = dict[str, dict[str, str]]


@pytest.fixture
def app(tmp_path: Path, request: pytest.FixtureRequest) -> Flask:
    marker = request.node.get_closest_marker("app_config")
    app = make_app(tmp_path, **{**FAST, **(marker.kwargs if marker else {})})
    with app.app_context():
        load_seed(ROOT / "seed")
    return app


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


def register(client: FlaskClient, auth: Headers, receiver: Receiver, **fields: Any) -> dict[str, Any]:
    """Create an endpoint for ``receiver``, which then verifies with its secret."""
    response = client.post(HOOKS, json={"url": receiver.url, **fields}, headers=auth["admin"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    receiver.secrets.append(body["secret"])
    return body


def work(app: Flask, condition: Any, *, timeout: float = 20) -> None:
    """Run the job worker in this process until ``condition()`` holds (bounded by ``timeout``)."""
    worker = Worker(app, lease=30, poll=0.05)
    wait_for(condition, timeout=timeout, step=lambda: worker.run(until_idle=True, max_jobs=50))


def publish(client: FlaskClient, auth: Headers, path: str) -> Any:
    """Publish the draft at ``path`` (/api/v1/admin/entries/<slug>) with its current ETag."""
    etag = client.get(path, headers=auth["editor"]).headers["ETag"]
    response = client.post(f"{path}/publish", headers={**auth["publisher"], "If-Match": etag})
    assert response.status_code == 200, response.get_json()
    return response


def deliveries(client: FlaskClient, auth: Headers, endpoint_id: str, **args: Any) -> list[dict[str, Any]]:
    response = client.get(
        f"{HOOKS}/{endpoint_id}/deliveries", query_string={"per_page": 100, **args}, headers=auth["admin"]
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]
