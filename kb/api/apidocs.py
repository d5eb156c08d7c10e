"""The Swagger UI assets, served by us so the docs work with no internet (not API operations: they
stay out of the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, send_from_directory
from swagger_ui_bundle import swagger_ui_path

blp = Blueprint("docs_assets", __name__, url_prefix="/api/v1/docs/assets")


@blp.route("/<path:filename>", methods=["GET"])
def asset(filename: str) -> Any:
    """A file of the bundled Swagger UI, read whole (not streamed) so that it is compressed with an
    ETag per encoding and answers If-None-Match like any other body (kb.api.compression)."""
    response = send_from_directory(str(swagger_ui_path), filename, max_age=86400)
    response.direct_passthrough = False
    response.make_sequence()
    return response
