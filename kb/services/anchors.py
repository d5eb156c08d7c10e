"""Section anchors: the URL fragment that names each section of an article, as served and as searched.

An anchor is the section's heading in the served language, folded to ASCII lower case, its words joined
by hyphens ("Risk of Infection" -> ``risk-of-infection``, "¿Cuándo consultar?" -> ``cuando-consultar``);
a heading with no letter or digit gives ``section-<n>`` (1-based), and a repeated anchor gets ``-2``,
``-3``... so each is unique within the article. The public article lists them (``sections[].anchor``)
and an article's search hit names its best section by the same anchor.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NOT_WORD = re.compile(r"[^a-z0-9]+")
MAX_ANCHOR_CHARS = 80


def anchor_of(heading: str) -> str:
    """The anchor a heading gives on its own ("" when it has no letter or digit)."""
    ascii_text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode("ascii")
    return _NOT_WORD.sub("-", ascii_text.lower()).strip("-")[:MAX_ANCHOR_CHARS].strip("-")


def anchors(headings: Iterable[str]) -> list[str]:
    """The anchors of an article's sections, in order, each unique."""
    seen: set[str] = set()
    out: list[str] = []
    for number, heading in enumerate(headings, 1):
        base = anchor_of(heading or "") or f"section-{number}"
        anchor, n = base, 1
        while anchor in seen:
            n += 1
            anchor = f"{base}-{n}"
        seen.add(anchor)
        out.append(anchor)
    return out


def with_anchors(sections: list[dict]) -> list[dict]:
    """Sections (dicts with a ``heading``) with their ``anchor`` added."""
    names = anchors(section.get("heading", "") for section in sections)
    return [{**section, "anchor": anchor} for section, anchor in zip(sections, names, strict=True)]
