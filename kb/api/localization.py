"""Locale negotiation at the HTTP edge: the chain a public read serves, ``Vary: Accept-Language``
where the header chose it, and ``Content-Language`` for a single item."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, request
from werkzeug.routing import UnicodeConverter

from kb.api.docs import declare_headers
from kb.schemas.locale import LocaleField
from kb.services import locales


class LocaleConverter(UnicodeConverter):
    """``<locale:...>`` in a path: any segment (the service answers an unsupported one with 400), which
    the OpenAPI document lists as one of the supported locales."""


def init_app(app: Flask) -> None:
    app.after_request(_headers)


def document(api: Any, app: Flask) -> None:
    """Install ``<locale:...>`` and list the supported locales in the OpenAPI document wherever a
    ``locale`` parameter is taken (call after ``api.init_app`` and before registering blueprints)."""
    with app.app_context():
        supported = locales.supported()

    def locale_enum(_converter: Any, field: Any, **_: Any) -> dict[str, Any]:
        return {"enum": supported} if isinstance(field, LocaleField) else {}

    app.url_map.converters["locale"] = LocaleConverter
    api.ma_plugin.converter.add_attribute_function(locale_enum)
    api.flask_plugin.register_converter(LocaleConverter, lambda _: {"type": "string", "enum": supported})


def chain(args: dict[str, Any]) -> tuple[str, ...]:
    """Pop ``locale`` and ``fallback`` from a view's arguments and negotiate the chain (400 if unknown)."""
    header = request.headers.get("Accept-Language")
    locale = args.pop("locale", None)
    negotiated = locales.negotiate(locale, header, fallback=args.pop("fallback", "chain"))
    g.kb_vary_language = negotiated.from_header
    g.kb_asked_locale = negotiated.requested if locale or header else None
    return negotiated.chain


def asked() -> str | None:
    """The locale the client asked for (``locale=`` or ``Accept-Language``), None when it did not say:
    what search analytics count a query under. Call after :func:`chain`."""
    return g.get("kb_asked_locale")


def says_language(func: Any) -> Any:
    """Document the ``Content-Language`` a single-item view's response carries (see :func:`served`)."""
    return declare_headers(func, headers={"Content-Language": "ContentLanguage"})


def served(view: Any) -> Any:
    """Mark the single item a view returns: the response says its language."""
    g.kb_content_language = view["locale"] if isinstance(view, dict) else view.locale
    return view


def _headers(response: Response) -> Response:
    if g.get("kb_vary_language"):
        response.vary.add("Accept-Language")
    if (language := g.get("kb_content_language")) and response.status_code in (200, 304):
        response.headers["Content-Language"] = language
    return response
