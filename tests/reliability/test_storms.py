"""Storms: 50 concurrent publishes, unpublishes, archives and imports of the same slugs against a real
gunicorn with 4 workers give exactly the documented outcomes (2xx, 409, 412), never a 500; and
unpublish or archive without If-Match never 412."""

from __future__ import annotations

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import NEW_ENTRY
from tests.reliability.conftest import Service
from tests.server import call, gunicorn

pytestmark = pytest.mark.reliability
ADMIN = "/api/v1/admin/entries"
ROUNDS, WAYS = 3, 50
# What each operation may answer under the storm (their documented outcomes)
ALLOWED = {
    "publish": {200, 412},
    "unpublish": {200},
    "archive": {200},
    "import": {200, 409},
    "create": {201, 409},
}


def item(slug: str) -> dict[str, object]:
    draft = {**NEW_ENTRY, "slug": slug, "title": f"Storm {slug}"}
    return {"type": "entry", "status": "published", "draft": draft, "live": draft}


def test_fifty_way_storms_give_only_documented_outcomes(service: Service) -> None:
    auth = service.auth
    seen: Counter[tuple[str, int]] = Counter()
    with gunicorn({**service.env, "KB_JOB_WORKERS": "0"}, workers=4) as base:
        for round_ in range(ROUNDS):
            slug = f"storm-{round_}"
            status, headers, _ = call(base, "POST", ADMIN, {**NEW_ENTRY, "slug": slug}, auth)
            assert status == 201
            etag = headers["ETag"]
            fresh = [f"storm-import-{round_}-{n}" for n in range(3)]
            body = "".join(json.dumps(item(s)) + "\n" for s in fresh)
            results = _storm(base, auth, slug, etag, fresh, body)
            for kind, status, body_ in results:
                seen[(kind, status)] += 1
                assert status in ALLOWED[kind], (kind, status, body_)
            assert any(kind == "publish" and status == 200 for kind, status, _ in results)
            # and the entry ends consistent: public exactly when published, its live copy the draft's
            draft = call(base, "GET", f"{ADMIN}/{slug}", None, auth)[2]
            public = call(base, "GET", f"/api/v1/entries/{slug}")
            assert (public[0] == 200) == (draft["status"] == "published"), (draft, public)
            for created in fresh:
                assert call(base, "GET", f"{ADMIN}/{created}", None, auth)[0] == 200
    print(dict(seen))


def _storm(
    base: str, auth: dict[str, str], slug: str, etag: str, fresh: list[str], body: str
) -> list[tuple[str, int, object]]:
    """WAYS requests at once: publish (with the draft's ETag), unpublish and archive (without),
    imports of the same new slugs, creates of those slugs."""
    start = threading.Barrier(WAYS)

    def run(n: int) -> tuple[str, int, object]:
        kind = ("publish", "publish", "unpublish", "archive", "import", "create")[n % 6]
        start.wait(timeout=30)
        if kind == "publish":
            answer = call(base, "POST", f"{ADMIN}/{slug}/publish", None, {**auth, "If-Match": etag})
        elif kind in ("unpublish", "archive"):
            answer = call(base, "POST", f"{ADMIN}/{slug}/{kind}", None, auth)
        elif kind == "import":
            answer = _import(base, auth, body)
        else:
            answer = call(base, "POST", ADMIN, {**NEW_ENTRY, "slug": fresh[n % 3]}, auth)
        return kind, answer[0], answer[2]

    with ThreadPoolExecutor(WAYS) as pool:
        return list(pool.map(run, range(WAYS)))


def _import(base: str, auth: dict[str, str], body: str) -> tuple[int, dict[str, str], object]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{base}/api/v1/admin/import",
        data=body.encode(),
        method="POST",
        headers={**auth, "Content-Type": "application/x-ndjson"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"null")
