"""The Whoosh index's fields and the mapping from :class:`SearchDocument` to their values.

Each analysis language (:data:`kb.search.common.languages.LANGUAGES`) has its own set of text fields,
analysed by its own :class:`~kb.search.whoosh.analysis.StemAnalyzer`: English the plain names
(``title``, ``summary``, ``tags_text``, ``details``, ``body``), the others the names with ``_<code>``
(``title_es``...). A document fills only the fields of its ``language``, so a query analysed in Spanish
looks in the Spanish fields and finds Spanish documents by Spanish stems.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from whoosh import columns, fields

from kb.search.base import SearchDocument
from kb.search.common.languages import DEFAULT_LANGUAGE, LANGUAGES, analysis_language
from kb.search.common.ranking import FIELD_BOOSTS
from kb.search.common.text import clean_tag, markdown_to_text
from kb.search.whoosh.analysis import stem_analyzer

TEXT_FIELDS = tuple(FIELD_BOOSTS)  # the English fields; FieldSet.text for a language's
# Fields indexed with positions (exact phrases). The body keeps frequencies only: positions would make
# its postings four times slower to decode and the rebuild a fifth slower.
PHRASE_FIELDS = ("title", "summary", "tags_text", "details")
# Fields whose stored text is highlighted (title always; the best of the others).
SNIPPET_FIELDS = ("summary", "details", "body")


def field_name(base: str, language: str) -> str:
    """The name of a base field (``title``...) in a language's field set."""
    return base if language == DEFAULT_LANGUAGE else f"{base}_{language}"


@dataclass(frozen=True)
class FieldSet:
    """The field names of one analysis language."""

    language: str
    text: tuple[str, ...]
    phrase: tuple[str, ...]
    snippet: tuple[str, ...]
    title: str
    body: str

    def of(self, base: str) -> str:
        return field_name(base, self.language)


@cache
def field_set(language: str) -> FieldSet:
    """The fields of an analysis code (unknown codes: English)."""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE

    def names(bases: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(field_name(b, language) for b in bases)

    return FieldSet(
        language,
        names(TEXT_FIELDS),
        names(PHRASE_FIELDS),
        names(SNIPPET_FIELDS),
        field_name("title", language),
        field_name("body", language),
    )


# Query-time boost and analysis language of every text field of every language, by name.
BOOSTS: dict[str, float] = {
    field_name(base, language): boost for language in LANGUAGES for base, boost in FIELD_BOOSTS.items()
}
LANGUAGE_OF: dict[str, str] = {field_name(base, lang): lang for lang in LANGUAGES for base in FIELD_BOOSTS}
# The version of the index written here, recorded in each generation (kb.search.whoosh.storage) and
# read before it is opened. 1: the index of the flat kb/search/ (no VERSION file; the field set pickled
# in it names the analyzer kb.search.text.StemAnalyzer); 2: the same fields, the analyzer at
# kb.search.whoosh.analysis. Versions in READABLE_VERSIONS hold exactly the fields of index_fields()
# and are opened with them; any other is reported not ok and rebuilt at start. Change the fields:
# bump INDEX_VERSION and make READABLE_VERSIONS {INDEX_VERSION}. 3: one field set per analysis language
# and the document's language in its card. 4: articles: the document's type in its card, an article's
# sections stored. 5: the procedures a document applies to in its card (the procedure filter).
# 6: a rebuilt segment has its card file (kb.search.whoosh.cards), which workers map instead of
# building cards and the title suggester in memory.
INDEX_VERSION = 6
READABLE_VERSIONS = frozenset({6})


def index_fields() -> fields.Schema:
    """Text fields for matching (stored where highlights need the text), the unique id, one column.

    Filters, facets and suggestions read the per-document ``card`` column instead of indexed
    kind/tag/locale fields: the whole column loads in a few milliseconds per index state.
    """
    text_fields: dict[str, fields.FieldType] = {}
    for language in LANGUAGES:
        stem = stem_analyzer(language)
        name = field_set(language).of
        text_fields[name("title")] = fields.TEXT(analyzer=stem, stored=True)
        text_fields[name("summary")] = fields.TEXT(analyzer=stem, stored=True)
        text_fields[name("tags_text")] = fields.TEXT(analyzer=stem)
        text_fields[name("details")] = fields.TEXT(analyzer=stem, stored=True)
        text_fields[name("body")] = fields.TEXT(analyzer=stem, stored=True, phrase=False)
        text_fields[name("urgent")] = fields.TEXT(analyzer=stem, phrase=False)
    return fields.Schema(
        id=fields.ID(unique=True),
        card=fields.COLUMN(columns.VarBytesColumn()),
        sections=fields.STORED(),  # an article's sections as JSON: [[heading, anchor, body text]]
        **text_fields,
    )


def document_language(doc: SearchDocument) -> str:
    """The analysis code of a document (its ``language``; documents without one are English)."""
    return analysis_language(getattr(doc, "language", None) or DEFAULT_LANGUAGE)


def to_fields(doc: SearchDocument) -> dict[str, str]:
    """The Whoosh field values of one document: the fields of its language, its id and its card."""
    tags = [t for t in (clean_tag(t) for t in doc.tags or []) if t]
    body = markdown_to_text(doc.body or "")
    language = document_language(doc)
    name = field_set(language).of
    urgent = list(getattr(doc, "urgent", ()) or ())
    action = urgent[0][1] if urgent else ""
    doc_type = getattr(doc, "type", "entry") or "entry"
    procedures = [p for p in getattr(doc, "procedures", ()) or () if p]
    card = pack_card(
        doc.title,
        doc.slug,
        doc.kind,
        doc.locale or "en",
        tags,
        str(doc.id),
        language,
        action,
        doc_type,
        procedures,
    )
    out = {
        "id": str(doc.id),
        name("title"): doc.title,
        name("summary"): doc.summary or "",
        name("tags_text"): " ".join(tags),
        name("details"): doc.details or "",
        name("body"): body,
        "card": card,
    }
    if urgent:
        out[name("urgent")] = ". ".join(sign for sign, _ in urgent)
    sections = getattr(doc, "sections", ()) or ()
    if sections:
        out["sections"] = json.dumps(
            [[s.heading, s.anchor, markdown_to_text(s.body or "")] for s in sections]
        )
    return out


def stored_sections(stored: dict) -> list[tuple[str, str, str]]:
    """(heading, anchor, body text) of the sections stored with a document (none for an entry)."""
    raw = stored.get("sections")
    return [tuple(item) for item in json.loads(raw)] if raw else []  # type: ignore[misc]


def texts(fields_: dict[str, str]) -> list[str]:
    """The searchable texts of a document's field values (for the vocabulary)."""
    return [value for name, value in fields_.items() if name in BOOSTS]


_SEP, _TAG_SEP = "\x1f", "\x1e"


def pack_card(
    title: str,
    slug: str,
    kind: str,
    locale: str,
    tags: list[str],
    doc_id: str,
    language: str = DEFAULT_LANGUAGE,
    urgent_action: str = "",
    doc_type: str = "entry",
    procedures: list[str] | tuple[str, ...] = (),
) -> bytes:
    values = (title, slug, kind, locale, doc_id, language, urgent_action, doc_type)
    clean = [_plain(str(v)) for v in values]
    tag_text = _TAG_SEP.join(map(_plain, tags))
    procedure_text = _TAG_SEP.join(map(_plain, procedures))
    return _SEP.join([*clean[:4], tag_text, *clean[4:], procedure_text]).encode("utf-8")


def _plain(value: str) -> str:
    return value.replace(_SEP, " ").replace(_TAG_SEP, " ")


CardValues = tuple[str, str, str, str, tuple[str, ...], str, str, str, str, tuple[str, ...]]


def unpack_card(raw: bytes) -> CardValues:
    """(title, slug, kind, locale, tags, id, language, urgent action or "", type, procedures) of a
    packed card."""
    title, slug, kind, locale, tag_text, doc_id, *rest = raw.decode("utf-8").split(_SEP)
    tags = tuple(tag_text.split(_TAG_SEP)) if tag_text else ()
    rest += [DEFAULT_LANGUAGE, "", "entry", ""][len(rest) :]
    procedures = tuple(rest[3].split(_TAG_SEP)) if rest[3] else ()
    return title, slug, kind, locale, tags, doc_id, rest[0], rest[1], rest[2], procedures
