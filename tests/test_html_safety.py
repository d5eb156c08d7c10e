"""XSS payloads in seeded Markdown never reach ``body_html`` as active HTML (seed CLI -> public API)."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient

Json = dict[str, Any]

ENTRY_SLUG = "payload-entry"
ARTICLE_SLUG = "payload-article"

SAFE_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "img",
}  # fmt: skip
SAFE_ATTRIBUTES = {"href", "src", "alt", "title", "rel", "start", "class"}
URL_ATTRIBUTES = {"href", "src"}
SAFE_URL_PREFIXES = ("http:", "https:", "mailto:", "#", "/")
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:")
# Whitespace and C0/C1 control characters: browsers ignore several of them inside a URL's scheme.
INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f]")
TITLE_BREAKOUT = '"onmouseover="alert(1)'

PAYLOADS = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param("<SCRIPT SRC=//evil/x.js></SCRIPT>", id="script-src-upper"),
    pytest.param("[x](javascript:alert(1))", id="link-javascript"),
    pytest.param("[x](JaVaScRiPt:alert(1))", id="link-javascript-mixed-case"),
    pytest.param("[x](  javascript:alert(1))", id="link-javascript-leading-spaces"),
    pytest.param("[x](&#106;avascript:alert(1))", id="link-javascript-entity"),
    pytest.param("[x](java&#x09;script:alert(1))", id="link-javascript-tab-entity"),
    pytest.param("[x](vbscript:msgbox(1))", id="link-vbscript"),
    pytest.param("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", id="link-data"),
    pytest.param("![x](javascript:alert(1))", id="image-javascript"),
    pytest.param("<img src=x onerror=alert(1)>", id="img-onerror"),
    pytest.param('<a href="#" onclick="alert(1)">x</a>', id="a-onclick"),
    pytest.param('<iframe src="https://evil.example"></iframe>', id="iframe"),
    pytest.param("<svg onload=alert(1)>", id="svg-onload"),
    pytest.param("<style>body{}</style>", id="style"),
    pytest.param("<object data=x>", id="object"),
    pytest.param("<embed src=x>", id="embed"),
    pytest.param("<form action=javascript:alert(1)><button>x</button></form>", id="form"),
    pytest.param('<math><mi xlink:href="javascript:alert(1)">x</mi></math>', id="mathml-xlink"),
    pytest.param("<<script>script>alert(1)<</script>/script>", id="nested-script"),
    pytest.param(
        f'[x](https://example.org "{TITLE_BREAKOUT.replace(chr(34), chr(92) + chr(34))}")',
        id="title-breakout-double-quoted",
    ),
    pytest.param(f"[x](https://example.org '{TITLE_BREAKOUT}')", id="title-breakout-single-quoted"),
    pytest.param(f'[x](https://example.org "a"{TITLE_BREAKOUT[1:]}")', id="title-breakout-unbalanced"),
]


class TagCollector(HTMLParser):
    """Collect every start/end tag with its attributes, plus comments and declarations."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.end_tags: list[str] = []
        self.other: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.end_tags.append(tag)

    def handle_comment(self, data: str) -> None:
        self.other.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.other.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.other.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.other.append(f"<![{data}]>")


def parse(fragment: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(fragment)
    collector.close()
    return collector


def url_is_safe(value: str) -> bool:
    """True for http(s), mailto, fragment, absolute-path or scheme-less relative URLs."""
    for candidate in {value, html.unescape(value)}:
        url = INVISIBLE.sub("", candidate).lower()
        if url.startswith(BAD_SCHEMES):
            return False
        if not url.startswith(SAFE_URL_PREFIXES) and SCHEME.match(url):
            return False
    return True


def assert_safe_html(fragment: str, where: str) -> TagCollector:
    """Fail unless ``fragment`` only holds allowed tags, no handlers and only safe URLs."""
    parsed = parse(fragment)
    bad_tags = sorted({tag for tag, _ in parsed.tags} - SAFE_TAGS)
    assert not bad_tags, f"{where}: disallowed tags {bad_tags} in {fragment!r}"
    bad_end_tags = sorted(set(parsed.end_tags) - SAFE_TAGS)
    assert not bad_end_tags, f"{where}: disallowed end tags {bad_end_tags} in {fragment!r}"
    assert not parsed.other, f"{where}: comments/declarations {parsed.other} in {fragment!r}"
    for tag, attrs in parsed.tags:
        for name, value in attrs:
            assert not name.startswith("on"), f"{where}: event handler {name}= on <{tag}> in {fragment!r}"
            assert name in SAFE_ATTRIBUTES, f"{where}: attribute {name}= on <{tag}> in {fragment!r}"
            if name in URL_ATTRIBUTES:
                assert value is not None
                assert url_is_safe(value), f"{where}: unsafe {name}={value!r} on <{tag}> in {fragment!r}"
    return parsed


def write_seed(root: Path, entry_body: str, section_bodies: list[str]) -> Path:
    """A seed folder with one technique entry and one article referencing it."""
    entry = {
        "slug": ENTRY_SLUG,
        "kind": "technique",
        "title": "Payload entry",
        "summary": "An entry whose body carries a payload.",
        "body": entry_body,
        "tags": ["security"],
        "details": {"phase": "before", "steps": ["Render the body safely."]},
    }
    article = {
        "slug": ARTICLE_SLUG,
        "title": "Payload article",
        "summary": "An article whose sections carry a payload.",
        "sections": [
            {"heading": f"Section {number}", "body": body, "entries": [ENTRY_SLUG]}
            for number, body in enumerate(section_bodies, start=1)
        ],
    }
    for folder, data in (("entries", entry), ("articles", article)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / f"{data['slug']}.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    return root


def seed(app: Flask, path: Path) -> Result:
    """Run the real ``seed --path`` command (an app context is pushed; see test_cli.py)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed", "--path", str(path)])
    assert result.exit_code == 0, result.output
    return result


def get_json(client: FlaskClient, url: str) -> Json:
    response = client.get(url)
    assert response.status_code == 200, f"GET {url} -> {response.status_code}: {response.get_data(True)}"
    body = response.get_json()
    assert isinstance(body, dict)
    return body


def contexts(payload: str) -> list[str]:
    """The payload alone and inside inline, list, quote, heading and table Markdown."""
    return [
        payload,
        f"Before {payload} after.",
        f"- item\n- {payload}",
        f"> {payload}",
        f"## {payload}",
        f"| a | b |\n|---|---|\n| {payload} | z |",
    ]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised(empty_app: Flask, tmp_path: Path, payload: str) -> None:
    """Entry ``body_html`` and every article ``sections[].body_html`` are safe; ``body`` is kept as is."""
    bodies = contexts(payload)
    seed(empty_app, write_seed(tmp_path / "seed", payload, bodies))
    client = empty_app.test_client()

    entry = get_json(client, f"/api/v1/entries/{ENTRY_SLUG}")
    assert entry["body"] == payload
    assert entry["body_html"].strip(), "the payload was rendered to nothing at all"
    assert_safe_html(entry["body_html"], "entry")

    article = get_json(client, f"/api/v1/articles/{ARTICLE_SLUG}")
    assert [s["body"] for s in article["sections"]] == bodies
    for number, section in enumerate(article["sections"], start=1):
        assert_safe_html(section["body_html"], f"article section {number}")


@pytest.mark.parametrize(
    "markdown",
    [
        pytest.param(
            f'[x](https://example.org "{TITLE_BREAKOUT.replace(chr(34), chr(92) + chr(34))}")',
            id="double-quoted",
        ),
        pytest.param(f"[x](https://example.org '{TITLE_BREAKOUT}')", id="single-quoted"),
    ],
)
def test_title_breakout_stays_inside_the_title(empty_app: Flask, tmp_path: Path, markdown: str) -> None:
    """Quotes in a link title are escaped: the whole text is the title, no extra attribute appears."""
    seed(empty_app, write_seed(tmp_path / "seed", markdown, [markdown]))
    client = empty_app.test_client()
    entry = get_json(client, f"/api/v1/entries/{ENTRY_SLUG}")
    article = get_json(client, f"/api/v1/articles/{ARTICLE_SLUG}")
    for fragment in (entry["body_html"], article["sections"][0]["body_html"]):
        links = [dict(attrs) for tag, attrs in assert_safe_html(fragment, "title").tags if tag == "a"]
        assert len(links) == 1, fragment
        assert links[0]["href"] == "https://example.org"
        assert links[0]["title"] == TITLE_BREAKOUT
        assert set(links[0]) == {"href", "title", "rel"}


ORDINARY_MARKDOWN = """\
## Aftercare

Keep it **bold** and *calm*; read [the guide](https://example.org), \
[our page](/entries/infection) or [write](mailto:care@example.org).

- first
- second

1. one
2. two

> quoted

`code` and ![chart](https://example.org/chart.png)

| a | b |
|---|---|
| 1 | 2 |
"""

EXPECTED_FRAGMENTS = [
    "<h2>Aftercare</h2>",
    "<strong>bold</strong>",
    "<em>calm</em>",
    '<a href="https://example.org" rel="noopener noreferrer nofollow">the guide</a>',
    '<a href="/entries/infection" rel="noopener noreferrer nofollow">our page</a>',
    '<a href="mailto:care@example.org" rel="noopener noreferrer nofollow">write</a>',
    "<ul>\n<li>first</li>\n<li>second</li>\n</ul>",
    "<ol>\n<li>one</li>\n<li>two</li>\n</ol>",
    "<blockquote>\n<p>quoted</p>\n</blockquote>",
    "<code>code</code>",
    '<img src="https://example.org/chart.png" alt="chart">',
    "<th>a</th>",
    "<td>2</td>",
]


def test_ordinary_markdown_renders(empty_app: Flask, tmp_path: Path) -> None:
    """Ordinary Markdown survives sanitizing: headings, emphasis, links with rel, lists, quotes, tables."""
    seed(empty_app, write_seed(tmp_path / "seed", ORDINARY_MARKDOWN, [ORDINARY_MARKDOWN]))
    client = empty_app.test_client()
    entry = get_json(client, f"/api/v1/entries/{ENTRY_SLUG}")
    article = get_json(client, f"/api/v1/articles/{ARTICLE_SLUG}")

    assert entry["body"] == ORDINARY_MARKDOWN
    assert article["sections"][0]["body"] == ORDINARY_MARKDOWN
    for where, fragment in (("entry", entry["body_html"]), ("article", article["sections"][0]["body_html"])):
        assert_safe_html(fragment, where)
        missing = [expected for expected in EXPECTED_FRAGMENTS if expected not in fragment]
        assert not missing, f"{where}: {missing} not in {fragment!r}"
        assert "**" not in fragment
        assert "](" not in fragment


@pytest.mark.parametrize(
    "fragment",
    [
        "<p><script>alert(1)</script></p>",
        '<p><img src="x" onerror="alert(1)"></p>',
        '<p><a href=" JaVa\tScRiPt:alert(1)">x</a></p>',
        '<p><a href="&#106;avascript:alert(1)">x</a></p>',
        '<p><a href="vbscript:msgbox(1)">x</a></p>',
        '<p><img src="data:text/html;base64,PHNjcmlwdD4=" alt=""></p>',
        '<p><a href="ftp://example.org">x</a></p>',
        '<p style="color:red">x</p>',
        "<p>x</p></iframe>",
        "<!-- x --><p>x</p>",
    ],
)
def test_checker_rejects_unsafe_html(fragment: str) -> None:
    """The checker itself is not vacuous: it flags each kind of unsafe HTML it looks for."""
    with pytest.raises(AssertionError):
        assert_safe_html(fragment, "checker")


def test_checker_accepts_safe_html() -> None:
    """Relative, fragment, absolute-path, mailto and http(s) URLs pass the checker."""
    assert_safe_html(
        '<p><a href="page.html">a</a><a href="#top">b</a><a href="/x">c</a>'
        '<a href="mailto:a@example.org">d</a><img src="https://example.org/i.png" alt="i"></p>',
        "checker",
    )
