"""Published articles as search documents: one per live translation (the source's and each other
locale's), each analysed in its own language, keyed along the locale chain like entries'
(:mod:`kb.services.search_locales`).

An article's document holds its title, summary and tags, and each section's heading and body (in the
body, and one by one in ``sections`` with the anchor the public article names it by,
:mod:`kb.services.anchors`), so a hit can point to the section that matches best. Articles have no
kind and no details. Every document carries the procedures its article applies to.
"""

from __future__ import annotations

from kb.models import LiveArticle, LiveTranslation
from kb.search import SearchDocument, SearchSection
from kb.services import locales, search_locales
from kb.services.anchors import anchors


def to_documents(articles: list[LiveArticle]) -> list[SearchDocument]:
    """The documents of live articles: each one's source and every live translation of it."""
    translations = search_locales.live_translations([a.article_id for a in articles], "article")
    return [doc for a in articles for doc in documents(a, translations.get(a.article_id, {}))]


def documents(article: LiveArticle, translations: dict[str, LiveTranslation]) -> list[SearchDocument]:
    """The source's document and one per live translation, each in its own language."""
    published = {article.locale, *translations} & set(locales.supported())
    docs = [_document(article, str(article.article_id), article.locale, published, None)]
    docs += [
        _document(article, search_locales.document_id(article.article_id, tag), tag, published, tr)
        for tag, tr in translations.items()
    ]
    return docs


def _document(
    article: LiveArticle, doc_id: str, locale: str, published: set[str], tr: LiveTranslation | None
) -> SearchDocument:
    title, summary = article.title, article.summary
    texts = [(s.get("heading", ""), s.get("body", "")) for s in article.sections]
    if tr is not None:
        title, summary = tr.text["title"], tr.text["summary"]
        texts = [(s["heading"], s["body"]) for s in tr.text["sections"]]
    sections = tuple(
        SearchSection(heading=heading, anchor=anchor, body=body)
        for (heading, body), anchor in zip(texts, anchors(h for h, _ in texts), strict=True)
    )
    return SearchDocument(
        id=doc_id,
        slug=article.slug,
        kind="",
        type="article",
        title=title,
        summary=summary,
        tags=list(article.tags),
        locale=search_locales.key(locale, published),
        language=locale or locales.default_locale(),
        details="",
        body="\n\n".join(f"{s.heading}\n\n{s.body}" for s in sections),
        sections=sections,
        updated_at=tr.updated_at if tr is not None else article.updated_at,
        procedures=tuple(article.procedures or ()),  # every translation shares its article's
    )
