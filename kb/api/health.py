"""Probes for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from kb.api.base import PROBLEM, Blueprint, ProblemSchema
from kb.api.docs import operation
from kb.errors import problem
from kb.schemas.health import LivenessSchema, ReadinessSchema
from kb.services import health

blp = Blueprint("health", __name__, description="Liveness and readiness probes")


@blp.route("/healthz", methods=["GET"])
@operation(blp, "getLiveness")
@blp.response(200, LivenessSchema)
def healthz() -> Any:
    """The process is alive."""
    return {"status": "ok"}


@blp.route("/readyz", methods=["GET"])
@operation(blp, "getReadiness")
@blp.response(200, ReadinessSchema)
@blp.alt_response(
    503,
    schema=ProblemSchema,
    content_type=PROBLEM,
    description="Not ready; the failing checks are under `checks`",
)
def readyz() -> Any:
    """Ready: the database is reachable and the search index usable (documents, pending updates)."""
    report = health.readiness()
    if not report["ok"]:
        return problem(503, "A dependency is not ready.", checks=report["checks"])
    return report
