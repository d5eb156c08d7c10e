"""Supported locales, fallback chains and negotiation (``locale=`` first, else ``Accept-Language``).

A chain is the list of locales to try, best first: the requested tag, its truncations (``pt-BR`` ->
``pt``), the configured fallbacks of each, and the default locale last. Only supported locales appear.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import current_app

from kb.errors import BadRequestError

MEMO_HEADER = 200  # characters of Accept-Language up to which a negotiation is remembered


@dataclass(frozen=True)
class Negotiated:
    """What a public read serves: the ``chain`` to try and whether ``Accept-Language`` chose it."""

    chain: tuple[str, ...]
    from_header: bool

    @property
    def requested(self) -> str:
        return self.chain[0]


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def supported() -> list[str]:
    """``KB_LOCALES`` in order; the default locale is always supported."""
    tags = _split(current_app.config["KB_LOCALES"])
    default = default_locale()
    return tags if default in tags else [default, *tags]


def default_locale() -> str:
    return str(current_app.config["KB_DEFAULT_LOCALE"])


def canonical(tag: str) -> str | None:
    """The supported spelling of ``tag`` (matched case-insensitively), or None."""
    wanted = tag.strip().lower()
    return next((known for known in supported() if known.lower() == wanted), None)


def require(tag: str) -> str:
    """``tag`` as supported, or a 400 naming the supported locales."""
    found = canonical(tag)
    if found is None:
        names = ", ".join(supported())
        raise BadRequestError(
            f"Unsupported locale {tag!r}; supported: {names}.",
            errors={"locale": [f"Must be one of: {names}."]},
        )
    return found


def _configured() -> dict[str, list[str]]:
    """``KB_LOCALE_FALLBACKS`` as ``{locale: [fallback, ...]}`` (``"pt-BR:pt,es;fr:es"``)."""
    table: dict[str, list[str]] = {}
    for rule in current_app.config["KB_LOCALE_FALLBACKS"].split(";"):
        if ":" in rule:
            tag, fallbacks = rule.split(":", 1)
            table[tag.strip().lower()] = _split(fallbacks)
    return table


def _truncations(tag: str) -> list[str]:
    parts = tag.split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


def chain(tag: str, *, fallback: bool = True) -> tuple[str, ...]:
    """The locales to try for ``tag`` (supported), best first; only ``tag`` without ``fallback``."""
    first = require(tag)
    if not fallback:
        return (first,)
    configured = _configured()
    found: list[str] = []
    pending = [first]
    while pending:  # breadth of truncations and configured fallbacks, each locale once
        current = pending.pop(0)
        for candidate in _truncations(current):
            known = canonical(candidate)
            if known is None or known in found:
                continue
            found.append(known)
            pending.extend(configured.get(known.lower(), []))
    default = default_locale()
    return tuple(found if default in found else [*found, default])


def parse_accept_language(header: str | None) -> list[str]:
    """The tags of an ``Accept-Language`` header, best first (q-values honoured, ``q=0`` dropped,
    ties kept in the order given)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, *params = [p.strip() for p in part.split(";")]
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and 0 < quality <= 1:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def from_accept_language(header: str | None) -> str:
    """The best supported locale the header asks for (a tag or one of its truncations), else the default."""
    for tag in parse_accept_language(header):
        if tag == "*":
            return default_locale()
        for candidate in _truncations(tag):
            if (known := canonical(candidate)) is not None:
                return known
    return default_locale()


def negotiate(locale: str | None, accept_language: str | None, *, fallback: str = "chain") -> Negotiated:
    """The chain a public read serves: ``locale`` if given (400 if unsupported), else the header's.

    Remembered per settings and arguments (every public read negotiates, mostly the same few
    headers); headers longer than ``MEMO_HEADER`` characters are worked out each time."""
    if accept_language is not None and len(accept_language) > MEMO_HEADER:
        return _negotiate(locale, accept_language, fallback)
    config = current_app.config
    settings = (config["KB_LOCALES"], config["KB_DEFAULT_LOCALE"], config["KB_LOCALE_FALLBACKS"])
    return _remembered(settings, locale, accept_language, fallback)


@functools.lru_cache(maxsize=512)
def _remembered(
    _settings: tuple[str, str, str], locale: str | None, accept_language: str | None, fallback: str
) -> Negotiated:
    """:func:`_negotiate`, keyed by the settings it reads (an unsupported locale raises: not kept)."""
    return _negotiate(locale, accept_language, fallback)


def _negotiate(locale: str | None, accept_language: str | None, fallback: str) -> Negotiated:
    with_fallback = fallback != "none"
    if locale:
        return Negotiated(chain(locale, fallback=with_fallback), from_header=False)
    return Negotiated(chain(from_accept_language(accept_language), fallback=with_fallback), from_header=True)
