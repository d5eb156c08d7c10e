"""The aftercare timeline as an iCalendar file (RFC 5545), built with the ``icalendar`` package.

One event per step, with its instructions (or the signs to check) and links to the entries. A step
has an alarm an hour before it starts; a check, an alarm when it is due. Each event's UID is a hash of
(procedure, step, start), so importing the file again for the same procedure time updates the events
instead of adding copies, and SEQUENCE is the version of the content the step comes from (it rises when
that content is republished). DTSTAMP is when that content was published, so the file (and its ETag)
changes only when the content does.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Alarm, Calendar, Event

from kb.services.guidance.texts import text
from kb.services.guidance.timeline import Item
from kb.services.localized import Chain

PRODID = "-//kb//care guidance//EN"
STEP_ALARM = timedelta(hours=-1)
CHECK_DURATION = timedelta(minutes=30)


def uid(procedure: str, step_id: str, start: datetime) -> str:
    key = f"{procedure}\n{step_id}\n{start.astimezone(UTC).isoformat()}"
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@kb"


def build(procedure: dict[str, str], start: datetime, steps: list[Item], link: Any, chain: Chain) -> bytes:
    """The calendar of ``steps`` (placed, with ``start`` and ``end``); ``link(slug)`` is an entry's URL."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", text("calendar", chain).format(procedure=procedure["title"]))
    for step in steps:
        version, published = (
            max(step["_versions"], key=lambda v: (v[0], v[1])) if step["_versions"] else (0, start)
        )
        event = Event()
        event.add("uid", uid(procedure["slug"], step["id"], start))
        event.add("sequence", version)
        event.add("dtstamp", published.astimezone(UTC))
        event.add("last-modified", published.astimezone(UTC))
        event.add("summary", step["title"])
        event.add("dtstart", step["start"])
        if step["type"] == "check":
            event.add("dtend", step["start"] + CHECK_DURATION)
        elif step["end"] is not None and step["end"] > step["start"]:
            event.add("dtend", step["end"])
        event.add("description", _description(step, link, chain))
        if len(step["entries"]) == 1 and _absolute(url := link(step["entries"][0]["slug"])):
            event.add("url", url)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", step["title"])
        alarm.add("trigger", timedelta(0) if step["type"] == "check" else STEP_ALARM)
        event.add_component(alarm)
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _description(step: Item, link: Any, chain: Chain) -> str:
    lines = [f"{text(i['type'], chain)}: {i['text']}" for i in step["instructions"]]
    lines += [s["message"] for s in step["signs"]]
    lines += [f"{e['title']}: {url}" for e in step["entries"] if _absolute(url := link(e["slug"]))]
    return "\n".join(lines)


def _absolute(url: str) -> bool:
    """Links go into the file only when absolute (KB_PUBLIC_URL or KB_TRUSTED_HOSTS set): a calendar
    has no base URL to resolve a relative one against."""
    return url.startswith(("https://", "http://"))
