"""Bearer-token authentication and role checks for admin routes; closed unless a role is granted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request

from kb import ratelimit
from kb.api import intake
from kb.api.base import Blueprint
from kb.errors import BadRequestError, ForbiddenError, UnauthorizedError, UnsupportedMediaTypeError
from kb.services import audit, tokens

F = TypeVar("F", bound=Callable[..., Any])
ROLE_ATTRIBUTE = "_kb_role"
QUERY_TOKEN_NAMES = ("token", "access_token", "api_key", "apikey", "auth")


def requires(role: str) -> Callable[[F], F]:
    """Grant ``role`` (and the roles above it) access to a view method."""

    def decorate(view: F) -> F:
        setattr(view, ROLE_ATTRIBUTE, role)
        return view

    return decorate


def protect(blp: Blueprint, *, body_types: tuple[str, ...] = ("application/json",)) -> None:
    """Guard every route of ``blp``: a valid token whose role the view grants, and a JSON body.

    The token is verified first (one SHA-256 and an indexed lookup). A request whose token does not
    verify counts against ``KB_RATELIMIT_AUTH_FAILURES`` for its address and gets 401, or 429 without
    any database write once that budget is spent; a valid token is never counted or refused by it.
    """
    ratelimit.limit_failed_authentication(blp)

    @blp.before_request
    def guard() -> None:
        if request.method == "OPTIONS":
            return  # a CORS preflight: answered by the CORS policy (kb.api), it carries no token
        if any(name in request.args for name in QUERY_TOKEN_NAMES):
            audit.record_failed_authentication("auth.refused", reason="token in query string")
            raise BadRequestError(
                "Send the token in the Authorization header, never in the URL.",
                errors={"query": ["Tokens in the query string are refused."]},
            )
        token = _authenticate()
        role = _granted_role()
        if role is None or not tokens.allows(token, role):
            audit.record_now("auth.forbidden", actor=token.name, role=token.role, needs=role)
            raise ForbiddenError(f"Role {token.role!r} may not {request.method} {request.path}.")
        g.token = token
        if (
            request.method in ("POST", "PUT", "PATCH")
            and intake.has_body()
            and request.mimetype not in body_types
        ):
            sent = request.mimetype or "a body without Content-Type"
            raise UnsupportedMediaTypeError(f"The body is {sent}; send it as {' or '.join(body_types)}.")


def _authenticate() -> Any:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        ratelimit.failed_authentication()
        reason = "missing bearer token" if not header else "malformed header"
        audit.record_failed_authentication("auth.failed", reason=reason)
        raise UnauthorizedError("Send Authorization: Bearer <token>.")
    token = tokens.authenticate(secret.strip())
    if token is None:
        ratelimit.failed_authentication()
        # Nothing of the secret is kept, not even its first characters: they may be most of a typo'd
        # real token, and the audit log is readable by every admin.
        audit.record_failed_authentication("auth.failed", reason="unknown, expired or revoked token")
        raise UnauthorizedError("The token is unknown, expired or revoked.")
    return token


def _granted_role() -> str | None:
    """The role the matched view method grants; None (deny) when it grants none."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    method = getattr(view_class, request.method.lower(), None) if view_class else view
    if method is None and request.method == "HEAD" and view_class is not None:
        method = getattr(view_class, "get", None)
    return getattr(method, ROLE_ATTRIBUTE, None)
