"""The aftercare timeline: every aftercare step and warning-sign check in order, as offsets from the
procedure, and as absolute times in a zone when the start is known.

Hours are elapsed time (48 hours after 10:00 on the Saturday before the clocks go back is 09:00 on
Monday); days are calendar days in the zone (7 days after 10:00 is 10:00, whatever the clocks did).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kb.services.guidance.content import ServedEntry
from kb.services.guidance.rules import Rule
from kb.services.guidance.texts import text
from kb.services.localized import Chain

Item = dict[str, Any]


def items(entries: list[ServedEntry], rules: list[Rule], chain: Chain) -> list[Item]:
    """The steps as offsets: aftercare entries, and a check at each hour a warning sign starts to apply."""
    steps: list[Item] = []
    for entry in entries:
        if entry.kind != "aftercare":
            continue
        timing = entry.details["timing"]
        steps.append(
            {
                "id": entry.slug,
                "type": "aftercare",
                "title": entry.title,
                "offset_hours": timing["starts_after_hours"],
                "duration_days": timing["lasts_days"],
                "instructions": [
                    {"type": i["type"], "text": i["text"]} for i in entry.details["instructions"]
                ],
                "signs": [],
                "entries": [entry.ref()],
                "_versions": [(entry.version, entry.published_at)],
            }
        )
    versions = {e.slug: (e.version, e.published_at) for e in entries}
    hours = sorted({rule["from_hours"] for rule in rules if rule["from_hours"]})
    for hour in hours:
        due = [rule for rule in rules if rule["from_hours"] == hour]
        refs = list({rule["entry"]["slug"]: rule["entry"] for rule in due}.values())
        steps.append(
            {
                "id": f"check-{hour}h",
                "type": "check",
                "title": text("check", chain),
                "offset_hours": hour,
                "duration_days": None,
                "instructions": [],
                "signs": [{k: rule[k] for k in ("id", "sign", "action", "message")} for rule in due],
                "entries": refs,
                "_versions": [versions[ref["slug"]] for ref in refs],
            }
        )
    steps.sort(key=lambda s: (s["offset_hours"], s["type"] != "aftercare", s["id"]))
    return steps


def place(steps: list[Item], start: datetime | None, tz: str | None) -> list[Item]:
    """``steps`` with ``start`` and ``end`` in zone ``tz`` (UTC by default); None without a start."""
    zone = ZoneInfo(tz or "UTC")
    placed = []
    for step in steps:
        begin = end = None
        if start is not None:
            begin = (start.astimezone(UTC) + timedelta(hours=step["offset_hours"])).astimezone(zone)
            if step["duration_days"] is not None:
                end = _add_days(begin, step["duration_days"], zone)
        placed.append({**step, "start": begin, "end": end})
    return placed


def _add_days(moment: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The same wall-clock time ``days`` calendar days later in ``zone`` (a time the clocks skip is
    moved past the gap)."""
    wall = moment.replace(tzinfo=None) + timedelta(days=days)
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def public(step: Item) -> Item:
    return {k: v for k, v in step.items() if not k.startswith("_")}
