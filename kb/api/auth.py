"""Bearer-token authentication and role checks for admin routes; closed unless a role is granted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request

from kb import ratelimit
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

    Failed authentications (401) also count against ``KB_RATELIMIT_AUTH_FAILURES`` per client address;
    once it is spent, the limiter answers 429 before this guard looks at any token.
    """
    ratelimit.limit_failed_authentication(blp)

    @blp.before_request
    def guard() -> None:
        if any(name in request.args for name in QUERY_TOKEN_NAMES):
            audit.record_now("auth.refused", reason="token in query string")
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
            and request.content_length
            and request.mimetype not in body_types
        ):
            raise UnsupportedMediaTypeError(f"Send the body as {' or '.join(body_types)}.")


def _authenticate() -> Any:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        audit.record_now("auth.failed", reason="missing bearer token" if not header else "malformed header")
        raise UnauthorizedError("Send Authorization: Bearer <token>.")
    token = tokens.authenticate(secret.strip())
    if token is None:
        audit.record_now("auth.failed", reason="unknown, expired or revoked token", prefix=secret[:10])
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
