"""The Whoosh schema and the mapping from :class:`SearchDocument` to indexed fields."""

from __future__ import annotations

from whoosh import columns, fields

from kb.search.base import SearchDocument
from kb.search.text import markdown_to_text, stem_analyzer

# Searchable text fields and their query-time boosts (title > summary = tags > details > body).
# Boosts are applied to query terms, not baked into postings: BM25 saturates term frequency, so an
# index-time field_boost would not scale scores linearly.
FIELD_BOOSTS: dict[str, float] = {"title": 6.0, "summary": 3.0, "tags_text": 3.0, "details": 1.5, "body": 1.0}
TEXT_FIELDS = tuple(FIELD_BOOSTS)
# Fields indexed with positions (exact phrases). The body keeps frequencies only: positions would make
# its postings four times slower to decode and the rebuild a fifth slower.
PHRASE_FIELDS = ("title", "summary", "tags_text", "details")
# Fields whose stored text is highlighted (title always; the best of the others).
SNIPPET_FIELDS = ("summary", "details", "body")
SCHEMA_VERSION = "1"


def build_schema() -> fields.Schema:
    """Text fields for matching (stored where highlights need the text), the unique id, one column.

    Filters, facets and suggestions read the per-document ``card`` column instead of indexed
    kind/tag/locale fields: the whole column loads in a few milliseconds per index state.
    """
    stem = stem_analyzer()
    return fields.Schema(
        id=fields.ID(unique=True),
        title=fields.TEXT(analyzer=stem, stored=True),
        summary=fields.TEXT(analyzer=stem, stored=True),
        tags_text=fields.TEXT(analyzer=stem),
        details=fields.TEXT(analyzer=stem, stored=True),
        body=fields.TEXT(analyzer=stem, stored=True, phrase=False),
        card=fields.COLUMN(columns.VarBytesColumn()),
    )


def clean_tag(tag: str) -> str:
    """Tags are exact keys; commas separate them in the index, so they cannot be part of one."""
    return " ".join(str(tag).replace(",", " ").split())


def to_fields(doc: SearchDocument) -> dict[str, str]:
    """The Whoosh field values of one document."""
    tags = [t for t in (clean_tag(t) for t in doc.tags or []) if t]
    body = markdown_to_text(doc.body or "")
    return {
        "id": str(doc.id),
        "title": doc.title,
        "summary": doc.summary or "",
        "tags_text": " ".join(tags),
        "details": doc.details or "",
        "body": body,
        "card": pack_card(doc.title, doc.slug, doc.kind, doc.locale or "en", tags, str(doc.id)),
    }


def texts(fields_: dict[str, str]) -> list[str]:
    """The searchable texts of a document's field values (for the vocabulary)."""
    return [fields_[name] for name in TEXT_FIELDS]


_SEP, _TAG_SEP = "\x1f", "\x1e"


def pack_card(title: str, slug: str, kind: str, locale: str, tags: list[str], doc_id: str) -> bytes:
    clean = [str(v).replace(_SEP, " ").replace(_TAG_SEP, " ") for v in (title, slug, kind, locale, doc_id)]
    tag_text = _TAG_SEP.join(t.replace(_SEP, " ").replace(_TAG_SEP, " ") for t in tags)
    return _SEP.join([*clean[:4], tag_text, clean[4]]).encode("utf-8")


def unpack_card(raw: bytes) -> tuple[str, str, str, str, tuple[str, ...], str]:
    """(title, slug, kind, locale, tags, id) of a packed card."""
    title, slug, kind, locale, tag_text, doc_id = raw.decode("utf-8").split(_SEP)
    return title, slug, kind, locale, tuple(tag_text.split(_TAG_SEP)) if tag_text else (), doc_id
