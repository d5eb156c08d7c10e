"""A slow reader of a large export holds no lock: writes succeed meanwhile, and the export is one
consistent snapshot (it shows the content as it was when it started)."""

from __future__ import annotations

import json
import socket
import urllib.parse
from pathlib import Path

import pytest

from tests.conftest import NEW_ENTRY
from tests.reliability.conftest import Service
from tests.server import call, flask, gunicorn

pytestmark = pytest.mark.reliability
ENTRIES = 1500
PADDING = "x" * 1900  # ~6 MB of export: far more than the socket buffers hold


def test_a_slow_export_reader_blocks_no_writer(service: Service, tmp_path: Path) -> None:
    items = tmp_path / "many.ndjson"
    with items.open("w") as out:
        for n in range(ENTRIES):
            draft = {**NEW_ENTRY, "slug": f"export-{n:05}", "summary": f"Entry {n}. {PADDING}"[:1000]}
            body = {**draft, "details": {**NEW_ENTRY["details"], "steps": [PADDING] * 3}}
            out.write(json.dumps({"type": "entry", "status": "draft", "draft": body}) + "\n")
    flask(service.env, "import", str(items))
    with gunicorn({**service.env, "KB_JOB_WORKERS": "0"}, workers=2) as base:
        host, port = urllib.parse.urlsplit(base).netloc.split(":")
        reader = socket.create_connection((host, int(port)), timeout=30)
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
        auth = service.auth["Authorization"]
        reader.sendall(
            f"GET /api/v1/admin/export?format=ndjson HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        received = reader.recv(4096)  # the export has begun; now the reader stalls
        assert b" 200 " in received.split(b"\r\n")[0]
        edited = "/api/v1/admin/entries/export-01400"
        for n in range(5):  # writes go through while the export is held open
            etag = call(base, "GET", edited, None, service.auth)[1]["ETag"]
            status, _, body = call(
                base,
                "PATCH",
                edited,
                {"title": f"Edited {n}"},
                {**service.auth, "If-Match": etag},
                timeout=15,
            )
            assert status == 200, body
        created = call(
            base, "POST", "/api/v1/admin/entries", {**NEW_ENTRY, "slug": "during-export"}, service.auth
        )
        assert created[0] == 201
        parts = [received]
        while chunk := reader.recv(1 << 16):
            parts.append(chunk)
        reader.close()
    body = b"".join(parts).partition(b"\r\n\r\n")[2]
    lines = [json.loads(line) for line in _dechunk(body).splitlines() if line.strip()]
    lines = [line for line in lines if line["type"] != "procedure"]  # procedures come first
    slugs = {line["draft"]["slug"] for line in lines}
    assert len([s for s in slugs if s.startswith("export-")]) == ENTRIES
    assert "during-export" not in slugs  # created after the snapshot began
    (edited_item,) = [line for line in lines if line["draft"]["slug"] == "export-01400"]
    assert edited_item["draft"]["title"] == NEW_ENTRY["title"]  # as it was when the export began


def _dechunk(data: bytes) -> str:
    """The body of a chunked HTTP/1.1 response."""
    out, at = [], 0
    while at < len(data):
        end = data.index(b"\r\n", at)
        size = int(data[at:end].split(b";")[0], 16)
        if size == 0:
            break
        out.append(data[end + 2 : end + 2 + size])
        at = end + 2 + size + 2
    return b"".join(out).decode()
