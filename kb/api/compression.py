"""Compressed responses: JSON, problem+json and the docs UI in brotli (when the client asks for it) or
gzip, by flask-compress; ``Vary: Accept-Encoding`` on every response; bodies under
``COMPRESS_MIN_SIZE`` bytes stay as they are.

A compressed body is another representation, so its strong ETag differs: flask-compress appends
``:gzip`` or ``:br`` to the ETag kb.api.caching computed from the identity body, then evaluates
If-None-Match again (a 304 for the ETag the client holds, whichever encoding it was). Its after_request
must run after caching's, so :func:`init_app` is called before ``caching.init_app``.

A write's If-Match is about the state of the object, not the encoding it was read in: the suffix of an
ETag read compressed is dropped before the views compare it.
"""

from __future__ import annotations

import re

from flask import Flask, request

from kb.extensions import compress

ENCODING_SUFFIX = re.compile(r':(?:br|gzip)"')


def init_app(app: Flask) -> None:
    compress.init_app(app)
    app.before_request(_if_match_of_any_encoding)


def _if_match_of_any_encoding() -> None:
    raw = request.environ.get("HTTP_IF_MATCH")
    if raw and ":" in raw:
        request.environ["HTTP_IF_MATCH"] = ENCODING_SUFFIX.sub('"', raw)
