"""The Whoosh schema and the mapping from :class:`SearchDocument` to indexed fields."""

from __future__ import annotations

from whoosh import columns, fields, formats

from kb.search.base import SearchDocument
from kb.search.text import edge_analyzer, markdown_to_text, stem_analyzer, vocab_analyzer

# Searchable text fields and their query-time boosts (title > summary = tags > details > body).
# Boosts are applied to query terms, not baked into postings: BM25 saturates term frequency, so an
# index-time field_boost would not scale scores linearly.
FIELD_BOOSTS: dict[str, float] = {"title": 6.0, "summary": 3.0, "tags_text": 3.0, "details": 1.5, "body": 1.0}
TEXT_FIELDS = tuple(FIELD_BOOSTS)
# Fields whose stored text is highlighted (title always; the best of the others).
SNIPPET_FIELDS = ("summary", "details", "body")
VOCAB_FIELD = "words"  # unstemmed words of every text field: typo expansion and "did you mean"
EDGE_FIELD = "title_edge"  # prefixes of title words: the last, unfinished query word
TAG_FIELD = "tag"  # exact tags for filters and facets
SCHEMA_VERSION = "1"


def build_schema() -> fields.Schema:
    stem = stem_analyzer()
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        slug=fields.ID(stored=True),
        kind=fields.ID(stored=True),
        locale=fields.ID(stored=True),
        tag=fields.KEYWORD(commas=True, scorable=False),
        title=fields.TEXT(analyzer=stem, stored=True),
        summary=fields.TEXT(analyzer=stem, stored=True),
        tags_text=fields.TEXT(analyzer=stem, stored=False),
        details=fields.TEXT(analyzer=stem, stored=True),
        body=fields.TEXT(analyzer=stem, stored=True),
        title_edge=fields.TEXT(analyzer=edge_analyzer(), phrase=False, stored=False),
        # Folded, unstemmed words; existence only (no frequencies, positions or lengths).
        words=fields.FieldType(formats.Existence(), vocab_analyzer()),
        # Per-document card (title, slug, kind, locale, tags, id) read in bulk for suggest and facets.
        card=fields.COLUMN(columns.VarBytesColumn()),
    )


def clean_tag(tag: str) -> str:
    """Tags are exact keys; commas separate them in the index, so they cannot be part of one."""
    return " ".join(str(tag).replace(",", " ").split())


def to_fields(doc: SearchDocument) -> dict[str, str]:
    """The Whoosh field values of one document."""
    tags = [t for t in (clean_tag(t) for t in doc.tags or []) if t]
    body = markdown_to_text(doc.body or "")
    texts = [doc.title, doc.summary or "", " ".join(tags), doc.details or "", body]
    return {
        "id": str(doc.id),
        "slug": doc.slug,
        "kind": doc.kind,
        "locale": doc.locale or "en",
        "tag": ",".join(tags),
        "title": doc.title,
        "summary": doc.summary or "",
        "tags_text": " ".join(tags),
        "details": doc.details or "",
        "body": body,
        "title_edge": doc.title,
        "words": "\n".join(texts),
        "card": pack_card(doc.title, doc.slug, doc.kind, doc.locale or "en", tags, str(doc.id)),
    }


_SEP, _TAG_SEP = "\x1f", "\x1e"


def pack_card(title: str, slug: str, kind: str, locale: str, tags: list[str], doc_id: str) -> bytes:
    clean = [str(v).replace(_SEP, " ").replace(_TAG_SEP, " ") for v in (title, slug, kind, locale, doc_id)]
    tag_text = _TAG_SEP.join(t.replace(_SEP, " ").replace(_TAG_SEP, " ") for t in tags)
    return _SEP.join(clean[:4] + [tag_text, clean[4]]).encode("utf-8")


def unpack_card(raw: bytes) -> tuple[str, str, str, str, tuple[str, ...], str]:
    """(title, slug, kind, locale, tags, id) of a packed card."""
    title, slug, kind, locale, tag_text, doc_id = raw.decode("utf-8").split(_SEP)
    return title, slug, kind, locale, tuple(tag_text.split(_TAG_SEP)) if tag_text else (), doc_id
