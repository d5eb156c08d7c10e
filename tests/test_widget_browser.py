"""The search widgets in a real browser: headless Chromium (Debian's) driven by Selenium, against gunicorn.

kb's <kb-search> needs only the browser. The InstantSearch.js page and the axe-core check need npm: the
pinned packages are installed at test time into KB_TEST_NPM_DIR (default: a folder in the system's temp
directory, reused between runs) and served from 127.0.0.1; never committed. Screenshots of the demo page
go to KB_SCREENSHOT_DIR (default: the test's tmp folder) for review.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server import environment, flask, free_port, gunicorn

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
NPM_PACKAGES = {"instantsearch.js": "4.118.1", "axe-core": "4.14.1"}
INSTANTSEARCH_FILE = "instantsearch.js/dist/instantsearch.production.min.js"
CHROME_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1400",
)
WAIT_SECONDS = 15

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason=f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian packages chromium and chromium-driver)",
)


# npm packages and the servers ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def npm_modules() -> Path | None:
    """node_modules with the pinned packages, or None when npm or the registry is out of reach."""
    folder = Path(os.environ.get("KB_TEST_NPM_DIR", Path(tempfile.gettempdir()) / "kb-test-npm"))
    modules = folder / "node_modules"
    if all(_installed(modules, name) == version for name, version in NPM_PACKAGES.items()):
        return modules
    npm = shutil.which("npm")
    if npm is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    specs = [f"{name}@{version}" for name, version in NPM_PACKAGES.items()]
    command = [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--no-package-lock"]
    try:
        subprocess.run([*command, "--ignore-scripts", *specs], capture_output=True, check=True, timeout=300)
    except (subprocess.SubprocessError, OSError):
        return None
    ok = all(_installed(modules, name) == version for name, version in NPM_PACKAGES.items())
    return modules if ok else None


def _installed(modules: Path, name: str) -> str | None:
    try:
        return json.loads((modules / name / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


@pytest.fixture(scope="module")
def npm_server(npm_modules: Path | None) -> Iterator[str | None]:
    """The npm files over HTTP on 127.0.0.1 (as a CDN would serve them), or None without them."""
    if npm_modules is None:
        yield None
        return
    handler = functools.partial(_QuietHandler, directory=str(npm_modules))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on the test's output."""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, npm_server: str | None) -> Iterator[str]:
    """kb under gunicorn on a free port, seeded, on its own SQLite database and Whoosh index."""
    instance = tmp_path_factory.mktemp("widget-live")
    library = f"{npm_server}/{INSTANTSEARCH_FILE}" if npm_server else "http://127.0.0.1:9/instantsearch.js"
    env = environment(
        instance,
        f"sqlite:///{instance / 'kb.sqlite3'}",
        KB_SEARCH_BACKEND="whoosh",
        KB_RATELIMIT_ENABLED="false",
        KB_WIDGET_INSTANTSEARCH_URL=library,
    )
    flask(env, "init")
    with gunicorn(env, workers=2) as base:
        yield base


# the browser ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in CHROME_ARGS:
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    browser = webdriver.Chrome(options=options, service=service)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("KB_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def wait_for(driver: Any, condition: Callable[[], Any], message: str) -> Any:
    try:
        wait = WebDriverWait(driver, WAIT_SECONDS, ignored_exceptions=[StaleElementReferenceException])
        return wait.until(lambda _: condition())
    except TimeoutException:
        logs = [entry["message"] for entry in driver.get_log("browser")][-5:]
        pytest.fail(f"timed out waiting: {message}; browser console: {logs}")


class Widget:
    """The <kb-search> element of the demo page, seen through its shadow root."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.host = wait_for(driver, lambda: driver.find_elements(By.ID, "kb-widget"), "kb-search")[0]
        wait_for(driver, lambda: driver.execute_script("return !!customElements.get('kb-search')"), "defined")
        self.root = self.host.shadow_root

    def find(self, css: str) -> WebElement:
        return self.root.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return self.root.find_elements(By.CSS_SELECTOR, css)

    @property
    def input(self) -> WebElement:
        return self.find("input")

    def options(self) -> list[WebElement]:
        """The suggestions shown, once the last suggest request has been answered."""
        if self.find("[role=listbox]").get_attribute("aria-busy") == "true":
            return []
        return [option for option in self.all("[role=option]") if option.is_displayed()]

    def hits(self) -> list[WebElement]:
        return self.all("li.hit")

    def search(self, text: str) -> None:
        self.input.clear()
        self.input.send_keys(text)
        self.input.send_keys(Keys.ENTER)  # the widget marks its results aria-busy until this search is shown
        wait_for(
            self.driver,
            lambda: (
                self.find("ol.results").get_attribute("aria-busy") == "false"
                and text in self.find("[role=status]").text
            ),
            f"results for {text}",
        )


def open_demo(driver: Any, live: str) -> Widget:
    driver.get(f"{live}/widget/")
    return Widget(driver)


# kb's own widget --------------------------------------------------------------------------------------


def test_typing_shows_suggestions_and_the_keyboard_opens_one(driver: Any, live: str) -> None:
    widget = open_demo(driver, live)
    keep = "document.addEventListener('kb-search-select', e => sessionStorage.kb = JSON.stringify(e.detail))"
    driver.execute_script(keep)
    field = widget.input
    assert field.get_attribute("role") == "combobox"
    assert field.get_attribute("aria-expanded") == "false"
    label = widget.find(f"label[for='{field.get_attribute('id')}']")
    assert label.text == "Search the knowledge base"
    field.send_keys("infec")
    options = wait_for(driver, widget.options, "suggestions for infec")
    assert options[0].text.startswith("Infection")
    assert field.get_attribute("aria-expanded") == "true"
    listbox = widget.find("[role=listbox]")
    assert field.get_attribute("aria-controls") == listbox.get_attribute("id")
    field.send_keys(Keys.ARROW_DOWN)
    assert field.get_attribute("aria-activedescendant") == options[0].get_attribute("id")
    assert options[0].get_attribute("aria-selected") == "true"
    field.send_keys(Keys.ESCAPE)  # closes the list, keeps the text
    assert field.get_attribute("aria-expanded") == "false"
    assert field.get_attribute("aria-activedescendant") is None
    assert field.get_attribute("value") == "infec"
    field.send_keys(Keys.ARROW_DOWN)  # reopens on the first option
    assert field.get_attribute("aria-activedescendant") == widget.options()[0].get_attribute("id")
    field.send_keys(Keys.ENTER)
    wait_for(
        driver,
        lambda: driver.current_url.endswith("/api/v1/entries/infection"),
        "navigation",
    )
    assert '"title": "Infection"' in driver.find_element(By.TAG_NAME, "body").text.replace('":"', '": "')
    selected = json.loads(driver.execute_script("return sessionStorage.getItem('kb')"))
    assert selected == {
        "type": "entry",
        "slug": "infection",
        "kind": "complication",
        "title": "Infection",
        "locale": "en",
        "source": "suggestion",
        "position": 1,
        "queryId": None,
    }


def test_results_highlights_and_a_facet_narrows_them(driver: Any, live: str, screenshots: Path) -> None:
    widget = open_demo(driver, live)
    widget.search("skin")
    hits = widget.hits()
    assert len(hits) > 3
    status = widget.find("[role=status]")
    assert status.get_attribute("aria-live") == "polite"
    assert status.text == f"{len(hits)} results for “skin”"
    assert widget.all("li.hit mark"), "matches are highlighted with <mark>"
    chip = widget.find("button[data-facet=kind][data-value=aftercare]")
    assert chip.get_attribute("aria-pressed") == "false"
    expected = int(chip.text.rsplit("(", 1)[1].rstrip(")"))
    assert expected < len(hits)
    chip.click()
    wait_for(driver, lambda: len(widget.hits()) == expected, "the facet narrows the hits")
    kinds = {hit.find_element(By.CSS_SELECTOR, ".kind").text for hit in widget.hits()}
    assert kinds == {"aftercare"}
    assert (
        widget.find("button[data-facet=kind][data-value=aftercare]").get_attribute("aria-pressed") == "true"
    )
    driver.save_screenshot(str(screenshots / "demo-kb-search-results.png"))
    assert (screenshots / "demo-kb-search-results.png").stat().st_size > 10_000


def test_an_article_hit_links_to_its_best_section_and_type_chips_narrow(driver: Any, live: str) -> None:
    widget = open_demo(driver, live)
    widget.search("hygiene micro-channels")
    article = next(
        hit for hit in widget.hits() if hit.find_element(By.CSS_SELECTOR, ".kind").text == "article"
    )
    assert "Risk of Infection" in article.find_element(By.CSS_SELECTOR, ".section").text
    href = article.find_element(By.CSS_SELECTOR, "a").get_attribute("href")
    assert href.endswith("/api/v1/articles/microneedling-complications#risk-of-infection")
    widget.find("button[data-facet=type][data-value=article]").click()
    wait_for(driver, lambda: len(widget.hits()) == 1, "the type chip keeps the article")
    assert widget.find("button[data-facet=type][data-value=article]").get_attribute("aria-pressed") == "true"


def test_did_you_mean_and_escaped_text(driver: Any, live: str) -> None:
    widget = open_demo(driver, live)
    widget.search("infecton")
    offer = widget.find(".didyoumean button")
    assert offer.text == "infection"
    offer.click()
    wait_for(driver, lambda: "“infection”" in widget.find("[role=status]").text, "the suggested search")
    title = widget.hits()[0].find_element(By.CSS_SELECTOR, "a")
    assert title.get_attribute("innerHTML") == "<mark>Infection</mark>"
    # a query that looks like markup stays text
    widget.search('<img src=x onerror="window.pwned=1">')
    assert driver.execute_script("return window.pwned") is None
    assert "<img" in widget.find("[role=status]").text


def test_urgent_hits_are_flagged(driver: Any, live: str) -> None:
    """The flag appears for hits with ``urgent: true`` (the search service adds it for urgent guidance)."""
    widget = open_demo(driver, live)
    driver.execute_script(
        """
        const original = window.fetch;
        window.fetch = async (...args) => {
          const response = await original(...args);
          if (!String(args[0]).includes('/api/v1/search?')) return response;
          const body = await response.json();
          body.data[0].urgent = true; body.data[0].action = 'seek_care_promptly';
          const headers = {'Content-Type': 'application/json'};
          return new Response(JSON.stringify(body), {status: 200, headers});
        };
        """
    )
    widget.search("infection")
    first = widget.hits()[0]
    assert "urgent" in first.get_attribute("class")
    assert first.find_element(By.CSS_SELECTOR, ".flag").text == "Seek care promptly"
    assert not widget.hits()[1].find_elements(By.CSS_SELECTOR, ".flag")


def test_only_the_latest_search_is_shown(driver: Any, live: str) -> None:
    """An earlier search answered late never replaces the results of a later one."""
    widget = open_demo(driver, live)
    driver.execute_script(
        """
        const original = window.fetch;
        window.fetch = async (...args) => {
          const response = await original(...args);
          if (String(args[0]).includes('q=skin')) await new Promise(r => setTimeout(r, 1500));
          return response;
        };
        """
    )
    widget.input.send_keys("skin", Keys.ENTER)
    assert widget.find("ol.results").get_attribute("aria-busy") == "true"
    widget.search("infection")
    driver.execute_script("return new Promise(r => setTimeout(r, 2000))")  # the late answer arrives
    assert widget.find("[role=status]").text.endswith("for “infection”")
    assert widget.find("ol.results").get_attribute("aria-busy") == "false"


def hit_titles(widget: Any) -> list[str]:
    return [hit.find_element(By.CSS_SELECTOR, "a").text for hit in widget.hits()]


def test_locale_comes_from_the_page(driver: Any, live: str) -> None:
    """The page's language is asked for (Accept-Language): Spanish content for a page in es-MX, the
    default locale's for a language kb does not hold."""
    widget = open_demo(driver, live)
    widget.search("infection")
    assert hit_titles(widget)[0] == "Infection"
    driver.execute_script("document.documentElement.lang = 'es-MX'")
    widget.search("infección")
    assert hit_titles(widget)[0] == "Infección"
    driver.execute_script("document.documentElement.lang = 'fr'")  # no French content in the seed
    widget.search("infection")
    assert hit_titles(widget)[0] == "Infection"
    assert widget.find("[role=status]").text.endswith("results for “infection”")


def test_a_result_click_is_counted(driver: Any, live: str) -> None:
    widget = open_demo(driver, live)
    driver.execute_script("document.addEventListener('kb-search-select', e => e.preventDefault())")
    widget.search("bruising")
    widget.hits()[0].find_element(By.CSS_SELECTOR, "a").click()
    sent = "return performance.getEntriesByType('resource').some(e => e.name.endsWith('/search/events'))"
    wait_for(driver, lambda: driver.execute_script(sent), "the click event was sent")


# InstantSearch.js on kb -------------------------------------------------------------------------------


@pytest.fixture
def instantsearch_page(driver: Any, live: str, npm_server: str | None) -> Any:
    if npm_server is None:
        pytest.skip("npm or the npm registry is not reachable: InstantSearch.js cannot be installed")
    driver.get(f"{live}/widget/")
    wait_for(
        driver,
        lambda: driver.find_element(By.ID, "is-app").get_attribute("data-ready"),
        "InstantSearch started",
    )
    assert driver.find_element(By.ID, "is-app").get_attribute("data-ready") == "true"
    return driver


def is_hits(driver: Any) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, "#is-hits .ais-Hits-item")


def texts(driver: Any, css: str) -> list[str]:
    """The text of every element matching css, read in one script: InstantSearch re-renders on each
    answer, so elements found in one WebDriver call may be gone by the next."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent.trim())", css
    )


def kind_counts(driver: Any) -> dict[str, int]:
    """The kind refinement list as {label: count}, read at once."""
    labels = texts(driver, "#is-kind .ais-RefinementList-labelText")
    counts = texts(driver, "#is-kind .ais-RefinementList-count")
    return dict(zip(labels, map(int, counts), strict=True)) if len(labels) == len(counts) else {}


def test_instantsearch_shows_hits_and_refines(instantsearch_page: Any, screenshots: Path) -> None:
    driver = instantsearch_page
    wait_for(driver, lambda: is_hits(driver), "the first hits (empty query)")
    box = driver.find_element(By.CSS_SELECTOR, "#is-searchbox input")
    box.send_keys("infection")
    wait_for(
        driver,
        lambda: texts(driver, "#is-hits .ais-Hits-item:first-child mark")[:1] == ["Infection"],
        "the first hit for infection with Infection highlighted",
    )
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)  # as a user clears it (clear() fires no input event)
    box.send_keys("skin")
    wait_for(driver, lambda: "skin" in " ".join(texts(driver, "#is-hits")).lower(), "hits for skin")
    # the expected figures come from the API, not from the screen: what shows first may still be the
    # answer to an as-you-type prefix ("ski"), and counts read from it would never match the final stats
    meta = driver.execute_script(
        "const r = await fetch('/api/v1/search?q=skin&per_page=1');"
        "const b = await r.json(); return {total: b.meta.total, kind: b.facets.kind};"
    )
    counts = {kind: int(n) for kind, n in meta["kind"].items()}
    assert {"aftercare", "complication"} <= set(counts)
    wait_for(
        driver,
        lambda: (shown := kind_counts(driver)) and all(counts.get(k) == n for k, n in shown.items()),
        "kind facet counts of the final query",
    )
    total = meta["total"]
    wait_for(driver, lambda: f"{total} results" in " ".join(texts(driver, "#is-stats")), "stats")
    driver.find_element(By.CSS_SELECTOR, "#is-kind input[value=aftercare]").click()
    refined = f"{counts['aftercare']} result"
    wait_for(driver, lambda: refined in " ".join(texts(driver, "#is-stats")), "the refined search")
    shown = texts(driver, "#is-hits .ais-Hits-item .kind")
    assert shown
    assert set(shown) == {"aftercare"}
    driver.find_element(By.CSS_SELECTOR, "#is-kind input[value=complication]").click()  # OR within kind
    total = counts["aftercare"] + counts["complication"]
    wait_for(driver, lambda: f"{total} results" in " ".join(texts(driver, "#is-stats")), "OR of two kinds")
    assert texts(driver, "#is-pagination .ais-Pagination-item")
    driver.save_screenshot(str(screenshots / "demo-instantsearch.png"))


def test_instantsearch_searches_tag_values(instantsearch_page: Any) -> None:
    driver = instantsearch_page
    wait_for(driver, lambda: is_hits(driver), "the first hits")
    tag_box = driver.find_element(By.CSS_SELECTOR, "#is-tags .ais-SearchBox-input")
    # one input event, as a paste: with a request per keystroke, a late answer to "su" (after the one to
    # "sun", under load) could leave its list on screen; this test is about the answer, not typing races
    driver.execute_script(
        "arguments[0].value = 'sun'; arguments[0].dispatchEvent(new Event('input', {bubbles: true}))", tag_box
    )
    wait_for(
        driver,
        lambda: set(texts(driver, "#is-tags .ais-RefinementList-labelText")) == {"sun", "sun-exposure"},
        "tag values matching sun",
    )


# accessibility ----------------------------------------------------------------------------------------


def test_axe_finds_no_serious_violations(driver: Any, live: str, npm_modules: Path | None) -> None:
    if npm_modules is None:
        pytest.skip("npm or the npm registry is not reachable: axe-core cannot be installed")
    widget = open_demo(driver, live)
    widget.search("skin")
    widget.input.send_keys(Keys.BACKSPACE)  # suggestions open: the combobox in its expanded state
    wait_for(driver, widget.options, "suggestions")
    driver.execute_script((npm_modules / "axe-core" / "axe.min.js").read_text())
    violations = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run({include: [['#kb-widget']]}, {resultTypes: ['violations']})
          .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))))
          .catch(e => done([{id: 'axe-error', impact: 'critical', message: String(e)}]));
        """
    )
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
