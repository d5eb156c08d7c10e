"""No lost edits: of many concurrent PATCHes carrying the same If-Match, exactly one succeeds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Flask

E = "/api/v1/admin/entries"


def test_fifty_concurrent_patches_one_success(app: Flask, auth: dict[str, dict[str, str]]) -> None:
    client = app.test_client()
    before = client.get(f"{E}/bruising", headers=auth["editor"])
    headers = {**auth["editor"], "If-Match": before.headers["ETag"]}

    def patch(n: int) -> int:
        with app.test_client() as own:
            return own.patch(f"{E}/bruising", json={"title": f"Edit {n}"}, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(patch, range(50)))
    assert statuses.count(200) == 1, statuses
    assert set(statuses) == {200, 412}, statuses
    after = client.get(f"{E}/bruising", headers=auth["editor"]).get_json()
    assert after["version"] == before.get_json()["version"] + 1
    winner = statuses.index(200)
    assert after["title"] == f"Edit {winner}"
    revisions = client.get(f"{E}/bruising/revisions", headers=auth["editor"]).get_json()
    assert revisions["meta"]["total"] == 2
