"""The bare reference for bench_conditional: Flask answering, for each path it is given, the same JSON
bytes kb sent, with kb's former ETag logic (a hash of the body per request, 304 on a match)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from flask import Flask, Response, request

app = Flask(__name__)
_BODIES: dict[str, bytes] = {
    path: body.encode() for path, body in json.loads(Path(os.environ["KB_BARE_BODIES"]).read_text()).items()
}


@app.route("/<path:_path>")
def serve(_path: str) -> Response:
    body = _BODIES[request.full_path.rstrip("?")]
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=60"
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return response.make_conditional(request)
