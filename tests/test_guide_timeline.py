"""The aftercare timeline (offsets, absolute times with daylight saving) and its iCalendar file, parsed
back with the icalendar package."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from icalendar import Calendar

from kb.services.seeding import load_seed
from tests.conftest import ROOT, make_app

T = "/api/v1/procedures/microneedling/timeline"
ICS = "/api/v1/procedures/microneedling/calendar.ics"
E = "/api/v1/admin/entries"
AFTERCARE = ["avoid-harsh-skincare-products", "avoid-sun-exposure", "when-to-seek-professional-help"]
LONDON = ZoneInfo("Europe/London")
# The clocks go back in London at 02:00 BST on Sunday 25 October 2026.
BEFORE_DST_END = "2026-10-24T10:00:00+01:00"


def timeline(client: FlaskClient, **args: str) -> dict[str, Any]:
    response = client.get(f"{T}?{urlencode(args)}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_without_start_offsets_only(client: FlaskClient) -> None:
    body = timeline(client)
    assert [(i["type"], i["id"], i["offset_hours"]) for i in body["items"]] == [
        ("aftercare", AFTERCARE[0], 0),
        ("aftercare", AFTERCARE[1], 0),
        ("aftercare", AFTERCARE[2], 0),
        ("check", "check-48h", 48),
    ]
    assert all(i["start"] is None and i["end"] is None for i in body["items"])
    assert body["start"] is None
    assert body["tz"] is None
    sun = body["items"][1]
    assert sun["duration_days"] == 7
    assert sun["instructions"][0] == {
        "type": "avoid",
        "text": "Avoid sun exposure immediately following treatment.",
    }
    assert sun["entries"] == [
        {"slug": "avoid-sun-exposure", "kind": "aftercare", "title": "Avoid Sun Exposure"}
    ]
    check = body["items"][3]
    assert [s["id"] for s in check["signs"]] == ["excessive-redness.redness-beyond-48-hours"]
    assert check["signs"][0]["action"] == "contact_practitioner"
    assert check["entries"][0]["slug"] == "excessive-redness"
    assert body["disclaimer"].startswith("This is general information")


def test_absolute_times_across_the_end_of_daylight_saving(client: FlaskClient) -> None:
    body = timeline(client, start=BEFORE_DST_END, tz="Europe/London")
    assert body["tz"] == "Europe/London"
    sun, check = body["items"][1], body["items"][3]
    assert sun["start"] == "2026-10-24T10:00:00+01:00"
    assert sun["end"] == "2026-10-31T10:00:00+00:00"  # seven calendar days: the same wall-clock time
    assert check["start"] == "2026-10-26T09:00:00+00:00"  # 48 elapsed hours: the clocks went back one
    assert check["end"] is None


def test_start_in_another_offset_and_utc_by_default(client: FlaskClient) -> None:
    in_tokyo = timeline(client, start="2026-03-27T19:00:00+09:00", tz="Asia/Tokyo")
    assert in_tokyo["items"][3]["start"] == "2026-03-29T19:00:00+09:00"
    utc = timeline(client, start="2026-03-27T10:00:00Z")
    assert utc["tz"] == "UTC"
    assert utc["items"][1]["end"] == "2026-04-03T10:00:00+00:00"
    # The clocks go forward in London on 29 March 2026: 7 days after 10:00 GMT is 10:00 BST.
    london = timeline(client, start="2026-03-27T10:00:00Z", tz="Europe/London")
    assert london["items"][1]["end"] == "2026-04-03T10:00:00+01:00"


def test_the_timeline_and_calendar_in_spanish(client: FlaskClient) -> None:
    body = timeline(client, locale="es")
    assert body["locale"] == "es"
    assert body["procedure"]["title"] == "Micropunción"
    sun, check = body["items"][1], body["items"][3]
    assert sun["entries"][0]["slug"] == "avoid-sun-exposure"
    assert sun["title"] != "Avoid Sun Exposure"
    assert check["title"] == "Compruebe si hay señales de alarma"
    assert check["signs"][0]["message"].startswith("Enrojecimiento que persiste más de 48 horas.")
    assert body["disclaimer"].startswith("Esta es información general")
    response = client.get(f"{ICS}?{urlencode({'start': BEFORE_DST_END, 'locale': 'es'})}")
    cal = Calendar.from_ical(response.get_data())
    assert str(cal["x-wr-calname"]) == "Cuidados posteriores: Micropunción"
    assert "Compruebe si hay señales de alarma" in {str(e["summary"]) for e in cal.walk("VEVENT")}


def test_bad_timeline_parameters_are_400(client: FlaskClient) -> None:
    for args in (
        {"start": "2026-10-24T10:00:00"},  # no offset
        {"start": "tomorrow"},
        {"start": BEFORE_DST_END, "tz": "Mars/Olympus"},
        {"start": BEFORE_DST_END, "tz": "../../etc/passwd"},
        {"start": BEFORE_DST_END, "tz": "Europe"},
        {"start": "9999-12-31T23:00:00Z"},
        {"start": "0001-01-01T00:00:00+05:00"},
        {"tz": "Europe/London"},  # a zone without a start
        {"locale": "english"},
    ):
        response = client.get(f"{T}?{urlencode(args)}")
        assert response.status_code == 400, args
        assert response.mimetype == "application/problem+json"
    assert client.get("/api/v1/procedures/chemical-peel/timeline").status_code == 404


def calendar(client: FlaskClient, start: str = BEFORE_DST_END, tz: str = "Europe/London") -> Calendar:
    response = client.get(f"{ICS}?{urlencode({'start': start, 'tz': tz})}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"].startswith("public")
    return Calendar.from_ical(response.get_data())


def events(cal: Calendar) -> dict[str, Any]:
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


def test_calendar_has_one_event_per_step_with_alarms(tmp_path: Path) -> None:
    app = make_app(tmp_path, KB_PUBLIC_URL="https://kb.example")
    with app.app_context():
        load_seed(ROOT / "seed")
    client = app.test_client()
    cal = calendar(client)
    found = events(cal)
    assert set(found) == {
        "Avoid Harsh Skincare Products",
        "Avoid Sun Exposure",
        "When to Seek Professional Help",
        "Check for warning signs",
    }
    sun = found["Avoid Sun Exposure"]
    assert sun.decoded("dtstart") == datetime(2026, 10, 24, 10, tzinfo=LONDON)
    assert sun.decoded("dtend") == datetime(2026, 10, 31, 10, tzinfo=LONDON)
    assert str(sun["dtstart"].params["TZID"]) == "Europe/London"
    assert "Avoid: Avoid sun exposure immediately following treatment." in str(sun["description"])
    assert str(sun["url"]) == "https://kb.example/api/v1/entries/avoid-sun-exposure"
    assert [a.decoded("trigger") for a in sun.walk("VALARM")] == [timedelta(hours=-1)]
    check = found["Check for warning signs"]
    assert check.decoded("dtstart") == datetime(2026, 10, 26, 9, tzinfo=LONDON)
    assert [a.decoded("trigger") for a in check.walk("VALARM")] == [timedelta(0)]
    assert "Redness that persists beyond 48 hours. Contact your practitioner." in str(check["description"])
    assert cal.walk("VTIMEZONE")  # the zone travels with the file


def test_uids_are_stable_per_procedure_step_and_start(client: FlaskClient) -> None:
    first = {name: str(e["uid"]) for name, e in events(calendar(client)).items()}
    again = {name: str(e["uid"]) for name, e in events(calendar(client)).items()}
    assert first == again
    assert len(set(first.values())) == 4
    # The same moment written in another offset and zone is the same procedure: the same events.
    same = events(calendar(client, start="2026-10-24T09:00:00Z", tz="UTC"))
    assert {name: str(e["uid"]) for name, e in same.items()} == first
    later = events(calendar(client, start="2026-11-24T10:00:00Z"))
    assert not set(first.values()) & {str(e["uid"]) for e in later.values()}


def test_sequence_rises_when_the_step_is_republished(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    before = events(calendar(client))["Avoid Sun Exposure"]
    assert before["sequence"] == 1
    draft = client.get(f"{E}/avoid-sun-exposure", headers=auth["editor"])
    patched = client.patch(
        f"{E}/avoid-sun-exposure",
        json={"summary": "Avoid sun exposure after microneedling until your skin has healed."},
        headers={**auth["editor"], "If-Match": draft.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.get_json()
    published = client.post(
        f"{E}/avoid-sun-exposure/publish", headers={**auth["publisher"], "If-Match": patched.headers["ETag"]}
    )
    assert published.status_code == 200
    after = events(calendar(client))["Avoid Sun Exposure"]
    assert str(after["uid"]) == str(before["uid"])
    assert after["sequence"] == 2


def test_the_calendar_needs_a_start_and_names_no_one(client: FlaskClient) -> None:
    response = client.get(ICS)
    assert response.status_code == 400
    assert "start" in response.get_json()["errors"]
    body = client.get(f"{ICS}?{urlencode({'start': BEFORE_DST_END})}").get_data(as_text=True)
    # Other parameters are ignored (as everywhere): nothing sent about a patient reaches the file.
    named = client.get(f"{ICS}?{urlencode({'start': BEFORE_DST_END, 'name': 'Alice'})}")
    assert named.get_data(as_text=True) == body
    assert "ATTENDEE" not in body
    assert "ORGANIZER" not in body
