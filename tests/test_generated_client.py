"""A Python client generated from the live server's document by openapi-python-client, as an app team
would make one: it has every operation, its models are typed (details per kind), and a whole editorial
workflow runs through it against a real gunicorn server: create, patch with If-Match, publish, read
publicly, search."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NEW_ENTRY, server_database_url
from tests.server import environment, flask, gunicorn

PACKAGE = "kb_generated_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    """A seeded server, a publisher token, its document, and the client generated from that document."""
    tmp = tmp_path_factory.mktemp("generated-client")
    env = environment(tmp, server_database_url(tmp))
    flask(env, "init")
    created = flask(env, "token", "create", "--name", "app-team", "--role", "publisher")
    secret = created.stdout.strip().splitlines()[-1]
    with gunicorn(env, workers=2) as base:
        with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=30) as response:
            spec = json.loads(response.read())
        (tmp / "openapi.json").write_text(json.dumps(spec))
        generated = subprocess.run(
            [
                str(GENERATOR),
                "generate",
                "--path",
                str(tmp / "openapi.json"),
                "--meta",
                "none",
                "--output-path",
                str(tmp / PACKAGE),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert generated.returncode == 0, generated.stdout + generated.stderr
        sys.path.insert(0, str(tmp))
        try:
            yield base, secret, spec, importlib.import_module(PACKAGE)
        finally:
            sys.path.remove(str(tmp))
            for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
                del sys.modules[name]


def operation(spec: dict[str, Any], operation_id: str) -> Any:
    """The generated module of ``operation_id`` (``api/<tag>/<snake_case id>.py``)."""
    package = importlib.import_module(PACKAGE)
    found = sorted(Path(package.__file__).parent.glob(f"api/*/{snake(operation_id)}.py"))
    assert len(found) == 1, (operation_id, found)
    return importlib.import_module(f"{PACKAGE}.api.{found[0].parent.name}.{found[0].stem}")


def test_the_client_has_every_operation(live: tuple[str, str, dict[str, Any], Any]) -> None:
    _, _, spec, _ = live
    ids = [
        op["operationId"]
        for operations in spec["paths"].values()
        for op in operations.values()
        if isinstance(op, dict) and "responses" in op
    ]
    assert len(ids) >= 40
    for operation_id in ids:
        module = operation(spec, operation_id)
        assert callable(module.sync_detailed), operation_id


def test_details_are_typed_per_kind(live: tuple[str, str, dict[str, Any], Any]) -> None:
    *_, package = live
    models = importlib.import_module(f"{PACKAGE}.models")
    for name in ("ComplicationDetails", "TechniqueDetails", "AftercareDetails", "Kind", "Status"):
        assert hasattr(models, name), name
    assert {k.value for k in models.Kind} == {"complication", "technique", "aftercare"}
    assert package.AuthenticatedClient


def test_an_editorial_workflow_through_the_generated_client(
    live: tuple[str, str, dict[str, Any], Any],
) -> None:
    base, secret, spec, package = live
    models = importlib.import_module(f"{PACKAGE}.models")
    with (
        package.AuthenticatedClient(base_url=base, token=secret, raise_on_unexpected_status=True) as editor,
        package.Client(base_url=base, raise_on_unexpected_status=True) as public,
    ):
        _workflow(spec, models, editor, public)


def _workflow(spec: dict[str, Any], models: Any, editor: Any, public: Any) -> None:
    """Create, a stale PATCH (412), PATCH with If-Match, publish, read publicly, search."""

    body = models.EntryInput.from_dict(NEW_ENTRY)
    assert isinstance(body.details, models.TechniqueDetails)
    created = operation(spec, "createEntry").sync_detailed(client=editor, body=body)
    assert created.status_code == 201, created.content
    assert isinstance(created.parsed, models.AdminEntry)
    assert created.parsed.status == models.Status.DRAFT

    stale = operation(spec, "patchEntry").sync_detailed(
        NEW_ENTRY["slug"], client=editor, body=models.EntryPatch(title="Lost edit"), if_match='"stale"'
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Problem)

    patched = operation(spec, "patchEntry").sync_detailed(
        NEW_ENTRY["slug"],
        client=editor,
        body=models.EntryPatch(title="Milia Extraction, Safely"),
        if_match=created.headers["ETag"],
    )
    assert patched.status_code == 200, patched.content
    assert patched.parsed.title == "Milia Extraction, Safely"

    published = operation(spec, "publishEntry").sync_detailed(
        NEW_ENTRY["slug"], client=editor, if_match=patched.headers["ETag"]
    )
    assert published.status_code == 200, published.content
    assert published.parsed.status == models.Status.PUBLISHED

    entry = operation(spec, "getEntry").sync(NEW_ENTRY["slug"], client=public)
    assert isinstance(entry, models.Entry)
    assert entry.title == "Milia Extraction, Safely"
    assert entry.summary == NEW_ENTRY["summary"]  # a PATCH changes only what it sends
    assert entry.kind == models.Kind.TECHNIQUE
    assert isinstance(entry.details, models.TechniqueDetails)
    assert entry.details.phase == models.Phase.AFTER

    results = operation(spec, "searchEntries").sync(client=public, q="zqmiliaq")
    assert isinstance(results, models.SearchPage)
    assert [hit.slug for hit in results.data] == [NEW_ENTRY["slug"]]

    bruising = operation(spec, "getEntry").sync("bruising", client=public)
    assert isinstance(bruising.details, models.ComplicationDetails)
    assert bruising.details.severity in set(models.Severity)
