"""Scheduled actions: create, list, update and cancel (If-Match), and the job that runs one.

A schedule and the job of its run commit together; the job is due at ``at`` and is claimed by one
worker (kb.jobs). The run, the change it makes (changes feed, search outbox, webhooks: the same as a
manual publish), its audit event and the schedule's new status commit in one transaction that is
conditional on the job's lease, so it happens once. A publish is of the draft version seen when it was
scheduled: if the draft changed since, the schedule fails with that reason and nothing is published.
Changing a schedule's time enqueues a new job; the old one finds the schedule changed and does nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from kb.errors import ConflictError, NotFoundError, ValidationFailed
from kb.extensions import db
from kb.jobs import queue
from kb.jobs.registry import Context, handler
from kb.models import Job, ScheduledAction
from kb.models.types import utcnow
from kb.services import editing, publishing, translation_sync, translations
from kb.services.pages import Page, paginate
from kb.services.preconditions import IfMatch
from kb.services.resources import RESOURCES, Resource
from kb.services.unit_of_work import unit_of_work
from kb.webhooks import events

KIND = "schedule.run"


def _future(at: datetime) -> None:
    if at <= utcnow():
        raise ValidationFailed("The time has passed.", errors={"at": ["Send a time in the future."]})


def create(
    res: Resource, slug: str, data: dict[str, Any], *, actor: str, locale: str | None = None
) -> ScheduledAction:
    """Schedule ``data["action"]`` of the object (or of its ``locale`` translation) at ``data["at"]``,
    for its current draft version."""
    _future(data["at"])
    key = f"{slug}:{locale}" if locale else slug
    with unit_of_work(
        f"{res.name}.schedule", object_type=res.name, object_key=key, status=201, actor=actor
    ) as work:
        if locale is None:
            obj = draft = editing.get(res, slug)
        else:
            obj, draft = translations.get(res, slug, locale)  # 400 unsupported, 409 the source's, 404
        now = utcnow()
        action = ScheduledAction(
            object_type=res.name,
            object_id=obj.id,
            slug=obj.slug,
            locale=locale and draft.locale,
            action=data["action"],
            at=data["at"],
            draft_version=draft.version,
            status="scheduled",
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        db.session.add(action)
        db.session.flush()
        _enqueue(action)
        work.detail.update(schedule=action.public_id, scheduled=action.action, at=action.at.isoformat())
    return action


def _enqueue(action: ScheduledAction) -> None:
    payload = {"schedule": action.id, "version": action.version}
    queue.enqueue(KIND, payload, key=f"{KIND}:{action.id}:{action.version}", run_at=action.at)


def get(public_id: str) -> ScheduledAction:
    found = db.session.scalar(sa.select(ScheduledAction).where(ScheduledAction.public_id == public_id))
    if found is None:
        raise NotFoundError(f"No scheduled action {public_id!r}; GET /api/v1/admin/schedules lists them.")
    return found


def list_actions(
    *,
    page: int,
    per_page: int,
    status: str | None = None,
    res: Resource | None = None,
    slug: str | None = None,
    locale: str | None = None,
) -> Page:
    """Scheduled actions, soonest first; of one object with ``res`` and ``slug`` (of its source, or of
    its ``locale`` translation)."""
    query = sa.select(ScheduledAction)
    if res is not None and slug is not None:
        obj = editing.get(res, slug) if locale is None else translations.get(res, slug, locale)[0]
        query = query.where(
            ScheduledAction.object_type == res.name,
            ScheduledAction.object_id == obj.id,
            ScheduledAction.locale == locale if locale else ScheduledAction.locale.is_(None),
        )
    if status:
        query = query.where(ScheduledAction.status == status)
    return paginate(query.order_by(ScheduledAction.at, ScheduledAction.id), page=page, per_page=per_page)


def update(public_id: str, data: dict[str, Any], if_match: IfMatch, *, actor: str) -> ScheduledAction:
    """Change the time or the action of a schedule still to run."""
    if "at" in data:
        _future(data["at"])
    with unit_of_work(
        "schedule.update", object_type="schedule", object_key=public_id, status=200, actor=actor
    ):
        action = _pending(public_id, if_match)
        for name in ("at", "action"):
            if name in data:
                setattr(action, name, data[name])
        action.updated_at = utcnow()
        db.session.flush()  # the new version: the job enqueued for the old one finds it changed
        _enqueue(action)
    return action


def cancel(public_id: str, if_match: IfMatch, *, actor: str) -> ScheduledAction:
    with unit_of_work(
        "schedule.cancel", object_type="schedule", object_key=public_id, status=200, actor=actor
    ):
        action = _pending(public_id, if_match)
        action.status, action.updated_at = "cancelled", utcnow()
    return action


def _pending(public_id: str, if_match: IfMatch) -> ScheduledAction:
    action = get(public_id)
    if_match.check(action)
    if action.status != "scheduled":
        raise ConflictError(f"The action is {action.status} already: only a scheduled one can change.")
    return action


class _Refused(Exception):
    """The action cannot be done; the schedule fails with this reason."""


@handler(KIND, max_attempts=5)
def run(job: Job, ctx: Context) -> dict[str, Any]:
    schedule_id, version = job.payload["schedule"], job.payload["version"]
    action = db.session.get(ScheduledAction, schedule_id)
    if action is None or action.status != "scheduled" or action.version != version:
        db.session.commit()
        return {"skipped": "the schedule changed or was cancelled"}
    res, public_id, verb, slug = RESOURCES[action.object_type], action.public_id, action.action, action.slug
    if action.locale:
        verb, slug = f"translation.{verb}", f"{slug}:{action.locale}"  # audited as a manual one is
    actor = f"schedule {public_id} ({action.created_by})"
    db.session.commit()
    try:
        try:
            with unit_of_work(f"{res.name}.{verb}", object_type=res.name, object_key=slug, actor=actor):
                action = _locked(schedule_id, version)
                _do(res, action)
                _settle(action, "succeeded", None)
                queue.record(job, ctx.lease)  # raises LeaseLost (all rolled back) if another worker has it
            return {"status": "succeeded"}
        except _Refused as exc:
            with unit_of_work(
                f"{res.name}.schedule_failed", object_type=res.name, object_key=slug, actor=actor
            ):
                action = _locked(schedule_id, version)
                _settle(action, "failed", str(exc))
                queue.record(job, ctx.lease)
            return {"status": "failed", "error": str(exc)}
    except _Changed:
        return {"skipped": "the schedule changed or was cancelled meanwhile"}


class _Changed(Exception):
    """The schedule was changed or cancelled after the job was claimed."""


def _locked(schedule_id: int, version: int) -> ScheduledAction:
    action = db.session.scalar(
        sa.select(ScheduledAction)
        .where(ScheduledAction.id == schedule_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if action is None or action.status != "scheduled" or action.version != version:
        raise _Changed
    return action


def _do(res: Resource, action: ScheduledAction) -> None:
    obj = db.session.get(res.model, action.object_id)
    if obj is None:
        raise _Refused(f"The {res.name} was deleted.")
    publishing.lock(obj)
    if action.locale:
        _do_translation(res, obj, action)
        return
    if action.action == "unpublish":
        if obj.live is None:
            raise _Refused(f"The {res.name} is not published.")
        publishing.unpublish(res, obj)
        return
    if obj.version != action.draft_version:
        raise _Refused(
            f"The draft changed after it was scheduled: version {action.draft_version} was scheduled, the "
            f"draft is now version {obj.version}. Schedule it again to publish the current draft."
        )
    publishing.publish(res, obj)


def _do_translation(res: Resource, obj: Any, action: ScheduledAction) -> None:
    tr = translations.find(res, obj, action.locale or "")
    if tr is None:
        raise _Refused(f"The {action.locale} translation was deleted.")
    if action.action == "unpublish":
        if tr.live is None:
            raise _Refused(f"The {action.locale} translation is not published.")
        translation_sync.withdraw(res, obj, tr)
        return
    if tr.version != action.draft_version:
        raise _Refused(
            f"The {action.locale} translation changed after it was scheduled: version "
            f"{action.draft_version} was scheduled, the draft is now version {tr.version}. Schedule it "
            "again to publish the current draft."
        )
    try:
        translations.publish_draft(res, obj, tr)
    except ConflictError as exc:
        raise _Refused(exc.detail) from exc


def _settle(action: ScheduledAction, status: str, error: str | None) -> None:
    now = utcnow()
    action.status, action.error, action.executed_at, action.updated_at = status, error, now, now
    obj = db.session.get(RESOURCES[action.object_type].model, action.object_id)
    data = {
        "schedule": action.public_id,
        "action": action.action,
        "slug": action.slug,
        "object_type": action.object_type,
        "locale": action.locale or (obj.locale if obj is not None else None),
        "version": action.draft_version,
        "error": error,
    }
    events.emit_event(f"schedule.{status}", data, data["locale"])
