"""A sync of one procedure's content (``procedure=``): what applies to it, and tombstones for what
stops applying, while other content changes around it."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.sync.support import SYNC, Editor, Headers, OfflineApp, technique

SEED = {("entry", slug) for slug in (
    "avoid-harsh-skincare-products", "avoid-sun-exposure", "bruising", "excessive-redness", "infection",
    "needle-depth-adjustment", "persistent-pain", "pre-treatment-consultation",
    "sterile-equipment-and-protocols", "when-to-seek-professional-help",
)} | {("article", "microneedling-complications"), ("procedure", "microneedling")}  # fmt: skip


class ProcedureApp(OfflineApp):
    def __init__(self, client: FlaskClient, procedure: str) -> None:
        super().__init__(client, "en", limit=4)
        self.procedure = procedure

    def get(self, cursor: str | None) -> dict[str, Any]:
        query = {"cursor": cursor} if cursor else {"locale": self.locale, "procedure": self.procedure}
        response = self.client.get(SYNC, query_string={**query, "limit": self.limit})
        assert response.status_code == 200, response.get_json()
        return response.get_json()


def test_a_procedure_sync_holds_its_content_only(client: FlaskClient, auth: Headers) -> None:
    peel = {"slug": "chemical-peel", "title": "Chemical peel"}
    assert client.post("/api/v1/admin/procedures", json=peel, headers=auth["publisher"]).status_code == 201
    needling, peeling = ProcedureApp(client, "microneedling"), ProcedureApp(client, "chemical-peel")
    needling.sync()
    peeling.sync()
    assert set(needling.items) == SEED
    assert set(peeling.items) == {("procedure", "chemical-peel")}  # the procedure itself, no content

    editor = Editor(client, auth)
    editor.create({**technique("attached", "Attached"), "procedures": ["microneedling"]})
    editor.publish("attached")
    editor.create(technique("unattached", "Unattached"))
    editor.publish("unattached")
    editor.edit("bruising", procedures=["chemical-peel"])  # moves to another procedure
    editor.publish("bruising")
    editor.unpublish("infection")

    needling.sync()
    assert ("entry", "attached") in needling.received
    assert ("procedure", "microneedling") in needling.received  # its entries changed: its rules may have
    assert set(needling.dropped) == {("entry", "bruising"), ("entry", "infection")}
    assert not {("entry", "unattached"), ("entry", "bruising")} & set(needling.received)
    assert set(needling.items) == SEED - {("entry", "bruising"), ("entry", "infection")} | {
        ("entry", "attached")
    }
    assert all(
        "microneedling" in item["procedures"]
        for item in needling.items.values()
        if item["type"] != "procedure"
    )
    peeling.sync()
    assert set(peeling.items) == {("entry", "bruising"), ("procedure", "chemical-peel")}
    assert ("procedure", "chemical-peel") in peeling.received  # bruising's warning signs are its rules now
    rules = peeling.items[("procedure", "chemical-peel")]["rules"]
    assert {sign["entry"]["slug"] for sign in rules["signs"]} == {"bruising"}
    # A fresh sync of the procedure holds what the incremental one does.
    fresh = ProcedureApp(client, "microneedling")
    fresh.sync()
    assert set(fresh.items) == set(needling.items)


def test_a_cursor_carries_its_procedure(client: FlaskClient) -> None:
    first = client.get(SYNC, query_string={"procedure": "microneedling", "limit": 2}).get_json()
    both = client.get(SYNC, query_string={"cursor": first["next_cursor"], "procedure": "microneedling"})
    assert both.status_code == 400
    assert both.mimetype == "application/problem+json"
    assert "procedure" in both.get_json()["errors"]
    assert client.get(SYNC, query_string={"procedure": "Not A Slug"}).status_code == 400
    unknown = client.get(SYNC, query_string={"procedure": "no-such-procedure"}).get_json()
    assert (unknown["data"], unknown["has_more"]) == ([], False)
