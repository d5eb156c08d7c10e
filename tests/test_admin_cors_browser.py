"""A real headless Chromium: an editor tool's page on an allowed origin creates and publishes an entry
through the admin API; the same page on another origin is refused by the browser (no CORS grant).

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install -y chromium chromium-driver``);
skips with a reason where they are absent."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import NEW_ENTRY, server_database_url
from tests.server import call, environment, flask, free_port, gunicorn

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="needs /usr/bin/chromium and chromedriver (apt-get install -y chromium chromium-driver)",
)

# The editor tool: create the entry, then publish it with the ETag the create answered (If-Match).
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>editor</title></head><body>
<pre id="result">running</pre>
<script>
async function run() {
  const params = new URLSearchParams(location.hash.slice(1));
  const api = params.get("api"), auth = {"Authorization": "Bearer " + params.get("token")};
  const body = JSON.parse(params.get("entry"));
  const created = await fetch(api + "/api/v1/admin/entries", {
    method: "POST", headers: {...auth, "Content-Type": "application/json"}, body: JSON.stringify(body)});
  const etag = created.headers.get("ETag");
  const published = await fetch(api + "/api/v1/admin/entries/" + body.slug + "/publish", {
    method: "POST", headers: {...auth, "If-Match": etag}});
  const live = await published.json();
  return {created: created.status, etag: etag, published: published.status, status: live.status};
}
run().then(r => { document.getElementById("result").textContent = JSON.stringify(r); },
           e => { document.getElementById("result").textContent = JSON.stringify({error: String(e)}); });
</script></body></html>"""


@contextmanager
def editor_site() -> Iterator[str]:
    """Serve PAGE on its own origin (a free port on 127.0.0.1) until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = PAGE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium(profile: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def run_page(driver: object, site: str, api: str, token: str, entry: dict[str, object]) -> dict[str, object]:
    from urllib.parse import urlencode

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{site}/#{urlencode({'api': api, 'token': token, 'entry': json.dumps(entry)})}")  # type: ignore[attr-defined]
    result = driver.find_element(By.ID, "result")  # type: ignore[attr-defined]
    WebDriverWait(driver, 30).until(lambda _: result.text != "running")
    return json.loads(result.text)


def test_an_allowed_origin_edits_and_another_is_refused(tmp_path: Path) -> None:
    with editor_site() as allowed, editor_site() as other:
        env = environment(
            tmp_path,
            server_database_url(tmp_path),
            KB_ADMIN_CORS_ORIGINS=allowed,
            KB_RATELIMIT_AUTH_FAILURES="3 per minute",  # a counted preflight would lock the page out
        )
        flask(env, "init")
        token = flask(env, "token", "create", "--name", "editor-tool", "--role", "publisher").stdout
        secret = token.strip().splitlines()[-1]
        with gunicorn(env, workers=1) as api, chromium(tmp_path / "chromium-profile") as driver:
            for _ in range(4):  # preflights are never counted as failed authentications
                refused = run_page(driver, other, api, secret, {**NEW_ENTRY, "slug": "refused-entry"})
                assert "Failed to fetch" in str(refused.get("error")), refused
            done = run_page(driver, allowed, api, secret, NEW_ENTRY)
            assert done == {"created": 201, "etag": done["etag"], "published": 200, "status": "published"}
            assert done["etag"]
            status, _, body = call(api, "GET", f"/api/v1/entries/{NEW_ENTRY['slug']}")
            assert status == 200
            assert body["title"] == NEW_ENTRY["title"]
            auth = {"Authorization": f"Bearer {secret}"}
            assert call(api, "GET", "/api/v1/admin/entries/refused-entry", headers=auth)[0] == 404
