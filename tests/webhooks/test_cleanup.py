"""Cleanup (kb/jobs/cleanup.py): finished deliveries, their attempts and events, and finished jobs past
their retention are deleted, by ``flask --app kb cleanup`` and by the worker's periodic job; pending
deliveries, their events and recent rows stay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from kb.extensions import db
from kb.jobs import cleanup
from kb.models import Job, WebhookAttempt, WebhookDelivery, WebhookEvent
from kb.models.types import utcnow
from tests.webhooks.conftest import Headers, deliveries, register, work
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_delivery import change_and_publish


def _delivery_of(slug: str) -> WebhookDelivery:
    return next(
        d for d in db.session.scalars(sa.select(WebhookDelivery)) if d.event.payload["data"]["slug"] == slug
    )


def _age(app: Flask, slug: str, days: float, *, job_days: float | None = None) -> dict[str, Any]:
    """Make the delivery of ``slug``'s event (and its event, and optionally its jobs) ``days`` old."""
    with app.app_context():
        delivery = _delivery_of(slug)
        then = utcnow() - timedelta(days=days)
        ids = {"delivery": delivery.id, "event": delivery.event_id}
        if delivery.finished_at is not None:
            delivery.finished_at = then
        delivery.event.created_at = then
        jobs = [j for j in db.session.scalars(sa.select(Job)) if j.payload.get("delivery") == delivery.id]
        ids["jobs"] = [j.id for j in jobs]
        if job_days is not None:
            for job in jobs:
                job.finished_at = utcnow() - timedelta(days=job_days)
        db.session.commit()
        return ids


def _exists(app: Flask, model: Any, key: Any) -> bool:
    with app.app_context():
        return db.session.get(model, key) is not None


def test_the_cli_deletes_what_is_past_retention_and_keeps_the_rest(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    client = app.test_client()
    endpoint = register(client, auth, receiver)
    change_and_publish(client, auth, "bruising")
    change_and_publish(client, auth, "infection")
    work(app, lambda: len(receiver.accepted()) == 2)
    change_and_publish(client, auth, "persistent-pain")  # its delivery stays pending: no worker runs
    old = _age(app, "bruising", 40, job_days=20)
    recent = _age(app, "infection", 10, job_days=10)
    pending = _age(app, "persistent-pain", 40)
    with app.app_context():
        assert db.session.scalar(
            sa.select(sa.func.count())
            .select_from(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == old["delivery"])
        )

    result = app.test_cli_runner().invoke(args=["cleanup"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 delivery(ies), 1 event(s), 1 job(s)." in result.output

    assert not _exists(app, WebhookDelivery, old["delivery"])
    assert not _exists(app, WebhookEvent, old["event"])
    assert not any(_exists(app, Job, job) for job in old["jobs"])
    with app.app_context():
        attempts = sa.select(WebhookAttempt).where(WebhookAttempt.delivery_id == old["delivery"])
        assert db.session.scalars(attempts).all() == []
    for kept in (recent, pending):
        assert _exists(app, WebhookDelivery, kept["delivery"])
        assert _exists(app, WebhookEvent, kept["event"])
    assert all(_exists(app, Job, job) for job in [*recent["jobs"], *pending["jobs"]])
    slugs = {d["payload"]["data"]["slug"] for d in deliveries(client, auth, endpoint["id"])}
    assert slugs == {"infection", "persistent-pain"}
    again = app.test_cli_runner().invoke(args=["cleanup"])
    assert "Deleted 0 delivery(ies), 0 event(s), 0 job(s)." in again.output


@pytest.mark.app_config(KB_CLEANUP_INTERVAL=0.5)
def test_the_worker_runs_cleanup_every_interval_once_per_slot(
    app: Flask, auth: Headers, receiver: Receiver
) -> None:
    client = app.test_client()
    register(client, auth, receiver)
    change_and_publish(client, auth, "bruising")

    def cleanups(status: str) -> list[Job]:
        with app.app_context():
            query = sa.select(Job).where(Job.kind == cleanup.KIND, Job.status == status)
            return list(db.session.scalars(query))

    work(app, lambda: len(receiver.accepted()) == 1)
    # Slots may already have run while the delivery was sent: they found nothing old enough.
    assert all(job.result["deliveries"] == 0 for job in cleanups("succeeded"))
    old = _age(app, "bruising", 40)
    work(app, lambda: not _exists(app, WebhookDelivery, old["delivery"]))
    done = [job for job in cleanups("succeeded") if job.result["deliveries"]]
    assert len(done) == 1  # the slot after the delivery aged deleted it
    assert done[0].result == {"deliveries": 1, "events": 1, "jobs": 0, "changes": 0}
    queued = cleanups("queued")
    assert len(queued) == 1  # the next slot's, and only one
    assert queued[0].run_at > max(job.run_at for job in cleanups("succeeded"))
    succeeded = len(cleanups("succeeded"))
    with app.app_context():  # asking again for the same slot gives the same job
        first, second = cleanup.schedule_next(), cleanup.schedule_next()
        db.session.commit()
        assert first is not None
        assert second is not None
        assert first.id == second.id
    work(app, lambda: len(cleanups("succeeded")) > succeeded, timeout=10)  # and the next slot's, in turn
    assert len(cleanups("queued")) == 1
