"""Importing the PostgreSQL backend (or the interface and the shared code) loads no Whoosh module.

Each import runs in a fresh interpreter, so nothing imported by other tests can hide one.
The lint step (``lint-imports``, contracts in pyproject.toml) keeps the same rules for every import
statement; this shows what actually gets loaded.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.search.conftest import ROOT

CHECK = (
    "import importlib, sys\n"
    "importlib.import_module({module!r})\n"
    "{extra}"
    "fenced = ('whoosh', 'kb.search.whoosh')\n"
    "loaded = sorted(m for m in sys.modules if any(m == f or m.startswith(f + '.') for f in fenced))\n"
    "assert not loaded, loaded\n"
)


@pytest.mark.parametrize(
    ("module", "extra"),
    [
        ("kb.search.postgres.backend", ""),
        ("kb.search", "from kb.search import get_backend_class; get_backend_class('postgres')\n"),
        ("kb.search.common.parsing", "import kb.search.common.highlight, kb.search.common.spelling\n"),
        ("kb.search.postgres.ddl", ""),  # what the migration and kb/database.py import
    ],
)
def test_no_whoosh_module_is_loaded(module, extra):
    code = CHECK.format(module=module, extra=extra)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_check_sees_whoosh_when_it_is_loaded():
    code = CHECK.format(module="kb.search.whoosh.backend", extra="")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "whoosh.index" in done.stderr
