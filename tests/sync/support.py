"""An offline app over HTTP (it stores what sync gives and its cursor) and the editing it syncs after."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

ADMIN, SYNC = "/api/v1/admin/entries", "/api/v1/sync"
Headers = dict[str, dict[str, str]]
Item = tuple[str, str]


def technique(slug: str, title: str, related: list[str] | None = None) -> dict[str, Any]:
    return {
        "slug": slug,
        "kind": "technique",
        "title": title,
        "summary": f"{title} summary",
        "body": f"{title} body",
        "related": related or [],
        "details": {"phase": "before", "steps": ["one", "two"]},
    }


def spanish(title: str) -> dict[str, Any]:
    return {
        "title": f"{title} (es)",
        "summary": "Resumen",
        "body": "Cuerpo",
        "details": {"steps": ["uno", "dos"], "rationale": ""},
    }


class Editor:
    """Editing and publishing over the admin API, any version (``If-Match: *``)."""

    def __init__(self, client: FlaskClient, auth: Headers) -> None:
        self.client, self.auth = client, auth

    def _ok(self, response: Any, *codes: int) -> Any:
        assert response.status_code in (codes or (200,)), response.get_json()
        return response

    def create(self, body: dict[str, Any]) -> None:
        self._ok(self.client.post(ADMIN, json=body, headers=self.auth["editor"]), 201)

    def edit(self, slug: str, **changes: Any) -> None:
        headers = self.auth["editor"] | {"If-Match": "*"}
        self._ok(self.client.patch(f"{ADMIN}/{slug}", json=changes, headers=headers))

    def publish(self, slug: str) -> None:
        headers = self.auth["publisher"] | {"If-Match": "*"}
        self._ok(self.client.post(f"{ADMIN}/{slug}/publish", headers=headers))

    def unpublish(self, slug: str) -> None:
        self._ok(self.client.post(f"{ADMIN}/{slug}/unpublish", headers=self.auth["publisher"]))

    def delete(self, slug: str) -> None:
        headers = self.auth["admin"] | {"If-Match": "*"}
        self._ok(self.client.delete(f"{ADMIN}/{slug}", headers=headers), 204)

    def translate(self, slug: str, body: dict[str, Any], locale: str = "es") -> None:
        path = f"{ADMIN}/{slug}/translations/{locale}"
        self._ok(self.client.put(path, json=body, headers=self.auth["editor"] | {"If-Match": "*"}), 200, 201)
        self._ok(self.client.post(f"{path}/publish", headers=self.auth["publisher"] | {"If-Match": "*"}))

    def withdraw(self, slug: str, locale: str = "es") -> None:
        path = f"{ADMIN}/{slug}/translations/{locale}/unpublish"
        self._ok(self.client.post(path, headers=self.auth["publisher"]))


class OfflineApp:
    """Keeps the items sync gives by (type, slug), drops tombstoned ones, and stores the cursor."""

    def __init__(self, client: FlaskClient, locale: str, limit: int = 3) -> None:
        self.client, self.locale, self.limit = client, locale, limit
        self.items: dict[Item, dict[str, Any]] = {}
        self.cursor: str | None = None
        self.received: list[Item] = []  # every item stored, in order (one sync)
        self.dropped: list[Item] = []

    def get(self, cursor: str | None) -> dict[str, Any]:
        query = {"cursor": cursor} if cursor else {"locale": self.locale}
        response = self.client.get(SYNC, query_string={**query, "limit": self.limit})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def apply(self, page: dict[str, Any]) -> None:
        for item in page["data"]:
            key = (item["type"], item["slug"])
            self.items[key] = item
            self.received.append(key)
        for stone in page["tombstones"]:
            key = (stone["kind"] if stone["kind"] in ("article", "procedure") else "entry", stone["slug"])
            self.items.pop(key, None)
            self.dropped.append(key)
        self.cursor = page["next_cursor"]

    def sync(self) -> None:
        """Page until up to date, from the stored cursor (an initial sync without one)."""
        self.received, self.dropped = [], []
        page = self.get(self.cursor)
        self.apply(page)
        while page["has_more"]:
            page = self.get(self.cursor)
            self.apply(page)


def published(client: FlaskClient, locale: str) -> dict[Item, dict[str, Any]]:
    """What the public list and detail reads serve in ``locale``, as sync items."""
    found: dict[Item, dict[str, Any]] = {}
    for type_, plural in (("entry", "entries"), ("article", "articles")):
        page = 1
        while True:
            listed = client.get(
                f"/api/v1/{plural}", query_string={"locale": locale, "per_page": 100, "page": page}
            )
            assert listed.status_code == 200
            body = listed.get_json()
            for summary in body["data"]:
                detail = client.get(f"/api/v1/{plural}/{summary['slug']}", query_string={"locale": locale})
                assert detail.status_code == 200
                found[(type_, summary["slug"])] = {"type": type_, **detail.get_json()}
            if page >= body["meta"]["pages"]:
                break
            page += 1
    listed = client.get("/api/v1/procedures", query_string={"locale": locale, "per_page": 100})
    assert listed.status_code == 200
    for summary in listed.get_json()["data"]:
        found[("procedure", summary["slug"])] = procedure(client, summary["slug"], locale)
    return found


def procedure(client: FlaskClient, slug: str, locale: str) -> dict[str, Any]:
    """Procedure ``slug`` as a sync item: its public read with its rules read."""
    detail = client.get(f"/api/v1/procedures/{slug}", query_string={"locale": locale})
    rules = client.get(f"/api/v1/procedures/{slug}/rules", query_string={"locale": locale})
    assert detail.status_code == rules.status_code == 200
    return {"type": "procedure", **detail.get_json(), "rules": rules.get_json()}
