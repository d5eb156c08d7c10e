"""The seeded content, checked through the public API against the source article it came from."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

Json = dict[str, Any]

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = REPO_ROOT / "seed"
SOURCE_FILE = SEED_DIR / "source" / "microneedling-complications-article.txt"

ARTICLE_SLUG = "microneedling-complications"
ARTICLE_URL = f"/api/v1/articles/{ARTICLE_SLUG}"
ENTRIES_URL = "/api/v1/entries"

SOURCE_TITLE = "Microneedling Complications: How to Identify and Prevent Problems"
SOURCE_SUBTITLE = "Understanding Microneedling Complications: Identification and prevention Strategies"
# (heading line as it appears in the source, heading expected in the seeded article), in source order.
SOURCE_HEADINGS: list[tuple[str, str]] = [
    (
        "Common Complications Associated with Microneedling",
        "Common Complications Associated with Microneedling",
    ),
    ("Excessive Redness and Bruising", "Excessive Redness and Bruising"),
    ("Risk of Infection", "Risk of Infection"),
    ("techniques to minimize Risks", "Techniques to Minimize Risks"),
    ("pre-Treatment Planning", "Pre-Treatment Planning"),
    ("Proper Technique During Treatment", "Proper Technique During Treatment"),
    ("Post-Treatment Care", "Post-Treatment Care"),
    ("When to Seek Professional Help", "When to Seek Professional Help"),
]
# The closing paragraph has no heading in the source; the seed gives it this one.
CLOSING_START = "By understanding these common issues"
CLOSING_HEADING = "Conclusion"
# Page chrome: the line before the title, and everything from the author blurb on.
CHROME_BEFORE_TITLE = "Blog"
CHROME_START = "author-avatar"

TYPO_FIXES: dict[str, str] = {"moast": "most", "; though,": "; however,"}
MISSING_SPACE = re.compile(r"([.,;])(?=[A-Za-z])")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

ENTRY_KEYS = {
    "id", "slug", "kind", "title", "summary", "body", "body_html", "tags", "locale", "related", "details",
    "sources", "last_reviewed", "next_review_due", "reviewed_by", "status", "version", "created_at",
    "updated_at", "published_at",
}  # fmt: skip
KINDS = {"complication", "technique", "aftercare"}

# Entries each section must reference at least (keys: casefolded headings).
EXPECTED_SECTION_ENTRIES: dict[str, set[str]] = {
    "common complications associated with microneedling": {"excessive-redness", "bruising", "infection"},
    "excessive redness and bruising": {"excessive-redness", "bruising"},
    "risk of infection": {"infection"},
    "pre-treatment planning": {"pre-treatment-consultation"},
    "proper technique during treatment": {"sterile-equipment-and-protocols", "needle-depth-adjustment"},
    "post-treatment care": {"avoid-sun-exposure", "avoid-harsh-skincare-products"},
    "when to seek professional help": {"when-to-seek-professional-help", "persistent-pain"},
}


def get_json(client: FlaskClient, url: str) -> Json:
    """GET ``url``, assert 200 and return the JSON body."""
    response = client.get(url)
    assert response.status_code == 200, (
        f"GET {url} -> {response.status_code}: {response.get_data(as_text=True)}"
    )
    body = response.get_json()
    assert isinstance(body, dict)
    return body


def list_entries(client: FlaskClient) -> list[Json]:
    """Every published entry, following the list's ``next`` links."""
    entries: list[Json] = []
    url: str | None = f"{ENTRIES_URL}?per_page=100"
    for _ in range(100):
        if not url:
            break
        page = get_json(client, url)
        entries.extend(page["data"])
        url = page["links"].get("next")
    else:
        pytest.fail("entries list did not end within 100 pages")
    return entries


def fix_typos(text: str) -> str:
    """Apply the corrections the seed makes to the source text."""
    for wrong, right in TYPO_FIXES.items():
        text = text.replace(wrong, right)
    return MISSING_SPACE.sub(r"\1 ", text)


def normalise(text: str) -> str:
    """Casefold, unify apostrophes and em dashes, collapse whitespace."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2014", " \u2014 ")
    return " ".join(text.split()).casefold()


def sentences(text: str) -> list[str]:
    """Split a source text block into its corrected sentences."""
    return [s for s in SENTENCE_END.split(fix_typos(text)) if s.strip()]


def source_sections() -> list[tuple[str, str]]:
    """Split the source article into (expected heading, text), page chrome, title and subtitle excluded."""
    lines = [line.strip() for line in SOURCE_FILE.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    lines = lines[: lines.index(CHROME_START)]
    headings = dict(SOURCE_HEADINGS)
    sections: list[tuple[str, list[str]]] = []
    for line in lines:
        if line in headings:
            sections.append((headings[line], []))
        elif line.startswith(CLOSING_START):
            sections.append((CLOSING_HEADING, [line]))
        elif sections:
            sections[-1][1].append(line)
        else:
            assert line in {CHROME_BEFORE_TITLE, SOURCE_TITLE, SOURCE_SUBTITLE}, f"unexpected line {line!r}"
    found = [heading for heading, _ in sections]
    assert found == [expected for _, expected in SOURCE_HEADINGS] + [CLOSING_HEADING], (
        "source headings changed"
    )
    assert all(paragraphs for _, paragraphs in sections)
    return [(heading, "\n".join(paragraphs)) for heading, paragraphs in sections]


def test_every_source_section_is_in_the_article(client: FlaskClient) -> None:
    """Each source section is a seeded section, in order, holding every (corrected) source sentence."""
    article = get_json(client, ARTICLE_URL)
    assert article["slug"] == ARTICLE_SLUG
    assert article["title"] == SOURCE_TITLE
    expected = source_sections()
    seeded = article["sections"]
    assert [s["heading"].casefold() for s in seeded] == [h.casefold() for h, _ in expected]

    all_text = normalise(" ".join([article["summary"], *(s["body"] for s in seeded)]))
    assert normalise(SOURCE_SUBTITLE) in all_text

    missing = [
        (heading, sentence)
        for (heading, text), section in zip(expected, seeded, strict=True)
        for sentence in sentences(text)
        if normalise(sentence) not in normalise(section["body"])
    ]
    assert not missing, f"source sentences not found in their section: {missing}"


def test_every_section_references_existing_entries(client: FlaskClient) -> None:
    """Sections refer to published entries, which include=entries adds whole, each once;
    complication sections name their entries."""
    full = get_json(client, f"{ARTICLE_URL}?include=entries")
    included = {entry["slug"]: entry for entry in full["included"]["entries"]}
    assert len(included) == len(full["included"]["entries"]), "an entry included twice"
    brief = get_json(client, ARTICLE_URL)
    assert len(full["sections"]) == len(brief["sections"])

    referenced: dict[str, set[str]] = {}
    for section, brief_section in zip(full["sections"], brief["sections"], strict=True):
        slugs = [entry["slug"] for entry in section["entries"]]
        assert len(slugs) == len(set(slugs)), f"duplicate entries in {section['heading']!r}"
        assert [e["slug"] for e in brief_section["entries"]] == slugs
        assert section["entries"] == brief_section["entries"], "references are the same with include"
        for summary in brief_section["entries"]:
            assert {"slug", "kind", "title"} <= set(summary)
            assert "body" not in summary, "a reference is not the whole entry"
        for embedded in (included[slug] for slug in slugs):
            assert set(embedded) >= ENTRY_KEYS, f"{embedded['slug']} lacks {ENTRY_KEYS - set(embedded)}"
            direct = get_json(client, f"{ENTRIES_URL}/{embedded['slug']}")
            for key in ("id", "kind", "title", "details", "version"):
                assert direct[key] == embedded[key], f"{embedded['slug']}: {key} differs"
        referenced[section["heading"].casefold()] = set(slugs)

    for heading, slugs in EXPECTED_SECTION_ENTRIES.items():
        assert slugs <= referenced[heading], f"{heading!r} misses {slugs - referenced[heading]}"
    complications = {e["slug"] for e in list_entries(client) if e["kind"] == "complication"}
    assert complications
    assert complications <= set().union(*referenced.values())


def joined(items: list[str]) -> str:
    """Lowercase text of a list of strings, for keyword checks."""
    return " ".join(items).casefold()


def actions_by_sign(entry: Json) -> dict[str, str]:
    """Map each warning sign (casefolded) to its action."""
    return {w["sign"].casefold(): w["action"] for w in entry["details"]["warning_signs"]}


def check_redness(entry: Json) -> None:
    """Redness: normal up to 48 h, then a reason to contact the practitioner."""
    details = entry["details"]
    assert entry["kind"] == "complication"
    assert details["severity"] == "minor"
    assert details["expected_duration_hours"] == 48
    assert any(
        w.get("from_hours") == 48 and w["action"] == "contact_practitioner" for w in details["warning_signs"]
    )
    assert any("intensif" in s and a == "contact_practitioner" for s, a in actions_by_sign(entry).items())
    assert "redness" in entry["tags"]


def check_bruising(entry: Json) -> None:
    """Bruising: minor bruises are self care, extensive bruising is not."""
    assert entry["kind"] == "complication"
    actions = actions_by_sign(entry)
    assert any("minor" in s and a == "self_care" for s, a in actions.items())
    assert any("extensive" in s and a == "contact_practitioner" for s, a in actions.items())
    assert "needles" in joined(entry["details"]["causes"])
    assert "bruising" in entry["tags"]


def check_infection(entry: Json) -> None:
    """Infection: swelling, pus and fever; fever needs prompt care."""
    details = entry["details"]
    assert entry["kind"] == "complication"
    assert details["severity"] == "serious"
    signs = joined(details["signs"])
    for word in ("swelling", "pus", "fever"):
        assert word in signs
    assert [a for s, a in actions_by_sign(entry).items() if "fever" in s] == ["seek_care_promptly"]
    assert "hygiene" in joined(details["causes"])
    assert "infection" in entry["tags"]


def check_persistent_pain(entry: Json) -> None:
    """Check that persistent pain needs prompt care."""
    assert entry["kind"] == "complication"
    assert any("pain" in s and a == "seek_care_promptly" for s, a in actions_by_sign(entry).items())


def check_consultation(entry: Json) -> None:
    """Consultation happens before treatment and covers skin type and medical history."""
    assert entry["kind"] == "technique"
    assert entry["details"]["phase"] == "before"
    steps = joined(entry["details"]["steps"])
    assert "skin type" in steps
    assert "medical history" in steps
    assert "pre-existing" in steps


def check_sterile(entry: Json) -> None:
    """Sterile equipment and protocols apply during treatment."""
    assert entry["kind"] == "technique"
    assert entry["details"]["phase"] == "during"
    steps = joined(entry["details"]["steps"])
    assert "sterile" in steps
    assert "protocols" in steps


def check_needle_depth(entry: Json) -> None:
    """Needle depth is adjusted during treatment; scars may need deeper penetration."""
    assert entry["kind"] == "technique"
    assert entry["details"]["phase"] == "during"
    assert "depth" in joined(entry["details"]["steps"])
    assert "scar" in entry["details"]["rationale"].casefold()


def avoid_texts(entry: Json) -> str:
    """Lowercase text of an aftercare entry's "avoid" instructions."""
    return joined([i["text"] for i in entry["details"]["instructions"] if i["type"] == "avoid"])


def check_sun(entry: Json) -> None:
    """Sun exposure is avoided from the end of treatment for about a week."""
    assert entry["kind"] == "aftercare"
    assert entry["details"]["timing"] == {"starts_after_hours": 0, "lasts_days": 7}
    assert "sun" in avoid_texts(entry)
    assert {"sun", "sun-exposure"} <= set(entry["tags"])


def check_harsh_products(entry: Json) -> None:
    """Harsh skincare products are avoided for about a week."""
    assert entry["kind"] == "aftercare"
    assert entry["details"]["timing"]["lasts_days"] == 7
    assert "harsh skincare products" in avoid_texts(entry)


def check_seek_help(entry: Json) -> None:
    """Seeking help covers fever and persistent pain."""
    assert entry["kind"] == "aftercare"
    text = joined([i["text"] for i in entry["details"]["instructions"]])
    assert "fever" in text
    assert "pain" in text


DETAIL_CHECKS: dict[str, Callable[[Json], None]] = {
    "excessive-redness": check_redness,
    "bruising": check_bruising,
    "infection": check_infection,
    "persistent-pain": check_persistent_pain,
    "pre-treatment-consultation": check_consultation,
    "sterile-equipment-and-protocols": check_sterile,
    "needle-depth-adjustment": check_needle_depth,
    "avoid-sun-exposure": check_sun,
    "avoid-harsh-skincare-products": check_harsh_products,
    "when-to-seek-professional-help": check_seek_help,
}


@pytest.mark.parametrize(("slug", "check"), DETAIL_CHECKS.items(), ids=DETAIL_CHECKS.keys())
def test_structured_details_from_article(
    client: FlaskClient, slug: str, check: Callable[[Json], None]
) -> None:
    """The article's facts are in the entries' structured ``details``."""
    entry = get_json(client, f"{ENTRIES_URL}/{slug}")
    assert entry["slug"] == slug
    assert entry["status"] == "published"
    check(entry)


def test_all_kinds_present(client: FlaskClient) -> None:
    """The entries list holds every kind, and its total matches what it lists."""
    page = get_json(client, f"{ENTRIES_URL}?per_page=100")
    entries = list_entries(client)
    assert page["meta"]["total"] == len(entries)
    assert {e["kind"] for e in entries} == KINDS


def test_every_seed_entry_is_served(client: FlaskClient) -> None:
    """Every file in seed/entries is a published entry with the same kind and title."""
    served = {e["slug"]: e for e in list_entries(client)}
    files = sorted((SEED_DIR / "entries").glob("*.json"))
    assert files
    for path in files:
        seed = json.loads(path.read_text(encoding="utf-8"))
        assert seed["slug"] == path.stem
        assert seed["slug"] in served, f"{seed['slug']} not served"
        assert (served[seed["slug"]]["kind"], served[seed["slug"]]["title"]) == (seed["kind"], seed["title"])


def test_cross_references_resolve(client: FlaskClient) -> None:
    """``related`` and ``prevention`` name served entries; every complication names a prevention."""
    served = {e["slug"]: e for e in list_entries(client)}
    for slug, entry in served.items():
        assert slug not in entry["related"]
        assert set(entry["related"]) <= served.keys(), f"{slug}: unknown related slugs"
        if entry["kind"] == "complication":
            prevention = entry["details"]["prevention"]
            assert prevention, f"{slug}: no prevention"
            assert set(prevention) <= served.keys(), f"{slug}: unknown prevention slugs"
            assert {served[p]["kind"] for p in prevention} <= {"technique", "aftercare"}
