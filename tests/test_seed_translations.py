"""The seed's translations, checked file by file against the English seed files they translate.

A translation carries only text, aligned by position with its source: the same text fields, lists of the
same length, the same paragraphs and sentences, the same numbers. Clinical structure (kind, severity,
hours, actions, timing, slugs, tags, sources) is never repeated in a translation.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

Json = dict[str, Any]

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = REPO_ROOT / "seed"
TRANSLATIONS_DIR = SEED_DIR / "translations"
FOLDERS = ("entries", "articles")
EXPECTED_LOCALES = {"es"}

# The shape of the translatable text: TEXT is one string, [spec] a list of it, {key: spec} an object.
TEXT = "text"
DETAILS_TEXT: dict[str, Json] = {
    "complication": {"signs": [TEXT], "causes": [TEXT], "warning_signs": [{"sign": TEXT}]},
    "technique": {"steps": [TEXT], "rationale": TEXT},
    "aftercare": {"instructions": [{"text": TEXT}]},
}
ARTICLE_TEXT: Json = {"title": TEXT, "summary": TEXT, "sections": [{"heading": TEXT, "body": TEXT}]}
METADATA_KEYS = {"slug", "locale", "source_locale", "last_reviewed", "next_review_due", "reviewed_by"}

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
DIGITS = re.compile(r"\d+")


def load(path: Path) -> Json:
    """Read one seed file as a JSON object."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{path}: not a JSON object"
    return doc


def translation_files() -> list[Path]:
    """Every translation file, ``translations/<locale>/<folder>/<slug>.json``."""
    return sorted(TRANSLATIONS_DIR.glob("*/*/*.json"))


def text_spec(folder: str, source: Json) -> Json:
    """The text a translation of ``source`` (a file in ``folder``) must carry."""
    if folder == "articles":
        return ARTICLE_TEXT
    return {"title": TEXT, "summary": TEXT, "body": TEXT, "details": DETAILS_TEXT[source["kind"]]}


def texts(value: Any, spec: Any, path: str, exact: bool) -> dict[str, str]:
    """Flatten the text of ``value`` that ``spec`` describes to ``{path: text}``.

    With ``exact``, an object may hold no key beyond the spec's (a translation carries only text); without
    it, other keys (the source's structure) are ignored. A key the spec names is always required.
    """
    if spec == TEXT:
        assert isinstance(value, str), f"{path}: expected text, got {value!r}"
        assert value.strip(), f"{path}: empty text"
        return {path: value}
    if isinstance(spec, list):
        assert isinstance(value, list), f"{path}: expected a list, got {value!r}"
        found: dict[str, str] = {}
        for index, item in enumerate(value):
            found |= texts(item, spec[0], f"{path}[{index}]", exact)
        return found
    assert isinstance(value, dict), f"{path}: expected an object, got {value!r}"
    missing = spec.keys() - value.keys()
    assert not missing, f"{path}: missing {sorted(missing)}"
    if exact:
        extra = value.keys() - spec.keys()
        if path.startswith("details.warning_signs[") and "terms" in extra:  # the language's own words
            terms = value["terms"]
            assert isinstance(terms, list), path
            assert all(isinstance(t, str) and t.strip() for t in terms), path
            extra.discard("terms")
        assert not extra, f"{path}: not translatable text, keep it out of translations: {sorted(extra)}"
    found = {}
    for key, sub in spec.items():
        found |= texts(value[key], sub, f"{path}.{key}" if path else key, exact)
    return found


def list_lengths(value: Any, spec: Any, path: str) -> dict[str, int]:
    """The length of every list ``spec`` describes in ``value``, by path."""
    if isinstance(spec, list):
        lengths = {path: len(value)}
        for index, item in enumerate(value):
            lengths |= list_lengths(item, spec[0], f"{path}[{index}]")
        return lengths
    if isinstance(spec, dict):
        lengths = {}
        for key, sub in spec.items():
            lengths |= list_lengths(value[key], sub, f"{path}.{key}" if path else key)
        return lengths
    return {}


def paragraphs(text: str) -> list[str]:
    """The Markdown paragraphs of ``text`` (blocks separated by a blank line)."""
    return [p for p in PARAGRAPH_BREAK.split(text.strip()) if p.strip()]


def sentence_count(paragraph: str) -> int:
    """How many sentences ``paragraph`` holds: a split after ``.``, ``!`` or ``?`` and whitespace."""
    return len([s for s in SENTENCE_END.split(paragraph.strip()) if s.strip()])


def numbers(text: str) -> Counter[str]:
    """The digit runs in ``text``, as a multiset ("48 hours" and "48 horas" both give {"48": 1}).

    Digit runs only: "1.5" and "1,5" agree, and numbers spelt out ("one week", "una semana") are not compared.
    """
    return Counter(DIGITS.findall(text))


def source_of(path: Path) -> tuple[str, str, Path]:
    """(locale, folder, English file) for a translation file."""
    relative = path.relative_to(TRANSLATIONS_DIR)
    assert len(relative.parts) == 3, f"{relative}: expected <locale>/<folder>/<slug>.json"
    locale, folder, _ = relative.parts
    assert folder in FOLDERS, f"{relative}: folder must be one of {FOLDERS}"
    return locale, folder, SEED_DIR / folder / path.name


def aligned(path: Path) -> tuple[Json, Json, dict[str, str], dict[str, str]]:
    """The translation, its source and the text of both by path, after checking the shapes match."""
    locale, folder, source_path = source_of(path)
    assert source_path.is_file(), f"{path.name}: no English file {source_path.relative_to(REPO_ROOT)}"
    translation, source = load(path), load(source_path)
    spec = text_spec(folder, source)
    extra = translation.keys() - METADATA_KEYS - spec.keys()
    assert not extra, f"{path.name}: not translatable text, keep it out of translations: {sorted(extra)}"
    missing = METADATA_KEYS - translation.keys()
    assert not missing, f"{path.name}: missing {sorted(missing)}"
    source_text = texts(source, spec, "", exact=False)
    translated = texts({k: v for k, v in translation.items() if k in spec}, spec, "", exact=True)
    assert list_lengths(translation, spec, "") == list_lengths(source, spec, ""), (
        f"{path.name}: lists differ in length from the English ones"
    )
    assert translated.keys() == source_text.keys(), f"{path.name}: text fields differ from the English ones"
    assert locale != source["locale"]
    return translation, source, source_text, translated


TRANSLATION_FILES = translation_files()
FILE_IDS = [str(p.relative_to(TRANSLATIONS_DIR)) for p in TRANSLATION_FILES]


def test_every_locale_translates_every_seed_file() -> None:
    """Each translated locale has a file for every English entry and article, and nothing else."""
    locales = {p.name for p in TRANSLATIONS_DIR.iterdir() if p.is_dir()}
    assert locales >= EXPECTED_LOCALES
    for locale in sorted(locales):
        for folder in FOLDERS:
            english = {p.name for p in (SEED_DIR / folder).glob("*.json")}
            translated = {p.name for p in (TRANSLATIONS_DIR / locale / folder).glob("*.json")}
            assert english, f"no English {folder}"
            missing, extra = sorted(english - translated), sorted(translated - english)
            assert not missing, f"{locale}/{folder}: no translation of {missing}"
            assert not extra, f"{locale}/{folder}: no English file for {extra}"


@pytest.mark.parametrize("path", TRANSLATION_FILES, ids=FILE_IDS)
def test_translation_matches_its_source(path: Path) -> None:
    """Same slug, locales set, same text fields and list lengths, every field actually translated."""
    locale, _, _ = source_of(path)
    translation, source, source_text, translated = aligned(path)
    assert translation["slug"] == source["slug"] == path.stem
    assert translation["locale"] == locale
    assert translation["source_locale"] == source["locale"]
    untranslated = [key for key, text in translated.items() if text == source_text[key]]
    assert not untranslated, f"{path.name}: text identical to the English: {untranslated}"


@pytest.mark.parametrize("path", TRANSLATION_FILES, ids=FILE_IDS)
def test_translation_keeps_every_number(path: Path) -> None:
    """No number is added, dropped or changed in any field ("48 hours" stays "48 horas")."""
    _, _, source_text, translated = aligned(path)
    changed = {
        key: (dict(numbers(source_text[key])), dict(numbers(text)))
        for key, text in translated.items()
        if numbers(text) != numbers(source_text[key])
    }
    assert not changed, f"{path.name}: numbers differ (English, translation): {changed}"


@pytest.mark.parametrize("path", TRANSLATION_FILES, ids=FILE_IDS)
def test_every_statement_has_its_counterpart(path: Path) -> None:
    """Every English paragraph and sentence has one in the translation, in the same place."""
    _, _, source_text, translated = aligned(path)
    differ = {}
    for key, text in translated.items():
        english = [sentence_count(p) for p in paragraphs(source_text[key])]
        spanish = [sentence_count(p) for p in paragraphs(text)]
        if english != spanish:
            differ[key] = (english, spanish)
    assert not differ, f"{path.name}: sentences per paragraph differ (English, translation): {differ}"


@pytest.mark.parametrize("path", TRANSLATION_FILES, ids=FILE_IDS)
def test_translation_awaits_clinical_review(path: Path) -> None:
    """Not reviewed yet, and due for review no later than its English source (when that has a date)."""
    translation, source, _, _ = aligned(path)
    assert translation["reviewed_by"] is None
    assert translation["last_reviewed"] is None
    due = dt.date.fromisoformat(translation["next_review_due"])
    if source.get("next_review_due"):
        assert due <= dt.date.fromisoformat(source["next_review_due"])


# Loaded: `flask --app kb init` (what `make run` runs) serves every translation file, awaiting review.


def _cli(app: Any, *args: str) -> str:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return str(result.output)


def _get(client: Any, url: str, **headers: str) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.get_json())
    return response


def test_init_loads_every_translation_awaiting_review(empty_app: Any) -> None:
    """A fresh database after ``init``: each file's text is what the public API serves in its locale
    (nothing else there), its draft awaits clinical review, and the review-due list shows it."""
    assert "loading seed content" in _cli(empty_app, "init")
    secret = (
        _cli(empty_app, "token", "create", "--name", "reviewer", "--role", "editor").strip().splitlines()[-1]
    )
    editor = {"Authorization": f"Bearer {secret}"}
    client = empty_app.test_client()
    due = _get(client, "/api/v1/admin/review-due?per_page=100", **editor).get_json()["data"]
    listed_due = {(row["slug"], row["locale"]) for row in due}
    for path in TRANSLATION_FILES:
        locale, folder, _ = source_of(path)
        translation, _, _, translated = aligned(path)
        slug = translation["slug"]
        response = _get(client, f"/api/v1/{folder}/{slug}?locale={locale}&fallback=none")
        assert response.headers["Content-Language"] == locale
        served = response.get_json()
        assert served["locale"] == locale
        text = {key: value for key, value in translation.items() if key not in METADATA_KEYS}
        spec = text_spec(folder, load(SEED_DIR / folder / path.name))
        assert texts(served, spec, "", exact=False) == translated, path.name
        assert texts(text, spec, "", exact=True) == translated
        draft = _get(client, f"/api/v1/admin/{folder}/{slug}/translations/{locale}", **editor).get_json()
        assert (draft["status"], draft["stale"], draft["reviewed_by"], draft["last_reviewed"]) == (
            "published", False, None, None
        )  # fmt: skip
        assert draft["next_review_due"] == translation["next_review_due"]
        if folder == "entries":
            assert served["next_review_due"] == translation["next_review_due"]
            assert (slug, locale) in listed_due, f"{path.name}: not in the review-due list"
    assert "0 created, 0 updated" in _cli(empty_app, "seed")  # loading again changes nothing
