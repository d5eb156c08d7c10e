"""Property-based API tests: schemathesis drives the app in-process from its own OpenAPI document.

Every operation must answer generated valid and invalid requests with no server error and with a
response that matches the document (status codes, content types, bodies, headers).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from flask import Flask
from hypothesis import settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from kb.schemas.procedures import ZONES


def _timeline_rule(case: schemathesis.Case) -> bool:
    """A timeline's zone is one of the tz database's and needs a start, and its start is a procedure's
    time, in 1900-2200."""
    query = case.query or {}
    start = str(query.get("start", ""))
    return ("tz" in query and (query["tz"] not in ZONES or "start" not in query)) or (
        bool(start) and not (start[:4].isdigit() and 1900 <= int(start[:4]) <= 2200)
    )


# Requests valid by the document that a rule it cannot state refuses (tests/schemathesis.toml holds the
# same rules for the CI fuzz): a sync cursor must be one the server returned; a timeline's start and tz.
BEYOND_SCHEMA: dict[str, Callable[[schemathesis.Case], bool]] = {
    "sync": lambda case: "cursor" in (case.query or {}),
    "getProcedureTimeline": _timeline_rule,
    "getProcedureCalendar": _timeline_rule,
}


@pytest.fixture
def api_schema(app: Flask) -> schemathesis.BaseSchema:
    # Generation follows the document alone: it says which text is refused (no NUL, by its patterns),
    # so no setting keeps NUL out; tests/test_hostile_input.py holds the refusals to problem+json.
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=60)  # derandomized by the profile tests/conftest.py loads
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case) -> None:
    # In-process, responses are not decompressed as an HTTP client would: ask for none (the CI fuzz
    # goes through real HTTP, compressed).
    rule = BEYOND_SCHEMA.get(case.operation.definition.raw.get("operationId", ""))
    excluded = [positive_data_acceptance] if rule is not None and rule(case) else []
    case.call_and_validate(headers={"Accept-Encoding": "identity"}, excluded_checks=excluded)
