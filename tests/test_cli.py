"""The ``init`` and ``seed`` commands, run through Flask's CLI runner and checked over the public API."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient

from kb.extensions import db

Json = dict[str, Any]

SEED_DIR = Path(__file__).resolve().parents[1] / "seed"
ENTRY_FILES = sorted((SEED_DIR / "entries").glob("*.json"))
ARTICLE_FILES = sorted((SEED_DIR / "articles").glob("*.json"))
ENTRY_COUNT = len(ENTRY_FILES)
ITEM_COUNT = ENTRY_COUNT + len(ARTICLE_FILES)
ARTICLE_SLUG = ARTICLE_FILES[0].stem
ENTRIES_URL = "/api/v1/entries"

EDITED_SLUG = "bruising"  # the entry whose title the tests change
NEW_TITLE = "Bruising (edited)"


def run(app: Flask, *args: str) -> Result:
    """Invoke a real kb command through ``app.test_cli_runner()``.

    The app context is pushed here because the commands do not push one themselves under the runner
    (see ``test_commands_run_without_a_pushed_app_context``); the context is popped before any HTTP call.
    """
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def run_ok(app: Flask, *args: str) -> Result:
    result = run(app, *args)
    assert result.exit_code == 0, f"{args} exited {result.exit_code}: {result.output}{result.exception!r}"
    return result


def get_json(client: FlaskClient, url: str) -> Json:
    response = client.get(url)
    assert response.status_code == 200, f"GET {url} -> {response.status_code}: {response.get_data(True)}"
    body = response.get_json()
    assert isinstance(body, dict)
    return body


def entries_by_slug(client: FlaskClient) -> dict[str, Json]:
    """Every published entry, keyed by slug (one page is enough for the seed)."""
    page = get_json(client, f"{ENTRIES_URL}?per_page=100")
    assert page["meta"]["total"] == len(page["data"]), "more entries than one page holds"
    by_slug = {entry["slug"]: entry for entry in page["data"]}
    assert len(by_slug) == len(page["data"]), "duplicate slugs in the entry list"
    return by_slug


def snapshot(client: FlaskClient) -> Json:
    """Everything public the seed produces: the entry list (with totals) and the article."""
    return {
        "entries": get_json(client, f"{ENTRIES_URL}?per_page=100"),
        "article": get_json(client, f"/api/v1/articles/{ARTICLE_SLUG}"),
    }


def copy_seed(tmp_path: Path) -> Path:
    target = tmp_path / "seed-copy"
    shutil.copytree(SEED_DIR, target)
    return target


def read(file: Path) -> Json:
    data = json.loads(file.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def write(file: Path, data: Json) -> None:
    file.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def edit(folder: Path, kind: str, slug: str, change: Callable[[Json], None]) -> Path:
    file = folder / kind / f"{slug}.json"
    data = read(file)
    change(data)
    write(file, data)
    return file


def retitle(folder: Path, slug: str = EDITED_SLUG, title: str = NEW_TITLE) -> None:
    edit(folder, "entries", slug, lambda data: data.update(title=title))


def test_seed_dir_is_as_expected() -> None:
    """Guard for the cases below: the seed has an article and the entries they edit."""
    assert ARTICLE_FILES
    used = {EDITED_SLUG, "infection", "persistent-pain", "needle-depth-adjustment"}
    assert used <= {file.stem for file in ENTRY_FILES}
    assert read(SEED_DIR / "entries" / "infection.json")["details"]["warning_signs"]


@pytest.mark.parametrize("args", [["init"], ["seed"]])
def test_commands_run_without_a_pushed_app_context(empty_app: Flask, args: list[str]) -> None:
    """``app.test_cli_runner().invoke`` works without the caller pushing an app context.

    ``flask --app kb <command>`` pushes one (FlaskGroup), but commands registered with
    ``app.cli.add_command`` and not wrapped in ``with_appcontext`` fail under the test runner.
    """
    result = empty_app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, f"{args} exited {result.exit_code}: {result.output}{result.exception!r}"
    assert f"{ITEM_COUNT} created" in result.output
    assert get_json(empty_app.test_client(), ENTRIES_URL)["meta"]["total"] == ENTRY_COUNT


def test_init_creates_tables_and_loads_seed(empty_app: Flask) -> None:
    """On a database without tables, ``init`` creates them and loads every seed file."""
    with empty_app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE alembic_version"))

    result = run_ok(empty_app, "init")

    assert "New database: loading seed content." in result.output
    assert f"{ITEM_COUNT} created, 0 updated, 0 unchanged" in result.output
    client = empty_app.test_client()
    assert get_json(client, ENTRIES_URL)["meta"]["total"] == ENTRY_COUNT
    assert set(entries_by_slug(client)) == {file.stem for file in ENTRY_FILES}
    article = get_json(client, f"/api/v1/articles/{ARTICLE_SLUG}")
    assert article["version"] == 1
    assert article["status"] == "published"


def test_init_on_empty_tables_loads_seed(empty_app: Flask) -> None:
    """With tables but no content (the fixture's state), ``init`` still loads the seed."""
    result = run_ok(empty_app, "init")
    assert "loading seed content" in result.output
    assert get_json(empty_app.test_client(), ENTRIES_URL)["meta"]["total"] == ENTRY_COUNT


def test_seed_twice_is_idempotent(empty_app: Flask) -> None:
    """A second ``seed`` creates nothing, updates nothing and leaves versions and timestamps alone."""
    first = run_ok(empty_app, "seed")
    assert f"{ITEM_COUNT} created, 0 updated, 0 unchanged" in first.output
    client = empty_app.test_client()
    before = snapshot(client)

    second = run_ok(empty_app, "seed")

    assert f"0 created, 0 updated, {ITEM_COUNT} unchanged" in second.output
    after = snapshot(client)
    assert after["entries"]["meta"]["total"] == ENTRY_COUNT
    assert after == before
    assert {e["version"] for e in after["entries"]["data"]} == {1}
    assert after["article"]["version"] == 1


def test_seed_with_explicit_path_is_idempotent_with_default(empty_app: Flask, tmp_path: Path) -> None:
    """``seed --path`` on an identical copy of seed/ changes nothing after ``seed``."""
    run_ok(empty_app, "seed")
    before = snapshot(empty_app.test_client())
    result = run_ok(empty_app, "seed", "--path", str(copy_seed(tmp_path)))
    assert f"0 created, 0 updated, {ITEM_COUNT} unchanged" in result.output
    assert snapshot(empty_app.test_client()) == before


def test_seed_copy_with_changed_title_updates_only_that_entry(empty_app: Flask, tmp_path: Path) -> None:
    """A changed title bumps that entry's version by one and shows publicly; the others stay put."""
    run_ok(empty_app, "seed")
    client = empty_app.test_client()
    before = entries_by_slug(client)
    article_before = get_json(client, f"/api/v1/articles/{ARTICLE_SLUG}")
    folder = copy_seed(tmp_path)
    retitle(folder)

    result = run_ok(empty_app, "seed", "--path", str(folder))

    assert f"0 created, 1 updated, {ITEM_COUNT - 1} unchanged" in result.output
    after = entries_by_slug(client)
    assert set(after) == set(before)
    edited = get_json(client, f"{ENTRIES_URL}/{EDITED_SLUG}")
    assert edited["title"] == NEW_TITLE
    assert after[EDITED_SLUG]["title"] == NEW_TITLE
    assert edited["version"] == before[EDITED_SLUG]["version"] + 1
    assert datetime.fromisoformat(edited["updated_at"]) > datetime.fromisoformat(
        before[EDITED_SLUG]["updated_at"]
    )
    changed = {"title", "version", "updated_at", "published_at", "translations"}
    unchanged_fields = {k: v for k, v in edited.items() if k not in changed}
    assert unchanged_fields == {k: before[EDITED_SLUG][k] for k in unchanged_fields}
    for slug, entry in before.items():
        if slug != EDITED_SLUG:
            assert after[slug] == entry, f"{slug} changed although its file did not"
    assert get_json(client, f"/api/v1/articles/{ARTICLE_SLUG}")["version"] == article_before["version"]


def test_init_on_populated_database_does_not_reseed(empty_app: Flask, tmp_path: Path) -> None:
    """``init`` leaves existing content alone: an edit made from a seed copy survives it."""
    run_ok(empty_app, "seed")
    folder = copy_seed(tmp_path)
    retitle(folder)
    run_ok(empty_app, "seed", "--path", str(folder))
    client = empty_app.test_client()
    before = snapshot(client)

    result = run_ok(empty_app, "init")

    assert "content already present" in result.output
    assert "Seeded" not in result.output
    edited = get_json(client, f"{ENTRIES_URL}/{EDITED_SLUG}")
    assert edited["title"] == NEW_TITLE
    assert edited["version"] == 2
    assert snapshot(client) == before


def test_seed_path_must_exist(empty_app: Flask, tmp_path: Path) -> None:
    """A missing ``--path`` is a usage error naming the folder; nothing is loaded."""
    missing = tmp_path / "no-such-seed"
    result = run(empty_app, "seed", "--path", str(missing))
    assert result.exit_code == 2, result.output
    assert "no-such-seed" in result.output
    assert "does not exist" in result.output
    assert get_json(empty_app.test_client(), ENTRIES_URL)["meta"]["total"] == 0


def _set(subfolder: str, slug: str, changes: Json) -> Callable[[Path], None]:
    return lambda folder: edit(folder, subfolder, slug, lambda data: data.update(changes))


def _drop_severity(folder: Path) -> None:
    edit(folder, "entries", "infection", lambda data: data["details"].pop("severity"))


def _bad_warning_action(folder: Path) -> None:
    edit(
        folder,
        "entries",
        "infection",
        lambda data: data["details"]["warning_signs"][0].update(action="panic"),
    )


def _unknown_related(folder: Path) -> None:
    edit(folder, "entries", "persistent-pain", lambda data: data["related"].append("no-such-entry"))


def _unknown_prevention(folder: Path) -> None:
    edit(folder, "entries", "infection", lambda data: data["details"]["prevention"].append("no-such-entry"))


def _unknown_section_entry(folder: Path) -> None:
    edit(
        folder, "articles", ARTICLE_SLUG, lambda data: data["sections"][0]["entries"].append("no-such-entry")
    )


def _invalid_json(folder: Path) -> None:
    (folder / "entries" / "persistent-pain.json").write_text('{"slug": "persistent-pain",', encoding="utf-8")


def _new_entry_with_bad_kind(folder: Path) -> None:
    data = read(folder / "entries" / "needle-depth-adjustment.json")
    data.update(slug="zz-banana", kind="banana")
    write(folder / "entries" / "zz-banana.json", data)


def _not_utf8(folder: Path) -> None:
    (folder / "entries" / "persistent-pain.json").write_bytes(b'{"slug": "persistent-pain", "title": "\xff"}')


def _not_an_object(folder: Path) -> None:
    (folder / "entries" / "persistent-pain.json").write_text("[]", encoding="utf-8")


def _duplicate_slug(folder: Path) -> None:
    data = read(folder / "entries" / f"{EDITED_SLUG}.json")
    data["title"] = "A second file claiming the same slug"
    write(folder / "entries" / "zz-duplicate.json", data)


INVALID_SEEDS = [
    pytest.param(
        _set("entries", "persistent-pain", {"kind": "banana"}),
        ["persistent-pain.json", '"kind"', "Must be one of"],
        id="unknown-kind",
    ),
    pytest.param(_new_entry_with_bad_kind, ["zz-banana.json", '"kind"'], id="new-entry-unknown-kind"),
    pytest.param(
        _drop_severity,
        ["infection.json", '"details"', '"severity"', "Missing data"],
        id="details-missing-key",
    ),
    pytest.param(_bad_warning_action, ["infection.json", '"details"', '"action"'], id="details-bad-nested"),
    pytest.param(
        _set("entries", "persistent-pain", {"colour": "red"}),
        ["persistent-pain.json", '"colour"', "Unknown field"],
        id="unknown-entry-field",
    ),
    pytest.param(
        _set("articles", ARTICLE_SLUG, {"colour": "red"}),
        [f"{ARTICLE_SLUG}.json", '"colour"', "Unknown field"],
        id="unknown-article-field",
    ),
    pytest.param(
        _set("entries", "persistent-pain", {"title": ""}),
        ["persistent-pain.json", '"title"'],
        id="empty-title",
    ),
    pytest.param(_not_an_object, ["persistent-pain.json", "expected a JSON object"], id="not-an-object"),
    pytest.param(
        _unknown_related, ["persistent-pain.json", "Unknown entry: no-such-entry"], id="unknown-related"
    ),
    pytest.param(
        _unknown_prevention, ["infection.json", "Unknown entry: no-such-entry"], id="unknown-prevention"
    ),
    pytest.param(
        _unknown_section_entry,
        [f"{ARTICLE_SLUG}.json", "Unknown entry: no-such-entry"],
        id="unknown-section-entry",
    ),
    pytest.param(_invalid_json, ["persistent-pain.json", "not valid JSON"], id="invalid-json"),
    pytest.param(_not_utf8, ["persistent-pain.json"], id="not-utf8"),
    pytest.param(_duplicate_slug, ["zz-duplicate.json", EDITED_SLUG], id="duplicate-slug"),
]


@pytest.mark.parametrize(("break_seed", "expected"), INVALID_SEEDS)
def test_invalid_seed_fails_and_changes_nothing(
    empty_app: Flask, tmp_path: Path, break_seed: Callable[[Path], None], expected: list[str]
) -> None:
    """An invalid folder exits non-zero naming the file or field, and no file of it is applied."""
    run_ok(empty_app, "seed")
    client = empty_app.test_client()
    before = snapshot(client)
    folder = copy_seed(tmp_path)
    # Valid changes that an all-or-nothing load must not apply either: an edit (in the first file)
    # and a brand-new entry that sorts before every other file.
    first_slug = ENTRY_FILES[0].stem
    retitle(folder, first_slug, "Changed by a failed seed")
    new_entry = read(folder / "entries" / "needle-depth-adjustment.json")
    new_entry.update(slug="aa-new-entry", title="Created by a failed seed", related=[])
    write(folder / "entries" / "aa-new-entry.json", new_entry)
    break_seed(folder)

    result = run(empty_app, "seed", "--path", str(folder))

    assert result.exit_code != 0, result.output
    assert result.output.startswith("Error: "), f"no clear message: {result.output!r} {result.exception!r}"
    for text in expected:
        assert text in result.output, f"{text!r} not in {result.output!r}"
    assert "Traceback" not in result.output
    assert snapshot(client) == before
    assert client.get(f"{ENTRIES_URL}/aa-new-entry").status_code == 404
    assert get_json(client, f"{ENTRIES_URL}/{first_slug}")["version"] == 1


def test_invalid_seed_on_empty_database_loads_nothing(empty_app: Flask, tmp_path: Path) -> None:
    """Valid entries are not created when the article in the same folder is invalid."""
    folder = copy_seed(tmp_path)
    _unknown_section_entry(folder)

    result = run(empty_app, "seed", "--path", str(folder))

    assert result.exit_code != 0, result.output
    assert "no-such-entry" in result.output
    client = empty_app.test_client()
    assert get_json(client, ENTRIES_URL)["meta"]["total"] == 0
    assert client.get(f"/api/v1/articles/{ARTICLE_SLUG}").status_code == 404
    assert client.get(f"{ENTRIES_URL}/{EDITED_SLUG}").status_code == 404
