"""/widget/: the widget's files and demo page over HTTP (content types, caching, CSP, no inline script)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import make_app


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline: list[str] = []
        self.links: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
            self._in_script = True
        if tag == "link" and attributes.get("href"):
            self.links.append(str(attributes["href"]))
        self.inline += [name for name, _ in attrs if name.startswith("on") or name == "style"]

    def handle_endtag(self, tag: str) -> None:
        self._in_script = tag != "script" and self._in_script

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(data)


def test_demo_page_is_csp_friendly_and_links_versioned_assets(client: FlaskClient) -> None:
    page = client.get("/widget/")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert "script-src 'self' https://cdn.jsdelivr.net" in csp
    parser = _Page()
    parser.feed(page.get_data(as_text=True))
    assert parser.inline == [], "no inline script, handler or style attribute"
    sources = [str(script["src"]) for script in parser.scripts]
    assert all(script.get("type") == "module" for script in parser.scripts)
    assert any(src.startswith("/widget/kb-search.js?v=") for src in sources)
    for url in sources + parser.links:
        with client.get(url) as asset:
            assert asset.status_code == 200, url
            assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
            assert asset.headers["Access-Control-Allow-Origin"] == "*"


def test_instantsearch_library_url_is_configurable(tmp_path: Path) -> None:
    app: Flask = make_app(tmp_path, KB_WIDGET_INSTANTSEARCH_URL="http://127.0.0.1:9999/is/instantsearch.js")
    page = app.test_client().get("/widget/")
    assert 'data-library="http://127.0.0.1:9999/is/instantsearch.js"' in page.get_data(as_text=True)
    assert "script-src 'self' http://127.0.0.1:9999;" in page.headers["Content-Security-Policy"]


def test_assets_have_their_content_types_and_unversioned_urls_a_day(client: FlaskClient) -> None:
    for name, mimetype in (
        ("kb-search.js", "text/javascript"),
        ("kb-instantsearch.js", "text/javascript"),
        ("demo.css", "text/css"),
    ):
        with client.get(f"/widget/{name}") as asset:
            assert asset.status_code == 200
            assert asset.mimetype == mimetype
            assert asset.headers["Cache-Control"] == "public, max-age=86400"
            etag = asset.headers["ETag"]
        with client.get(f"/widget/{name}", headers={"If-None-Match": etag}) as again:
            assert again.status_code == 304
    with client.get("/widget/kb-search.js?v=000000000000") as stale:
        assert stale.headers["Cache-Control"] == "public, max-age=86400"


def test_unknown_and_other_files_are_404_problems(client: FlaskClient) -> None:
    for url in (
        "/widget/nope.js",
        "/widget/index.html",
        "/widget/../api/widget.py",
        "/widget/x/kb-search.js",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.mimetype == "application/problem+json"


def test_the_client_and_widget_export_what_the_readme_says(client: FlaskClient) -> None:
    with client.get("/widget/kb-instantsearch.js") as response:
        client_js = response.get_data(as_text=True)
    assert re.search(r"export function kbSearchClient\(baseUrl, options = \{\}\)", client_js)
    assert "searchForFacetValues" in client_js
    with client.get("/widget/kb-search.js") as response:
        widget_js = response.get_data(as_text=True)
    assert 'customElements.define("kb-search"' in widget_js
    assert "innerHTML" not in widget_js, "highlights are rebuilt from an inert parse, never assigned as HTML"
