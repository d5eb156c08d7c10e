"""The card file of a rebuilt segment (kb.search.whoosh.cards): mapped, and answering exactly as the
cards and title suggester built in memory from the ``card`` column do, before and after updates."""

from __future__ import annotations

import dataclasses
import random
import shutil

from benchmarks.corpus import generate, prefixes, queries, to_search_document
from kb.search.whoosh import cards
from kb.search.whoosh.backend import WhooshBackend
from tests.search.conftest import CORPUS, SYNONYMS, make_doc


def _docs() -> list:
    rng = random.Random(3)
    docs = [*CORPUS, *(to_search_document(e) for e in generate(400, seed=17))]
    for i in rng.sample(range(len(docs)), 120):  # procedures, for the procedure filter
        docs[i] = dataclasses.replace(docs[i], procedures=tuple(rng.sample(["micro", "peel", "laser"], 2)))
    # titles that tie on length and folding (ranked by slug, then docnum) and short ones
    docs += [make_doc(f"sun-{n}", "aftercare", title) for n, title in enumerate(["Sun", "sun", "SUN", "Su"])]
    docs += [make_doc("sun-de", "aftercare", "Sun", locale="de"), make_doc("blank", "aftercare", "...")]
    return docs


def _answers(backend: WhooshBackend) -> list:
    out: list = []
    for q in [*queries(40, seed=3), "sun", "sun exp", "redness swelling", '"sun exposure"']:
        for params in ({}, {"kind": "complication"}, {"tag": "redness"}, {"type": "entry", "page": 2}):
            result = backend.search(q, per_page=30, **params)
            out.append((result.total, [(h.slug, h.score, h.highlights) for h in result.hits], result.facets))
        for params in ({"locale": "en"}, {"locale": ("de", "fr")}, {"procedure": "peel"}):
            result = backend.search(q, **params)
            out.append((result.total, [h.slug for h in result.hits], result.facets))
    for prefix in [*prefixes(40, seed=2), "s", "su", "sun", "sun e", "a", "re", "x"]:
        for params in ({}, {"limit": 3}, {"locale": "en"}, {"locale": ["de"]}, {"procedure": "micro"}):
            out.append(backend.suggest(prefix, **params))
    snapshot = backend._require()
    out += [snapshot.suggester.complete_word(p) for p in ("su", "re", "in", "a", "sunb", "zz")]
    out += [sorted(snapshot.languages), backend.ids(), backend.health()["documents"]]
    return out


def _without_card_files(tmp_path, name: str) -> WhooshBackend:
    shutil.copytree(tmp_path / "live", tmp_path / name, ignore=shutil.ignore_patterns("*" + cards.EXT))
    return WhooshBackend(tmp_path / name, synonyms_path=str(SYNONYMS))


def test_mapped_cards_answer_as_the_cards_built_in_memory(tmp_path):
    docs = _docs()
    backend = WhooshBackend(tmp_path / "live", synonyms_path=str(SYNONYMS))
    backend.rebuild(docs)
    assert len(list((tmp_path / "live").glob("gen-*/*" + cards.EXT))) == 1
    snapshot = backend._require()
    assert isinstance(snapshot.cards.codes["kind"], memoryview)  # read in place from the map
    assert len(snapshot.suggester.parts) == 1
    assert isinstance(snapshot.suggester.parts[0].arrays.docs, memoryview)
    plain = _without_card_files(tmp_path, "plain")
    assert not isinstance(plain._require().cards.codes["kind"], memoryview)
    assert _answers(backend) == _answers(plain)

    # updates (new titles that rank among the mapped ones) and deletions in the mapped segment
    changed = [
        dataclasses.replace(docs[3], title="Sun"),
        dataclasses.replace(docs[40], title="Sunburn relief", procedures=("peel",)),
        make_doc("sun-new", "aftercare", "Sun", locale="de"),
        make_doc("sunny", "complication", "Sunny redness swelling", tags=("redness",)),
    ]
    backend.index(changed)
    backend.remove([docs[1].id, docs[-6].id, docs[-3].id])
    snapshot = backend._require()
    parts = snapshot.suggester.parts
    assert len(parts) == 2
    assert parts[0].excluded
    assert isinstance(parts[0].arrays.docs, memoryview)
    assert snapshot.suggester.complete_word("sunb") == ["sunburn"]
    suns = [s.slug for s in backend.suggest("sun", limit=20)]
    assert {"sun-new", "persistent-pain", "sun-1"} <= set(suns)
    assert "sun-0" not in suns  # removed
    after = _without_card_files(tmp_path, "plain-after")
    assert len(after._require().suggester.parts) == 1
    assert _answers(backend) == _answers(after)
