"""kb.search.whoosh.lowlevel: the Whoosh release it was written for is checked at import, and its bulk
reads agree with Whoosh's public API."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from kb.search.whoosh.backend import WhooshBackend
from kb.search.whoosh.fields import TEXT_FIELDS
from kb.search.whoosh.lowlevel import WRITTEN_FOR, WhooshVersionError, check_version, installed_version
from kb.search.whoosh.lowlevel.postings import LENGTH_OF_BYTE, field_length_bytes, field_lengths
from tests.search.conftest import CORPUS, ROOT, make_doc


def test_the_installed_whoosh_is_the_one_it_was_written_for():
    assert installed_version() == WRITTEN_FOR
    check_version(WRITTEN_FOR)


@pytest.mark.parametrize("other", ["2.7.4", "2.8.0", None])
def test_another_whoosh_is_refused_with_a_clear_message(other):
    with pytest.raises(WhooshVersionError, match=f"whoosh-reloaded=={WRITTEN_FOR}"):
        check_version(other)


def test_importing_the_whoosh_backend_with_another_whoosh_fails_at_once():
    """In a fresh interpreter whose package metadata reports another release of whoosh-reloaded."""
    code = (
        "import importlib.metadata as m\n"
        "real = m.version\n"
        "m.version = lambda name: '2.8.0' if name == 'whoosh-reloaded' else real(name)\n"
        "import kb.search.whoosh.backend\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "WhooshVersionError" in done.stderr
    assert "whoosh-reloaded 2.8.0 is installed" in done.stderr


def test_field_lengths_match_whoosh_across_segments(tmp_path):
    """Including a segment whose last documents lack a field (Whoosh then stores a shorter column)."""
    backend = WhooshBackend(tmp_path / "index")
    backend.rebuild(CORPUS)
    backend.index(
        [make_doc("tagged", "technique", "Tagged", tags=("laser",)), make_doc("bare", "aftercare", "X")]
    )
    backend.remove([CORPUS[2].id])
    reader = backend._require().searcher.reader()
    assert len(reader.leaf_readers()) == 2
    for field in TEXT_FIELDS:
        # Whoosh answers None for some documents without the field: a length of 0
        expected = [reader.doc_field_length(d, field, 0) or 0 for d in range(reader.doc_count_all())]
        assert field_lengths(reader, field) == expected, field
        assert [LENGTH_OF_BYTE[b] for b in field_length_bytes(reader, field)] == expected, field


WHOOSH_INTERNALS = ("whoosh.codec", "whoosh.matching", "whoosh.reading", "whoosh.writing")


def _fence_breaches(path) -> list[str]:
    """Imports of Whoosh's internals and uses of private attributes (``x._name`` with x not self/cls)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(WHOOSH_INTERNALS):
            found.append(f"{path.name}:{node.lineno} imports {node.module}")
        elif isinstance(node, ast.Import):
            found += [
                f"{path.name}:{node.lineno} imports {a.name}"
                for a in node.names
                if a.name.startswith(WHOOSH_INTERNALS)
            ]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            found.append(f"{path.name}:{node.lineno} uses .{node.attr}")
    return found


def test_only_lowlevel_touches_whoosh_internals():
    """The rest of kb/search/whoosh/ goes through Whoosh's public API (and lowlevel's functions)."""
    outside = sorted((ROOT / "kb" / "search" / "whoosh").glob("*.py"))
    assert len(outside) >= 9
    assert [breach for path in outside for breach in _fence_breaches(path)] == []
    inside = sorted((ROOT / "kb" / "search" / "whoosh" / "lowlevel").glob("*.py"))
    assert any(_fence_breaches(path) for path in inside)  # the check does see them where they are
