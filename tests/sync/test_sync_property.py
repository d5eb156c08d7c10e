"""The sync property: an app that stores the cursor ends with exactly the published content, whatever
publishes, edits, unpublishes, deletes and translations happen before and while it pages (hypothesis
draws the operations; the deterministic profile of tests/conftest.py makes every run draw the same)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.extensions import db
from kb.services.seeding import load_seed
from tests.conftest import ROOT, make_app
from tests.sync.support import Editor, OfflineApp, published, spanish, technique

NEW = ("cold-compress", "ice-pack", "zinc-cream")  # techniques made and translated here
SEEDED = ("infection", "bruising")  # seed entries the article and others name
ARTICLE = "/api/v1/admin/articles/microneedling-complications"
Op = tuple[Any, ...]

operations = st.one_of(
    st.tuples(
        st.just("publish"), st.sampled_from(NEW + SEEDED), st.integers(0, 3), st.sampled_from(NEW + SEEDED)
    ),
    st.tuples(st.just("unpublish"), st.sampled_from(NEW + SEEDED)),
    st.tuples(st.just("delete"), st.sampled_from(NEW + SEEDED)),
    st.tuples(st.just("translate"), st.sampled_from(NEW), st.integers(0, 3)),
    st.tuples(st.just("withdraw"), st.sampled_from(NEW)),
    st.tuples(st.just("article"), st.integers(0, 3)),
    st.tuples(st.just("page"), st.sampled_from([0, 1])),  # an app asks for one page (mid-way or later)
)


class World:
    """The content the operations act on, a model of what exists, and two apps (en and es)."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()
        self.auth = {}
        for role in ("editor", "publisher", "admin"):
            out = (
                app.test_cli_runner().invoke(args=["token", "create", "--name", role, "--role", role]).output
            )
            self.auth[role] = {"Authorization": f"Bearer {out.strip().splitlines()[-1]}"}
        self.editor = Editor(self.client, self.auth)
        self.exists, self.live, self.spanish = set(SEEDED), set(SEEDED), set()
        self.apps = [OfflineApp(self.client, "en", limit=2), OfflineApp(self.client, "es", limit=2)]

    def run(self, op: Op) -> None:
        name, *args = op
        getattr(self, f"_{name}")(*args)

    def _publish(self, slug: str, n: int, other: str) -> None:
        title = f"{slug.replace('-', ' ').title()} v{n}"
        related = [other] if other != slug and other in self.exists else []
        if slug not in self.exists:
            self.editor.create(technique(slug, title, related))
            self.exists.add(slug)
        elif slug in NEW:
            self.editor.edit(slug, title=title, related=related)
        else:
            self.editor.edit(slug, title=title)
        self.editor.publish(slug)
        self.live.add(slug)

    def _unpublish(self, slug: str) -> None:
        if slug in self.live:
            self.editor.unpublish(slug)
            self.live.discard(slug)
            self.spanish.discard(slug)  # a translation is served only over its live source

    def _delete(self, slug: str) -> None:
        if slug in self.exists:
            headers = self.auth["admin"] | {"If-Match": "*"}
            response = self.client.delete(f"/api/v1/admin/entries/{slug}", headers=headers)
            assert response.status_code in (204, 409), response.get_json()
            if response.status_code == 204:
                self.exists.discard(slug)
                self.live.discard(slug)
                self.spanish.discard(slug)

    def _translate(self, slug: str, n: int) -> None:
        if slug in self.live:
            self.editor.translate(slug, spanish(f"{slug} v{n}"))
            self.spanish.add(slug)

    def _withdraw(self, slug: str) -> None:
        if slug in self.spanish:
            self.editor.withdraw(slug)
            self.spanish.discard(slug)

    def _article(self, n: int) -> None:
        headers = self.auth["editor"] | {"If-Match": "*"}
        edited = self.client.patch(
            ARTICLE, json={"title": f"Microneedling complications v{n}"}, headers=headers
        )
        assert edited.status_code == 200, edited.get_json()
        published_ = self.client.post(
            f"{ARTICLE}/publish", headers=self.auth["publisher"] | {"If-Match": "*"}
        )
        assert published_.status_code == 200, published_.get_json()

    def _page(self, index: int) -> None:
        app = self.apps[index]
        app.apply(app.get(app.cursor))


def _fresh(tmp_path: Path, n: int) -> Flask:
    app = make_app(tmp_path / f"example-{n}")
    with app.app_context():
        load_seed(ROOT / "seed")
        db.session.remove()
    return app


def test_an_app_that_stores_the_cursor_ends_with_exactly_the_published_content(tmp_path: Path) -> None:
    examples = iter(range(10**6))

    @settings(max_examples=12)  # derandomized by the profile tests/conftest.py loads
    @given(before=st.lists(operations, max_size=6), after=st.lists(operations, min_size=1, max_size=12))
    def check(before: list[Op], after: list[Op]) -> None:
        world = World(_fresh(tmp_path, next(examples)))
        for op in before:
            world.run(op)
        for app in world.apps:
            app.sync()  # apps that synced once already, and then ...
        for op in after:  # ... more changes, with pages asked for in between (initial ones too)
            world.run(op)
        late = OfflineApp(world.client, "es", limit=1)  # one that starts now
        for app in [*world.apps, late]:
            app.sync()
            assert app.items == published(world.client, app.locale), (before, after, app.locale)
        for app in world.apps:  # and after one more round nothing is left to get
            app.sync()
            assert (app.received, app.dropped) == ([], [])

    check()
