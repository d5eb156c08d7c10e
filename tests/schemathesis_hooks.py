"""schemathesis hooks for the randomised CI fuzz (tests/fuzz.py): an admin token on every request, so
that admin operations get past 401 and are fuzzed for real. The token comes from KB_FUZZ_TOKEN, its
public id from KB_FUZZ_TOKEN_ID: the fuzzer may revoke every token but that one (the stateful phase
lists the tokens and revoked its own, so every admin operation after it was only ever 401)."""

from __future__ import annotations

import os
from typing import Any

import schemathesis

KEPT = "tok_fuzzkeepsitsown"  # names no token: revoking it is a 404


@schemathesis.auth()
class AdminToken:
    def get(self, case: Any, ctx: Any) -> str:
        return os.environ["KB_FUZZ_TOKEN"]

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """A revocation of the fuzzer's own token goes to a token that does not exist instead."""
    own = os.environ.get("KB_FUZZ_TOKEN_ID")
    if case.method.upper() == "DELETE" and own and (case.path_parameters or {}).get("token_id") == own:
        case.path_parameters = {**case.path_parameters, "token_id": KEPT}
