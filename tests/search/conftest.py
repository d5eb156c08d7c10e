"""Fixtures for the search backend contract suite.

``backend`` is parametrized over backend factories: every backend (Whoosh, PostgreSQL) must pass the
same tests (tests/search/test_contract.py), written only against :class:`kb.search.SearchBackend`;
``common/``, ``whoosh/`` and ``postgres/`` hold the tests of each part of kb/search/. A factory takes
a ``store`` (here a directory) so a test can open a second instance on the same index.
"""

from __future__ import annotations

import atexit
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from kb.search import SearchBackend, SearchDocument, SearchSection, get_backend_class

ROOT = Path(__file__).resolve().parents[2]
SYNONYMS = ROOT / "seed" / "synonyms.txt"


def make_doc(
    slug: str,
    kind: str,
    title: str,
    summary: str = "",
    body: str = "",
    tags: tuple = (),
    details: str = "",
    locale: str = "en",
) -> SearchDocument:
    return SearchDocument(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"kb-test:{slug}:{locale}")),
        slug=slug,
        kind=kind,
        title=title,
        summary=summary,
        tags=list(tags),
        locale=locale,
        details=details,
        body=body,
    )


CORPUS = [
    make_doc(
        "excessive-redness",
        "complication",
        "Excessive Redness",
        "Redness after treatment is normal, but redness that persists beyond 48 hours or intensifies "
        "may indicate an adverse reaction.",
        "Post-treatment redness is a typical response as the skin heals from micro-injuries.",
        ("redness",),
        "severity moderate. expected duration 48 hours. contact practitioner",
    ),
    make_doc(
        "bruising",
        "complication",
        "Bruising",
        "Minor bruises are generally harmless and fade quickly; extensive bruising could signal "
        "improper technique or deeper tissue damage.",
        "Bruising can occur due to the tiny needles penetrating the skin.",
        ("bruising",),
    ),
    make_doc(
        "infection",
        "complication",
        "Infection",
        "Bacteria can enter the micro-channels if hygiene is poor. Signs include increased swelling, "
        "pus formation or fever.",
        "Infection is a potential complication when proper hygiene practices are not followed.",
        ("infection",),
        "warning signs: fever, pus. seek care promptly",
    ),
    make_doc(
        "persistent-pain",
        "complication",
        "Persistent Pain",
        "Pain beyond normal discomfort levels is a reason to consult your healthcare provider.",
        "Some tenderness is expected for a day.",
        ("pain",),
    ),
    make_doc(
        "pre-treatment-consultation",
        "technique",
        "Pre-Treatment Consultation",
        "A thorough consultation assesses skin type and medical history before treatment.",
        "This step helps tailor the procedure and identifies pre-existing conditions.",
        ("consultation", "planning"),
        "phase before",
    ),
    make_doc(
        "sterile-equipment-and-protocols",
        "technique",
        "Sterile Equipment and Protocols",
        "A qualified professional uses sterile equipment and follows established protocols.",
        "Sterile single-use cartridges reduce the risk of infection.",
        ("hygiene",),
        "phase during",
    ),
    make_doc(
        "needle-depth-adjustment",
        "technique",
        "Needle Depth Adjustment",
        "Needle depth is adjusted to individual needs; deeper penetration may help scars.",
        "Deeper penetration could increase risks if not handled correctly.",
        ("technique",),
    ),
    make_doc(
        "avoid-sun-exposure",
        "aftercare",
        "Avoid Sun Exposure",
        "Avoid sun exposure immediately following treatment.",
        "Stay out of direct sunlight and UV light while the skin heals.",
        ("sun-protection", "aftercare"),
    ),
    make_doc(
        "avoid-harsh-skincare-products",
        "aftercare",
        "Avoid Harsh Skincare Products",
        "Refrain from harsh skincare products until the skin has fully healed, typically one week.",
        "Retinoids and acids can irritate healing skin.",
        ("skincare", "aftercare"),
    ),
    make_doc(
        "when-to-seek-professional-help",
        "aftercare",
        "When to Seek Professional Help",
        "Severe side effects such as persistent pain or signs of infection need prompt care.",
        "Fever after treatment is a warning sign: contact your healthcare provider promptly.",
        ("warning-signs", "aftercare"),
    ),
    # fillers
    make_doc(
        "smelling-salts",
        "technique",
        "Smelling Salts for Fainting Patients",
        "Keep smelling salts nearby in case a patient feels faint.",
        "A rare event in clinics.",
    ),
    make_doc(
        "clinic-opening-hours",
        "aftercare",
        "Clinic Opening Hours",
        "Our clinic is open on weekdays.",
        "Call reception to book a follow-up appointment.",
    ),
    make_doc(
        "laser-hair-removal",
        "technique",
        "Laser Hair Removal Basics",
        "Laser hair removal targets follicles with light energy.",
        "Shave the area the day before your session.",
        ("laser",),
        locale="fr",
    ),
]


# An article: three sections, the word "infection" in the heading of the 2nd and the body of the 3rd.
SECTIONS = (
    SearchSection("Common Complications", "common-complications", "Redness and **bruising** are usual."),
    SearchSection("Risk of Infection", "risk-of-infection", "Poor hygiene lets bacteria into the skin."),
    SearchSection("Aftercare at Home", "aftercare-at-home", "Keep the skin clean; infection is rare."),
)
ARTICLE = SearchDocument(
    id=str(uuid.uuid5(uuid.NAMESPACE_URL, "kb-test:article:zygomatic-guide")),
    slug="zygomatic-guide",
    kind="",
    type="article",
    title="Zygomatic Microneedling Guide",
    summary="What to expect from a zygomatic session.",
    tags=["guide", "hygiene"],
    locale="en",
    details="",
    body="\n\n".join(f"{s.heading}\n\n{s.body}" for s in SECTIONS),
    sections=SECTIONS,
)


def _whoosh(store: Path, **options) -> SearchBackend:
    options.setdefault("synonyms_path", str(SYNONYMS))
    return get_backend_class("whoosh")(store, **options)


_PG_SCHEMAS: dict[Path, str] = {}


def _postgres(store: Path, **options) -> SearchBackend:
    """PostgreSQL at KB_TEST_DATABASE_URL (skipped when unset). Each store is a schema of its own,
    created empty on first use and dropped when the test process exits."""
    url = os.environ.get("KB_TEST_DATABASE_URL")
    if not url:
        pytest.skip("KB_TEST_DATABASE_URL is not set: no PostgreSQL database to test the postgres backend on")
    options.setdefault("synonyms_path", str(SYNONYMS))
    first = store not in _PG_SCHEMAS
    schema = _PG_SCHEMAS.setdefault(store, f"kb_search_test_{uuid.uuid4().hex[:16]}")
    backend = get_backend_class("postgres")(url, schema=schema, **options)
    if first:
        backend.ensure_schema()
        atexit.register(get_backend_class("postgres")(url, schema=schema).drop_schema)
    return backend


FACTORIES: dict[str, Callable[..., SearchBackend]] = {"whoosh": _whoosh, "postgres": _postgres}


@pytest.fixture(params=sorted(FACTORIES))
def backend_factory(request, tmp_path) -> Callable[..., SearchBackend]:
    """Opens backends of one kind on one shared store: ``backend_factory(**options)``."""
    factory = FACTORIES[request.param]
    store = tmp_path / "index"
    opened: list[SearchBackend] = []

    def open_backend(**options) -> SearchBackend:
        backend = factory(store, **options)
        opened.append(backend)
        return backend

    open_backend.kind = request.param  # type: ignore[attr-defined]
    open_backend.store = store  # type: ignore[attr-defined]
    yield open_backend
    for backend in opened:
        backend.close()


@pytest.fixture
def empty_backend(backend_factory) -> SearchBackend:
    return backend_factory(lock_timeout=0.5)


@pytest.fixture(scope="module", params=sorted(FACTORIES))
def corpus_backend(request, tmp_path_factory) -> SearchBackend:
    """A backend holding CORPUS, shared by a module's read-only tests (never write to it)."""
    b = FACTORIES[request.param](tmp_path_factory.mktemp("corpus") / "index", lock_timeout=0.5)
    b.rebuild(CORPUS)
    yield b
    b.close()


@pytest.fixture
def backend(backend_factory) -> SearchBackend:
    """A backend holding CORPUS, rebuilt for this test (which may change it)."""
    b = backend_factory(lock_timeout=0.5)
    b.rebuild(CORPUS)
    return b
