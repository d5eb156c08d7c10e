"""The text of a translation: which fields are text, checking it against the source's structure, and
laying it over that structure to give the whole item in another language.

A translation carries only text, aligned by position with the source: the same lists, the same length,
the same order. One exception, ``TERMS``: a warning sign's words for matching free text (the care
guidance check) are the language's own, so a translation may give its own list (of any length) or
none. Everything else (kind, severity, hours, actions, timing, slugs, tags, sources) is the source's,
shared by every language; a translation that tries to set it is refused naming the field.
"""

from __future__ import annotations

from typing import Any

TEXT = "text"
TERMS = "terms"  # an optional list of words, not aligned with the source's
MAX_TERMS, MAX_TERM = 20, 200
# The translatable text of each kind's details: TEXT one string, [spec] a list of it, {key: spec} an object.
DETAILS_TEXT: dict[str, dict[str, Any]] = {
    "complication": {
        "signs": [TEXT],
        "causes": [TEXT],
        "warning_signs": [{"sign": TEXT, "terms": TERMS}],
    },
    "technique": {"steps": [TEXT], "rationale": TEXT},
    "aftercare": {"instructions": [{"text": TEXT}]},
}
ARTICLE_TEXT: dict[str, Any] = {"title": TEXT, "summary": TEXT, "sections": [{"heading": TEXT, "body": TEXT}]}
MAX_TEXT = 100_000
SHARED = "Clinical structure is shared by every translation: change it in the source ({source})."


def entry_spec(kind: str) -> dict[str, Any]:
    return {"title": TEXT, "summary": TEXT, "body": TEXT, "details": DETAILS_TEXT.get(kind, {})}


def spec_for(res_name: str, source: Any) -> dict[str, Any]:
    """The text spec of a translation of ``source`` (a draft or live entry or article, or its content)."""
    if res_name == "article":
        return ARTICLE_TEXT
    return entry_spec(source["kind"] if isinstance(source, dict) else source.kind)


def source_text(spec: Any, value: Any) -> Any:
    """The part of the source's content ``spec`` describes (what a translation translates)."""
    if spec == TEXT:
        return value if isinstance(value, str) else ""
    if spec == TERMS:
        return []  # the source's terms are its language's: a translation starts with none
    if isinstance(spec, list):
        return [source_text(spec[0], item) for item in value or []]
    return {key: source_text(sub, (value or {}).get(key)) for key, sub in spec.items()}


def check(spec: Any, value: Any, structure: Any, path: str, source_locale: str) -> dict[str, list[str]]:
    """Errors by field path of translated ``value`` against ``spec`` and the source's ``structure``.

    Every text the source has must be translated, lists must have the source's length, and a key
    outside the spec is refused (structure is the source's; anything else is unknown).
    """
    where = path or "body"
    if spec == TEXT:
        if not isinstance(value, str):
            return {where: ["Must be text."]}
        if len(value) > MAX_TEXT:
            return {where: [f"Longer than {MAX_TEXT} characters."]}
        if path == "title" and not value.strip():
            return {where: ["Must not be empty."]}
        return {}
    if spec == TERMS:
        if not (
            isinstance(value, list)
            and len(value) <= MAX_TERMS
            and all(isinstance(t, str) and 0 < len(t) <= MAX_TERM for t in value)
        ):
            return {where: [f"Must be a list of at most {MAX_TERMS} words, each 1 to {MAX_TERM} characters."]}
        return {}
    if isinstance(spec, list):
        if not isinstance(value, list):
            return {where: ["Must be a list."]}
        wanted = len(structure) if isinstance(structure, list) else 0
        if len(value) != wanted:
            return {
                where: [
                    f"Must have {wanted} item(s), in the order of the source ({source_locale}); "
                    "the number and order of items are shared by every translation."
                ]
            }
        errors: dict[str, list[str]] = {}
        for index, item in enumerate(value):
            errors |= check(spec[0], item, structure[index], f"{path}[{index}]", source_locale)
        return errors
    if not isinstance(value, dict):
        return {where: ["Must be an object."]}
    errors = {}
    structure = structure if isinstance(structure, dict) else {}
    for key in value.keys() - spec.keys():
        name = f"{path}.{key}" if path else key
        errors[name] = [SHARED.format(source=source_locale) if key in structure else "Unknown field."]
    for key, sub in spec.items():
        name = f"{path}.{key}" if path else key
        if key not in value:
            if sub != TERMS:
                errors[name] = ["Missing: every text of the source must be translated."]
        else:
            errors |= check(sub, value[key], structure.get(key), name, source_locale)
    return errors


def aligned(spec: Any, value: Any, structure: Any) -> bool:
    """Whether ``value`` still fits ``structure`` (the lists' lengths), e.g. after the source was
    republished; keys outside ``spec`` (the live copy's rendered HTML) are ignored."""
    if spec == TEXT:
        return isinstance(value, str)
    if spec == TERMS:
        return isinstance(value, list)
    if isinstance(spec, list):
        return (
            isinstance(value, list)
            and isinstance(structure, list)
            and len(value) == len(structure)
            and all(aligned(spec[0], v, s) for v, s in zip(value, structure, strict=True))
        )
    if not isinstance(value, dict):
        return False
    structure = structure if isinstance(structure, dict) else {}
    return all(
        (key in value and aligned(sub, value[key], structure.get(key))) or (sub == TERMS and key not in value)
        for key, sub in spec.items()
    )


def overlay(spec: Any, structure: Any, value: Any) -> Any:
    """``structure`` with the text ``spec`` describes replaced by ``value``'s. Live copies are always
    aligned (see ``aligned``); a draft may not be (its source's draft changed a list's length or its
    kind since), and then what does not fit is left as the source has it."""
    if spec in (TEXT, TERMS):
        return value
    if isinstance(spec, list):
        structure = structure if isinstance(structure, list) else []
        value = value if isinstance(value, list) else []
        fitted = [overlay(spec[0], s, v) for s, v in zip(structure, value, strict=False)]
        return fitted + structure[len(value) :]
    merged = dict(structure) if isinstance(structure, dict) else {}
    value = value if isinstance(value, dict) else {}
    for key, sub in spec.items():
        if key in value:
            merged[key] = overlay(sub, merged.get(key), value[key])
        elif sub == TERMS:
            merged.pop(key, None)  # the source's words are not this language's
    return merged


def merge_patch(current: Any, changes: Any) -> Any:
    """``current`` with ``changes`` applied: objects merge key by key, anything else replaces."""
    if isinstance(current, dict) and isinstance(changes, dict):
        return {**current, **{k: merge_patch(current.get(k), v) for k, v in changes.items()}}
    return changes
