"""The Swagger UI assets, served by us so the docs work with no internet."""

from __future__ import annotations

from typing import Any

from flask import send_from_directory
from swagger_ui_bundle import swagger_ui_path

from kb.api.base import Blueprint
from kb.api.docs import errors

blp = Blueprint("docs_assets", __name__, url_prefix="/api/v1/docs/assets", description="API documentation")


@blp.route("/<path:filename>", methods=["GET"])
@blp.response(200, description="A static asset of the docs UI", content_type="application/octet-stream")
@errors(blp, 404)
def asset(filename: str) -> Any:
    """A file of the bundled Swagger UI."""
    return send_from_directory(str(swagger_ui_path), filename, max_age=86400)
