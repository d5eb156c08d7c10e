"""The rebuild writer writes the same index as Whoosh's own writer: terms, posting blocks (as Whoosh
decodes them), term statistics, lengths, stored fields, columns and the vocabulary."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec

from benchmarks.corpus import generate, to_search_document
from kb.search.whoosh.fields import TEXT_FIELDS, index_fields, texts, to_fields
from kb.search.whoosh.lowlevel.writer import RebuildWriter, codec
from kb.search.whoosh.vocabulary import document_words
from tests.search.conftest import CORPUS, make_doc

ODD = [
    make_doc("empty", "aftercare", "Empty", "", "", (), ""),
    make_doc(
        "accents",
        "technique",
        "Crème Brûlée Ünïcode ÉTÉ",
        "Ça va, naïve café; the the the; e.g. 0.5 mg, x*y ~z",
        "# Heading\n\n**Bold** and `code` [link](http://x) " + "repeated words repeated " * 40,
        ("Tag, with comma", "ÉTÉ"),
        "phase before. steps: Check the cheek",
        locale="fr",
    ),
]


def _docs() -> list:
    return [*CORPUS, *ODD, *(to_search_document(e) for e in generate(120, seed=5))]


def _build(path: Path, w3: W3Codec, fast: bool) -> Counter:
    path.mkdir()
    ix = whoosh_index.create_in(str(path), index_fields())
    counts: Counter = Counter()
    writer = RebuildWriter(ix, on_words=counts.update, codec=w3) if fast else ix.writer(codec=w3)
    for doc in _docs():
        fields = to_fields(doc)
        writer.add_document(**fields)
        if not fast:
            counts.update(document_words(texts(fields)))
    writer.commit()
    return counts


def _blocks(matcher) -> list[tuple]:
    """Every posting block of a term as Whoosh decodes it: block info, ids, weights, values."""
    blocks = []
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        matcher._read_values()
        info = (matcher._blocklength, matcher._maxid, matcher._maxweight, matcher._compression)
        blocks.append((info, tuple(matcher._ids), tuple(matcher._weights), tuple(matcher._values)))
        matcher._next_block()
    return blocks


def _snapshot(path: Path) -> dict:
    ix = whoosh_index.open_dir(str(path))
    with ix.reader() as reader:
        (leaf, _offset), *rest = reader.leaf_readers()
        assert not rest
        terms = {}
        for field, btext in leaf.all_terms():
            info = leaf._terms.term_info(field, btext)
            stats = (info.weight(), info.doc_frequency(), info.max_weight(), info.min_id(), info.max_id())
            terms[(field, btext)] = (stats, _blocks(leaf.postings(field, btext)))
        docs = [
            (
                reader.stored_fields(d),
                [reader.doc_field_length(d, f) for f in TEXT_FIELDS],
                reader.column_reader("card")[d],
            )
            for d in range(reader.doc_count_all())
        ]
        totals = {f: reader.field_length(f) for f in TEXT_FIELDS}
    return {"terms": terms, "docs": docs, "totals": totals, "count": ix.doc_count()}


def _small_blocks() -> W3Codec:
    w3 = W3Codec(blocklimit=8, compression=3)
    w3.length_stats = False
    return w3


@pytest.mark.parametrize("w3", [codec(), _small_blocks()], ids=["tuned", "small-blocks"])
def test_rebuild_writer_writes_what_whoosh_writes(tmp_path, w3):
    whoosh_words = _build(tmp_path / "whoosh", w3, fast=False)
    fast_words = _build(tmp_path / "fast", w3, fast=True)
    expected, got = _snapshot(tmp_path / "whoosh"), _snapshot(tmp_path / "fast")
    assert got["count"] == expected["count"] == len(_docs())
    assert got["totals"] == expected["totals"]
    assert got["docs"] == expected["docs"]
    assert got["terms"].keys() == expected["terms"].keys()
    assert got["terms"] == expected["terms"]
    assert fast_words == whoosh_words
