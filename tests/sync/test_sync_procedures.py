"""Procedures in the changes feed and the sync: their writes are feed rows (kind ``procedure``, per
locale), and a sync carries each procedure with its rules, again whenever they may have changed."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.sync.support import ADMIN, SYNC, Editor, Headers, OfflineApp, procedure, published

A = "/api/v1/admin/procedures"
CHANGES = "/api/v1/changes"
PEEL = {
    "slug": "chemical-peel",
    "title": "Chemical peel",
    "summary": "A chemical solution removes the outer layers of the skin.",
    "translations": {"es": {"title": "Peeling químico", "summary": "Una solución química exfolia la piel."}},
}


def _write(client: FlaskClient, auth: Headers, method: str, body: Any = None, role: str = "publisher") -> Any:
    path = A if method == "post" else f"{A}/chemical-peel"
    headers = auth[role] if method == "post" else {**auth[role], "If-Match": "*"}
    response = getattr(client, method)(path, json=body, headers=headers)
    assert response.status_code in (200, 201, 204), response.get_json()
    return response


def _rows(client: FlaskClient, since: str, **query: str) -> list[tuple[str, str, str, int, str]]:
    body = client.get(CHANGES, query_string={"since": since, "locale": "es", **query}).get_json()
    return [(c["slug"], c["kind"], c["change"], c["version"], c["locale"]) for c in body["data"]]


def test_procedure_writes_are_feed_rows_per_locale(client: FlaskClient, auth: Headers) -> None:
    start = client.get(CHANGES, query_string={"locale": "es"}).get_json()["next_cursor"]
    _write(client, auth, "post", PEEL)
    _write(client, auth, "patch", {"summary": "Acids exfoliate the skin."})
    _write(client, auth, "patch", {"translations": {}})
    _write(client, auth, "patch", {"title": "Chemical peel"})  # no change: no row
    _write(client, auth, "put", {"title": "Peel", "translations": {"fr": {"title": "Peeling"}}})
    _write(client, auth, "delete", role="admin")
    peel = "chemical-peel", "procedure"
    assert _rows(client, start) == [
        (*peel, "upsert", 1, "en"),
        (*peel, "upsert", 1, "es"),
        (*peel, "upsert", 2, "en"),
        (*peel, "remove", 3, "es"),
        (*peel, "upsert", 4, "en"),
        (*peel, "remove", 4, "en"),
    ]  # fr is not in the es chain
    assert _rows(client, start, procedure="chemical-peel") == _rows(client, start)
    assert _rows(client, start, procedure="microneedling") == []


def test_a_procedure_write_moves_the_content_generation(client: FlaskClient, auth: Headers) -> None:
    """A validator read before the write is not answered with a stale 304."""
    read = client.get("/api/v1/procedures/microneedling")
    feed = client.get(CHANGES)
    change = {"summary": "Collagen induction therapy."}
    patched = client.patch(f"{A}/microneedling", json=change, headers={**auth["publisher"], "If-Match": "*"})
    assert patched.status_code == 200, patched.get_json()
    again = client.get("/api/v1/procedures/microneedling", headers={"If-None-Match": read.headers["ETag"]})
    assert again.status_code == 200
    assert again.get_json()["summary"] == change["summary"]
    assert client.get(CHANGES, headers={"If-None-Match": feed.headers["ETag"]}).status_code == 200


def test_a_sync_carries_procedures_with_their_rules(client: FlaskClient, auth: Headers) -> None:
    apps = {locale: OfflineApp(client, locale, limit=3) for locale in ("en", "es")}
    for locale, app in apps.items():
        app.sync()
        assert app.items[("procedure", "microneedling")] == procedure(client, "microneedling", locale)
        assert app.items[("procedure", "microneedling")]["rules"]["signs"]

    _write(client, auth, "post", PEEL)
    patched = client.patch(
        f"{A}/microneedling",
        json={"translations": {"es": {"title": "Micropunción (es)"}}},
        headers={**auth["publisher"], "If-Match": "*"},
    )
    assert patched.status_code == 200, patched.get_json()
    for locale, app in apps.items():
        app.sync()
        assert set(app.received) == {("procedure", "chemical-peel"), ("procedure", "microneedling")}
        assert app.items == published(client, locale)
    assert apps["es"].items[("procedure", "microneedling")]["title"] == "Micropunción (es)"

    _write(client, auth, "delete", role="admin")
    for locale, app in apps.items():
        app.sync()
        assert (app.received, app.dropped) == ([], [("procedure", "chemical-peel")])
        assert app.items == published(client, locale)


def test_a_warning_sign_published_comes_with_the_procedure_rules(client: FlaskClient, auth: Headers) -> None:
    """The rules an app evaluates offline are current after a delta: an entry's change brings the
    procedures it applies to (or did) again."""
    app = OfflineApp(client, "en", limit=2)
    app.sync()
    entry = client.get(f"{ADMIN}/bruising", headers=auth["editor"]).get_json()
    details = entry["details"]
    details["warning_signs"][1]["sign"] = "Bruising that spreads over the whole face"
    editor = Editor(client, auth)
    editor.edit("bruising", details=details)
    editor.publish("bruising")
    app.sync()
    assert set(app.received) >= {("entry", "bruising"), ("procedure", "microneedling")}
    rules = app.items[("procedure", "microneedling")]["rules"]
    assert rules == procedure(client, "microneedling", "en")["rules"]
    signs = {sign["id"]: sign["sign"] for sign in rules["signs"]}
    assert signs["bruising.extensive-bruising"] == "Bruising that spreads over the whole face"
    assert app.items == published(client, "en")

    editor.unpublish("bruising")  # its signs leave the rules
    app.sync()
    assert ("procedure", "microneedling") in app.received
    assert ("entry", "bruising") in app.dropped
    signs = app.items[("procedure", "microneedling")]["rules"]["signs"]
    assert not [sign for sign in signs if sign["entry"]["slug"] == "bruising"]
    assert app.items == published(client, "en")


def test_a_procedure_sync_gets_its_procedure_and_its_tombstone(client: FlaskClient, auth: Headers) -> None:
    _write(client, auth, "post", PEEL)
    first = client.get(SYNC, query_string={"procedure": "chemical-peel", "locale": "es"}).get_json()
    [item] = first["data"]
    assert (item["type"], item["slug"], item["title"]) == ("procedure", "chemical-peel", "Peeling químico")
    assert item["rules"]["signs"] == []
    _write(client, auth, "patch", {"summary": "Acids exfoliate the skin."})
    _write(client, auth, "delete", role="admin")
    delta = client.get(SYNC, query_string={"cursor": first["next_cursor"]}).get_json()
    assert delta["data"] == []
    assert [(t["slug"], t["kind"]) for t in delta["tombstones"]] == [("chemical-peel", "procedure")]
