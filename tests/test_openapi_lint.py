"""Third-party linters on the document the app serves, at pinned versions through npx: Spectral's
``spectral:oas`` (.spectral.yaml: no errors, no warnings but those README.md justifies) and Redocly
CLI's recommended ruleset (redocly.yaml: no errors). They skip with a reason where npx or the npm
registry is absent (a laptop offline); CI has both."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.conftest import ROOT

SPECTRAL = "@stoplight/spectral-cli@6.16.3"
REDOCLY = "@redocly/cli@2.77.0"
NPX = shutil.which("npx")


@functools.cache
def _registry_unreachable() -> str | None:
    """Why the npm tools cannot run here, or None."""
    if NPX is None:
        return "npx is not installed"
    try:
        found = subprocess.run(
            ["npm", "view", SPECTRAL, "version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the npm registry did not answer: {exc}"
    return None if found.returncode == 0 else f"the npm registry is not reachable: {found.stderr[-300:]}"


def _npx(tmp_path: Path, package: str, *args: str) -> subprocess.CompletedProcess[str]:
    if reason := _registry_unreachable():
        pytest.skip(reason)
    assert NPX
    return subprocess.run(
        [NPX, "--yes", package, *args], capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path
    )


@pytest.fixture
def document(client: FlaskClient, tmp_path: Path) -> Path:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(client.get("/api/v1/openapi.json").get_json()))
    return path


def test_spectral_oas_finds_no_errors_and_no_warnings(tmp_path: Path, document: Path) -> None:
    result = _npx(
        tmp_path,
        SPECTRAL,
        "lint",
        "--fail-severity",
        "warn",
        "--ruleset",
        str(ROOT / ".spectral.yaml"),
        str(document),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_redocly_recommended_finds_no_errors(tmp_path: Path, document: Path) -> None:
    result = _npx(tmp_path, REDOCLY, "lint", "--config", str(ROOT / "redocly.yaml"), str(document))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout + result.stderr
