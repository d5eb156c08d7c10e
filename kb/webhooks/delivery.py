"""Delivering: one job per attempt (kind ``webhook.deliver``), run by ``flask --app kb worker``.

An attempt reads what it sends and ends that transaction, POSTs (no transaction open, so SQLite's
write lock is not held while a receiver thinks), then records the outcome, settles the delivery or
enqueues the next attempt, all in one transaction conditional on the job's lease. A worker killed
between the POST and that commit loses nothing: the job is claimed again after its lease and the
attempt is made again with the same ``webhook-id``, which receivers de-duplicate on.

Retries follow ``KB_WEBHOOK_RETRY_SCHEDULE`` (Standard Webhooks': 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
10 h), each wait +-20% jitter; a 2xx succeeds; 410 Gone disables the endpoint; other answers, timeouts
and refused connections are retried until the schedule is spent.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from kb.extensions import db
from kb.jobs import queue
from kb.jobs.registry import Context, handler
from kb.models import Job, WebhookAttempt, WebhookDelivery
from kb.models.types import utcnow
from kb.webhooks import events, signing, transport

JITTER = 0.2


@dataclass(frozen=True)
class Prepared:
    delivery_id: int
    number: int  # the attempt's number
    url: str
    body: str
    event_id: str
    secrets: list[str]


@handler(events.DELIVER, max_attempts=10)
def run_attempt(job: Job, ctx: Context) -> dict[str, Any]:
    """One attempt of one delivery (a job that died mid-attempt is retried by the queue after its lease)."""
    prepared = prepare(job.payload["delivery"])
    if isinstance(prepared, str):
        return {"skipped": prepared}
    outcome = send(prepared)
    return record(prepared, outcome, retry=True, claim=lambda: queue.record(job, ctx.lease))


def prepare(delivery_id: int) -> Prepared | str:
    """What the next attempt sends (and the transaction that read it ended), or why none is made."""
    try:
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return "the delivery was deleted with its endpoint"
        if delivery.status != "pending":
            return f"the delivery is {delivery.status} already"
        endpoint = delivery.endpoint
        if not endpoint.enabled:
            delivery.status, delivery.finished_at = "failed", utcnow()
            delivery.last_error = "the endpoint is disabled"
            db.session.commit()
            return "the endpoint is disabled"
        return attempt_of(delivery)
    finally:
        db.session.commit()


def attempt_of(delivery: WebhookDelivery) -> Prepared:
    """The next attempt of ``delivery``: the event's payload, signed with the endpoint's secrets (the
    previous one too while a rotation's overlap lasts)."""
    endpoint, now = delivery.endpoint, utcnow()
    secrets = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        secrets.append(endpoint.previous_secret)
    return Prepared(
        delivery_id=delivery.id,
        number=delivery.attempts + 1,
        url=endpoint.url,
        body=json.dumps(delivery.event.payload, separators=(",", ":"), ensure_ascii=False),
        event_id=delivery.event.public_id,
        secrets=secrets,
    )


def send(prepared: Prepared) -> transport.Outcome:
    config = current_app.config
    headers = signing.headers(prepared.event_id, utcnow(), prepared.body, prepared.secrets)
    return transport.post(
        prepared.url,
        prepared.body.encode(),
        headers,
        timeout=config["KB_WEBHOOK_TIMEOUT"],
        allow_private=config["KB_WEBHOOK_ALLOW_PRIVATE"],
    )


def record(
    prepared: Prepared, outcome: transport.Outcome, *, retry: bool, claim: Any = None
) -> dict[str, Any]:
    """Log the attempt and settle the delivery or schedule its next attempt; commits. ``claim`` checks
    (in this transaction) that the caller still holds the job."""
    delivery = db.session.scalar(
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.id == prepared.delivery_id)
        .with_for_update(of=WebhookDelivery)  # one recorder per attempt; the joined rows are not locked
        .execution_options(populate_existing=True)
    )
    if delivery is None or delivery.status != "pending" or delivery.attempts != prepared.number - 1:
        db.session.rollback()
        return {"skipped": "the attempt was recorded by another worker"}
    now = utcnow()
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            number=prepared.number,
            at=now,
            ok=outcome.ok,
            response_code=outcome.code,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
        )
    )
    delivery.attempts = prepared.number
    delivery.last_response_code = outcome.code
    delivery.last_error = outcome.error
    delivery.next_attempt_at = None
    if outcome.ok:
        _finish(delivery, "succeeded")
    elif outcome.code == 410:
        _finish(delivery, "failed")
        endpoint = delivery.endpoint
        endpoint.enabled = False
        endpoint.disabled_reason = f"The receiver answered 410 Gone on {now.isoformat(timespec='seconds')}."
        endpoint.updated_at = now
    else:
        schedule = current_app.config["KB_WEBHOOK_RETRY_SCHEDULE"]
        made = prepared.number - delivery.series_start
        if retry and made <= len(schedule):
            wait = schedule[made - 1] * random.uniform(1 - JITTER, 1 + JITTER)
            events.schedule(delivery, now + timedelta(seconds=wait))
        else:
            _finish(delivery, "failed")
    if claim is not None:
        claim()  # raises queue.LeaseLost (and the worker rolls this back) if another worker has the job
    db.session.commit()
    return {"attempt": prepared.number, "status": delivery.status, "response_code": outcome.code}


def _finish(delivery: WebhookDelivery, status: str) -> None:
    delivery.status, delivery.finished_at = status, utcnow()
