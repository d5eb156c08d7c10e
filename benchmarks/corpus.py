"""A deterministic synthetic corpus of clinical-aesthetics entries, plus queries and prefixes.

``generate(n, seed)`` yields plain dicts shaped like the API's entries (slug, kind, title, summary,
body, tags, locale, details valid per kind), so the same corpus can be loaded into the database;
``to_search_document`` turns one into a :class:`kb.search.SearchDocument`.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Iterable, Iterator
from itertools import accumulate
from pathlib import Path

from benchmarks import vocabulary as v
from kb.search.base import SearchDocument
from kb.search.common.text import flatten_details


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(";") if item.strip()]


PROCEDURES = _split(v.PROCEDURES)
COMPLICATIONS = _split(v.COMPLICATIONS)
AREAS = _split(v.AREAS)
PRODUCTS = _split(v.PRODUCTS)
TECHNIQUES = _split(v.TECHNIQUES)
AFTERCARE = _split(v.AFTERCARE)
_SYLLABLES = (
    "der",
    "ma",
    "lux",
    "re",
    "vi",
    "ta",
    "ne",
    "cu",
    "ra",
    "so",
    "la",
    "zen",
    "bio",
    "pure",
    "gen",
    "derm",
    "skin",
    "cel",
    "lo",
    "qua",
    "fi",
    "tex",
    "no",
    "va",
)


def _brand_names(rng: random.Random, count: int) -> list[str]:
    """Made-up product and device names: the long tail of a real vocabulary."""
    names = set()
    while len(names) < count:
        names.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(names)


def _plurals(words: list[str]) -> list[str]:
    """The words plus plural forms of the noun-looking ones."""
    out = set(words)
    for word in words:
        if len(word) >= 4 and word.isalpha() and not word.endswith(("s", "ing", "ed", "ly", "y", "ic", "al")):
            out.add(word + "s")
    return sorted(out)


class _Words:
    """Zipf-like word sampler: a few words are everywhere, most are rare."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        common = list(dict.fromkeys(v.COMMON_WORDS))
        domain = _plurals(list(dict.fromkeys(v.DOMAIN_WORDS)))
        brands = _brand_names(rng, 1500)
        ranked = common[:120] + domain + common[120:] + brands
        self.words = ranked
        self.cum_weights = list(accumulate(1.0 / (rank + 8) for rank in range(len(ranked))))

    def sample(self, k: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum_weights, k=k)


def _sentence(rng: random.Random, words: _Words, kind_topic: str) -> str:
    if rng.random() < 0.35:
        template = rng.choice(v.SENTENCE_TEMPLATES)
        text = template.format(
            Adv=rng.choice(["Mild", "Moderate", "Persistent", "Some", "Visible"]),
            adv=rng.choice(["quickly", "gradually", "slowly", "within days"]),
            noun=rng.choice(COMPLICATIONS).lower(),
            procedure=rng.choice(PROCEDURES),
            verb=rng.choice(["usually settles", "often fades", "may persist", "can intensify"]),
            n=rng.choice([12, 24, 48, 72, 5, 7, 14]),
            unit=rng.choice(["hours", "days"]),
            action=rng.choice(["avoid sun exposure", "avoid makeup", "keep the skin clean", "rest"]),
            Complication=rng.choice(COMPLICATIONS).capitalize(),
            complication=kind_topic if rng.random() < 0.5 else rng.choice(COMPLICATIONS).lower(),
            cause=rng.choice(["an adverse reaction", "improper technique", "deeper tissue damage"]),
            checked=rng.choice(["assessed", "reviewed", "checked"]),
            product=rng.choice(PRODUCTS),
            area=rng.choice(AREAS),
        )
        return text
    chunk = words.sample(rng.randint(8, 20))
    chunk[0] = chunk[0].capitalize()
    return " ".join(chunk) + "."


def _body(rng: random.Random, words: _Words, title: str, topic: str) -> str:
    paragraphs = []
    for heading in rng.sample(["Overview", "Signs", "Why it happens", "What to do", "Prevention"], 3):
        sentences = [_sentence(rng, words, topic) for _ in range(rng.randint(4, 8))]
        paragraphs.append(f"## {heading}\n\n" + " ".join(sentences))
    bullets = "\n".join(f"- **{rng.choice(PRODUCTS)}**: {_sentence(rng, words, topic)}" for _ in range(3))
    return f"{title} explained.\n\n" + "\n\n".join(paragraphs) + "\n\n" + bullets


def _details(rng: random.Random, kind: str, topic: str, slugs: list[str]) -> dict:
    if kind == "complication":
        return {
            "severity": rng.choice(["minor", "moderate", "serious"]),
            "signs": rng.sample(COMPLICATIONS, 3),
            "expected_duration_hours": rng.choice([24, 48, 72, 168]),
            "causes": [rng.choice(["improper technique", "poor hygiene", "sun exposure", "needle depth"])],
            "prevention": rng.sample(slugs, min(2, len(slugs))) if slugs else [],
            "warning_signs": [
                {"sign": f"{topic} beyond 48 hours", "after_hours": 48, "action": "contact_practitioner"},
                {"sign": "fever or pus", "action": "seek_care_promptly"},
            ],
        }
    if kind == "technique":
        return {
            "phase": rng.choice(["before", "during", "after"]),
            "steps": [
                f"{rng.choice(['Check', 'Prepare', 'Adjust', 'Record'])} the {rng.choice(AREAS)}"
                for _ in range(rng.randint(2, 5))
            ],
            "rationale": f"Reduces the risk of {rng.choice(COMPLICATIONS).lower()}.",
        }
    return {
        "timing": {"starts_after_hours": rng.choice([0, 12, 24]), "lasts_days": rng.choice([1, 3, 7, 14])},
        "instructions": [
            {
                "type": rng.choice(["do", "avoid"]),
                "text": f"{rng.choice(PRODUCTS).capitalize()} on the {rng.choice(AREAS)}",
            }
            for _ in range(rng.randint(1, 4))
        ],
    }


def _title(rng: random.Random, kind: str) -> tuple[str, str]:
    """A title and its main topic word(s)."""
    procedure, area = rng.choice(PROCEDURES), rng.choice(AREAS)
    if kind == "complication":
        topic = rng.choice(COMPLICATIONS)
        pattern = rng.choice(
            [
                "{c}",
                "{c} after {p}",
                "{c} on the {a}",
                "Managing {c} after {p}",
                "Persistent {c} following {p}",
                "Delayed {c} of the {a}",
            ]
        )
        return pattern.format(c=topic.capitalize(), p=procedure, a=area), topic.lower()
    if kind == "technique":
        topic = rng.choice(TECHNIQUES)
        pattern = rng.choice(["{t}", "{t} for {p}", "{t} on the {a}"])
        return pattern.format(t=topic, p=procedure, a=area), topic.lower()
    topic = rng.choice(AFTERCARE)
    pattern = rng.choice(["{t}", "{t} after {p}", "{t}: {a}"])
    return pattern.format(t=topic, p=procedure, a=area), topic.lower()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def generate(n: int, seed: int = 42) -> Iterator[dict]:
    """Yield ``n`` entries as plain dicts (deterministic for a given seed)."""
    rng = random.Random(seed)
    words = _Words(random.Random(seed + 1))
    seen: dict[str, int] = {}
    recent: list[str] = []
    for i in range(n):
        kind = rng.choices(["complication", "technique", "aftercare"], weights=[4, 3, 3])[0]
        title, topic = _title(rng, kind)
        slug = slugify(title)
        seen[slug] = seen.get(slug, 0) + 1
        if seen[slug] > 1:
            slug = f"{slug}-{seen[slug]}"
        summary = " ".join(_sentence(rng, words, topic) for _ in range(rng.randint(1, 2)))
        tags = sorted({slugify(t) for t in (*rng.sample(v.TAGS, rng.randint(1, 4)), topic.split()[0])} - {""})
        yield {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "slug": slug,
            "kind": kind,
            "title": title,
            "summary": summary,
            "body": _body(rng, words, title, topic),
            "tags": tags,
            "locale": "en" if rng.random() < 0.9 else rng.choice(["fr", "de"]),
            "details": _details(rng, kind, topic, recent[-20:]),
        }
        if kind != "complication":
            recent.append(slug)
        del i


def write_import_file(entries: Iterable[dict], path: Path) -> Path:
    """Write ``entries`` as an NDJSON file for ``flask --app kb import``: published, ids kept."""
    with path.open("w", encoding="utf-8") as out:
        for entry in entries:
            content = {k: v for k, v in entry.items() if k != "id"}
            item = {
                "type": "entry",
                "id": entry.get("id"),
                "status": "published",
                "draft": content,
                "live": content,
            }
            out.write(json.dumps(item) + "\n")
    return path


def to_search_document(entry: dict) -> SearchDocument:
    """The search view of one generated (or API-shaped) entry."""
    entry_id = entry.get("id") or str(uuid.uuid5(uuid.NAMESPACE_URL, "kb:" + entry["slug"]))
    return SearchDocument(
        id=str(entry_id),
        slug=entry["slug"],
        kind=entry["kind"],
        title=entry["title"],
        summary=entry.get("summary", ""),
        tags=list(entry.get("tags", [])),
        locale=entry.get("locale", "en"),
        details=flatten_details(entry.get("details") or {}),
        body=entry.get("body", ""),
    )


def queries(n: int, seed: int = 7) -> list[str]:
    """Realistic search-box queries: 1-3 words, some typos, some phrases, some unfinished last words."""
    rng = random.Random(seed)
    pool = [w for w in _WORD_POOL if len(w) >= 3]
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.15:
            phrase = rng.choice(COMPLICATIONS + PROCEDURES + ["sun exposure", "needle depth"])
            out.append(f'"{phrase.lower()}"')
            continue
        picked = rng.sample(pool, rng.choices([1, 2, 3], weights=[5, 4, 2])[0])
        if r < 0.35:  # a typo in one word
            i = rng.randrange(len(picked))
            picked[i] = _typo(rng, picked[i])
        elif r < 0.55:  # still typing the last word
            last = picked[-1]
            picked[-1] = last[: max(2, rng.randint(2, len(last)))]
        out.append(" ".join(picked))
    return out


def prefixes(n: int, seed: int = 11) -> list[str]:
    """What a user has typed so far in the suggest box (1-12 chars, sometimes two words)."""
    rng = random.Random(seed)
    titles = [*PROCEDURES, *COMPLICATIONS, *TECHNIQUES, *AFTERCARE, *AREAS]
    out = []
    for _ in range(n):
        title = rng.choice(titles)
        cut = rng.choices([1, 2, 3, 4, 6, 8, 12], weights=[2, 3, 4, 4, 3, 2, 1])[0]
        text = title.lower()
        if " " in text and rng.random() < 0.3:
            start = text.index(" ") + 1
            text = text[start:]
        out.append(text[:cut])
    return out


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(["drop", "swap", "double"])
    if op == "drop":
        return word[:i] + word[i + 1 :]
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i] + word[i:]


_WORD_POOL = sorted(
    {
        w.lower()
        for phrase in PROCEDURES + COMPLICATIONS + AREAS + PRODUCTS + TECHNIQUES + AFTERCARE
        for w in re.findall(r"[a-zA-Z]+", phrase)
        if len(w) > 3
    }
    | set(v.DOMAIN_WORDS[:200])
)
