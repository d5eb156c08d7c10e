"""Editing through the admin API: drafts, If-Match, validation, publishing, revisions."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from kb.extensions import db
from kb.models import Entry, Revision

E = "/api/v1/admin/entries"
Headers = dict[str, dict[str, str]]

NEW_ENTRY: dict[str, Any] = {
    "slug": "post-treatment-swelling",
    "kind": "complication",
    "title": "Post-Treatment Swelling",
    "summary": "Mild swelling for a day or two is common after microneedling.",
    "body": "Mild swelling usually settles within **48 hours**.",
    "tags": ["swelling", "microneedling"],
    "related": ["infection"],
    "details": {
        "severity": "minor",
        "signs": ["puffiness"],
        "expected_duration_hours": 48,
        "warning_signs": [
            {
                "sign": "swelling that grows after 48 hours",
                "after_hours": 48,
                "action": "contact_practitioner",
            }
        ],
    },
}


def read(client: FlaskClient, headers: dict[str, str], slug: str) -> tuple[dict[str, Any], str]:
    response = client.get(f"{E}/{slug}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json(), response.headers["ETag"]


def create(client: FlaskClient, headers: dict[str, str], body: dict[str, Any] | None = None) -> str:
    response = client.post(E, json=body or NEW_ENTRY, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.headers["ETag"]


def test_create_is_a_draft_not_public(client: FlaskClient, auth: Headers) -> None:
    response = client.post(E, json=NEW_ENTRY, headers=auth["editor"])
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"{E}/post-treatment-swelling")
    assert body["status"] == "draft"
    assert body["version"] == 1
    assert body["live_version"] is None
    assert body["has_unpublished_changes"] is True
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/entries/post-treatment-swelling").status_code == 404


def test_publish_makes_it_public_at_once(client: FlaskClient, auth: Headers) -> None:
    etag = create(client, auth["editor"])
    response = client.post(
        f"{E}/post-treatment-swelling/publish", headers={**auth["publisher"], "If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["live_version"] == 1
    public = client.get("/api/v1/entries/post-treatment-swelling")
    assert public.status_code == 200
    assert (
        public.get_json()["body_html"]
        == "<p>Mild swelling usually settles within <strong>48 hours</strong>.</p>\n"
    )


def test_editing_a_published_entry_changes_only_the_draft(client: FlaskClient, auth: Headers) -> None:
    entry, etag = read(client, auth["editor"], "bruising")
    response = client.patch(
        f"{E}/bruising", json={"title": "Bruising (revised)"}, headers={**auth["editor"], "If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()
    draft = response.get_json()
    assert draft["title"] == "Bruising (revised)"
    assert draft["version"] == entry["version"] + 1
    assert draft["has_unpublished_changes"] is True
    assert draft["summary"] == entry["summary"]  # PATCH leaves other fields alone
    assert client.get("/api/v1/entries/bruising").get_json()["title"] == "Bruising"
    publish = client.post(
        f"{E}/bruising/publish", headers={**auth["publisher"], "If-Match": response.headers["ETag"]}
    )
    assert publish.status_code == 200
    assert client.get("/api/v1/entries/bruising").get_json()["title"] == "Bruising (revised)"


def test_if_match_required_and_checked(client: FlaskClient, auth: Headers) -> None:
    _, etag = read(client, auth["editor"], "bruising")
    missing = client.patch(f"{E}/bruising", json={"title": "X"}, headers=auth["editor"])
    assert missing.status_code == 428
    assert missing.mimetype == "application/problem+json"
    first = client.patch(
        f"{E}/bruising", json={"title": "First"}, headers={**auth["editor"], "If-Match": etag}
    )
    assert first.status_code == 200
    stale = client.patch(
        f"{E}/bruising", json={"title": "Second"}, headers={**auth["editor"], "If-Match": etag}
    )
    assert stale.status_code == 412
    assert read(client, auth["editor"], "bruising")[0]["title"] == "First"
    for method, url in (
        ("DELETE", f"{E}/bruising"),
        ("POST", f"{E}/bruising/publish"),
        ("PUT", f"{E}/bruising"),
    ):
        assert (
            client.open(
                url, method=method, headers=auth["admin"], json=NEW_ENTRY | {"slug": "bruising"}
            ).status_code
            == 428
        ), (method, url)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "00000000-0000-0000-0000-000000000000"}, "id"),
        ({"version": 99}, "version"),
        ({"status": "published"}, "status"),
        ({"published_at": "2020-01-01T00:00:00Z"}, "published_at"),
        ({"created_at": "2020-01-01T00:00:00Z"}, "created_at"),
        ({"body_html": "<script>x</script>"}, "body_html"),
        ({"is_admin": True}, "is_admin"),
        ({"kind": "banana"}, "kind"),
        ({"details": {"severity": "apocalyptic"}}, "details"),
        ({"related": ["no-such-entry"]}, "related"),
        ({"tags": ["Not A Tag"]}, "tags"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"slug": "renamed"}, "slug"),
        ({"kind": "technique"}, "details"),  # bruising's details are not a technique's
    ],
)
def test_invalid_patch_is_422_and_changes_nothing(
    client: FlaskClient, auth: Headers, body: dict[str, Any], field: str
) -> None:
    before, etag = read(client, auth["editor"], "bruising")
    response = client.patch(f"{E}/bruising", json=body, headers={**auth["editor"], "If-Match": etag})
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert any(key.split(".")[0] == field for key in problem["errors"]), problem
    assert read(client, auth["editor"], "bruising")[0] == before


def test_mass_assignment_on_create_is_refused(client: FlaskClient, auth: Headers) -> None:
    for extra in ({"status": "published"}, {"version": 7}, {"id": "x"}, {"live_version": 3}):
        response = client.post(E, json=NEW_ENTRY | extra, headers=auth["editor"])
        assert response.status_code == 422, extra
    assert client.get(f"{E}/post-treatment-swelling", headers=auth["editor"]).status_code == 404


def test_duplicate_slug_is_409(client: FlaskClient, auth: Headers) -> None:
    create(client, auth["editor"])
    response = client.post(E, json=NEW_ENTRY, headers=auth["editor"])
    assert response.status_code == 409
    assert "slug" in response.get_json()["errors"]


def test_body_limits(client: FlaskClient, auth: Headers) -> None:
    huge = client.post(
        E,
        data=b'{"slug": "' + b"a" * (2 * 1024 * 1024) + b'"}',
        headers={**auth["editor"], "Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.mimetype == "application/problem+json"
    text = client.post(E, data="slug=x", headers={**auth["editor"], "Content-Type": "text/plain"})
    assert text.status_code == 415
    broken = client.post(E, data="{not json", headers={**auth["editor"], "Content-Type": "application/json"})
    assert broken.status_code in (400, 422)
    assert broken.mimetype == "application/problem+json"


def test_put_replaces_the_whole_draft(client: FlaskClient, auth: Headers) -> None:
    etag = create(client, auth["editor"])
    replacement = NEW_ENTRY | {"tags": [], "summary": "Replaced."}
    replacement.pop("slug")
    response = client.put(
        f"{E}/post-treatment-swelling", json=replacement, headers={**auth["editor"], "If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["tags"] == []
    incomplete = client.put(
        f"{E}/post-treatment-swelling",
        json={"title": "Only a title"},
        headers={**auth["editor"], "If-Match": response.headers["ETag"]},
    )
    assert incomplete.status_code == 422


def test_unpublish_archive_and_delete(client: FlaskClient, auth: Headers) -> None:
    response = client.post(f"{E}/bruising/unpublish", headers=auth["publisher"])
    assert response.status_code == 200
    assert response.get_json()["status"] == "draft"
    assert client.get("/api/v1/entries/bruising").status_code == 404
    archived = client.post(f"{E}/infection/archive", headers=auth["publisher"])
    assert archived.get_json()["status"] == "archived"
    assert client.get("/api/v1/entries/infection").status_code == 404
    listed = client.get(f"{E}?status=archived", headers=auth["editor"]).get_json()["data"]
    assert [e["slug"] for e in listed] == ["infection"]
    etag = create(client, auth["editor"])
    published = client.post(
        f"{E}/post-treatment-swelling/publish", headers={**auth["publisher"], "If-Match": etag}
    )
    deleted = client.delete(
        f"{E}/post-treatment-swelling", headers={**auth["admin"], "If-Match": published.headers["ETag"]}
    )
    assert deleted.status_code == 204
    assert client.get(f"{E}/post-treatment-swelling", headers=auth["admin"]).status_code == 404
    assert client.get("/api/v1/entries/post-treatment-swelling").status_code == 404


def test_deleting_referenced_entry_is_409(client: FlaskClient, auth: Headers) -> None:
    _, etag = read(client, auth["admin"], "persistent-pain")
    response = client.delete(f"{E}/persistent-pain", headers={**auth["admin"], "If-Match": etag})
    assert response.status_code == 409
    referrers = response.get_json()["errors"]["referenced_by"]
    assert "article:microneedling-complications" in referrers
    assert "entry:infection" in referrers
    assert client.get("/api/v1/entries/persistent-pain").status_code == 200


def test_revisions_list_get_restore(client: FlaskClient, auth: Headers) -> None:
    etag = create(client, auth["editor"])
    second = client.patch(
        f"{E}/post-treatment-swelling?message=shorter+title",
        json={"title": "Swelling"},
        headers={**auth["editor"], "If-Match": etag},
    )
    revisions = client.get(f"{E}/post-treatment-swelling/revisions", headers=auth["editor"]).get_json()
    assert [r["number"] for r in revisions["data"]] == [2, 1]
    assert revisions["data"][0]["message"] == "shorter title"
    assert revisions["data"][0]["author"] == "test-editor"
    first = client.get(f"{E}/post-treatment-swelling/revisions/1", headers=auth["editor"]).get_json()
    assert first["snapshot"]["title"] == "Post-Treatment Swelling"
    restored = client.post(
        f"{E}/post-treatment-swelling/revisions/1/restore",
        headers={**auth["editor"], "If-Match": second.headers["ETag"]},
    )
    assert restored.status_code == 200, restored.get_json()
    assert restored.get_json()["title"] == "Post-Treatment Swelling"
    assert restored.get_json()["version"] == 3
    assert client.get(f"{E}/post-treatment-swelling/revisions/9", headers=auth["editor"]).status_code == 404


def test_restore_a_revision_holding_dates(client: FlaskClient, auth: Headers) -> None:
    """A snapshot keeps dates as JSON strings; restoring one is a save, not a 500."""
    snapshot = client.get(f"{E}/bruising/revisions/1", headers=auth["editor"]).get_json()["snapshot"]
    assert snapshot["last_reviewed"]  # the seed entry has review dates
    etag = read(client, auth["editor"], "bruising")[1]
    changed = client.patch(
        f"{E}/bruising", json={"last_reviewed": "2020-01-02"}, headers={**auth["editor"], "If-Match": etag}
    )
    restored = client.post(
        f"{E}/bruising/revisions/1/restore", headers={**auth["editor"], "If-Match": changed.headers["ETag"]}
    )
    assert restored.status_code == 200, restored.get_json()
    assert restored.get_json()["last_reviewed"] == snapshot["last_reviewed"]


def test_admin_list_filters(client: FlaskClient, auth: Headers) -> None:
    create(client, auth["editor"])
    drafts = client.get(f"{E}?status=draft", headers=auth["editor"]).get_json()
    assert [e["slug"] for e in drafts["data"]] == ["post-treatment-swelling"]
    by_tag = client.get(f"{E}?tag=swelling&per_page=100", headers=auth["editor"]).get_json()["data"]
    assert "post-treatment-swelling" in {e["slug"] for e in by_tag}
    assert all("swelling" in e["tags"] for e in by_tag)
    by_q = client.get(f"{E}?q=BRUIS", headers=auth["editor"]).get_json()["data"]
    assert [e["slug"] for e in by_q] == ["bruising"]
    techniques = client.get(f"{E}?kind=technique&per_page=100", headers=auth["editor"]).get_json()["data"]
    assert {e["kind"] for e in techniques} == {"technique"}


def test_review_due(client: FlaskClient, auth: Headers) -> None:
    etag = create(client, auth["editor"], NEW_ENTRY | {"next_review_due": "2001-01-01"})
    assert etag
    due = client.get("/api/v1/admin/review-due?per_page=100", headers=auth["editor"]).get_json()["data"]
    # The seed's Spanish translations await clinical review (due on the day they were written).
    assert [e["slug"] for e in due if e["locale"] == "en"] == ["post-treatment-swelling"]
    assert due[0]["slug"] == "post-treatment-swelling"
    within = client.get("/api/v1/admin/review-due?days=3650", headers=auth["editor"]).get_json()["data"]
    assert len(within) > 1


def test_restoring_a_revision_from_before_procedures_keeps_them(
    app: Flask, client: FlaskClient, auth: Headers
) -> None:
    """A revision saved before the procedures migration has no ``procedures`` in its snapshot: restoring
    it keeps the draft's procedures (a snapshot that has the key still restores what it holds)."""
    with app.app_context():  # revision 1 as the migration left it: saved before procedures existed
        old = db.session.scalar(
            sa.select(Revision)
            .join(Entry, Entry.id == Revision.object_id)
            .where(Revision.object_type == "entry", Entry.slug == "bruising", Revision.number == 1)
        )
        old.snapshot = {k: v for k, v in old.snapshot.items() if k != "procedures"}
        db.session.commit()
    etag = read(client, auth["editor"], "bruising")[1]
    changed = client.patch(
        f"{E}/bruising", json={"title": "Bruises"}, headers={**auth["editor"], "If-Match": etag}
    )
    assert changed.status_code == 200, changed.get_json()
    restored = client.post(
        f"{E}/bruising/revisions/1/restore", headers={**auth["editor"], "If-Match": changed.headers["ETag"]}
    )
    assert restored.status_code == 200, restored.get_json()
    assert restored.get_json()["title"] == "Bruising"
    assert restored.get_json()["procedures"] == ["microneedling"]
    cleared = client.patch(
        f"{E}/bruising",
        json={"procedures": []},
        headers={**auth["editor"], "If-Match": restored.headers["ETag"]},
    )
    again = client.post(
        f"{E}/bruising/revisions/3/restore", headers={**auth["editor"], "If-Match": cleared.headers["ETag"]}
    )
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["procedures"] == ["microneedling"]  # revision 3 has the key: restored as is
