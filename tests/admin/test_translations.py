"""Editing translations over HTTP: one locale at a time, text only, its own publish state, stale marking."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

E = "/api/v1/admin/entries"
Headers = dict[str, dict[str, str]]

SWELLING: dict[str, Any] = {
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
SWELLING_ES: dict[str, Any] = {
    "title": "Hinchazón tras el tratamiento",
    "summary": "Es habitual una hinchazón leve durante uno o dos días tras la micropunción.",
    "body": "La hinchazón leve suele remitir en **48 horas**.",
    "details": {
        "signs": ["abotargamiento"],
        "causes": [],
        "warning_signs": [{"sign": "hinchazón que aumenta pasadas 48 horas"}],
    },
}
TR = f"{E}/post-treatment-swelling/translations/es"


def live_swelling(client: FlaskClient, auth: Headers) -> None:
    """Create and publish the English source."""
    response = client.post(E, json=SWELLING, headers=auth["editor"])
    assert response.status_code == 201, response.get_json()
    published = client.post(
        f"{E}/post-treatment-swelling/publish",
        headers=auth["publisher"] | {"If-Match": response.headers["ETag"]},
    )
    assert published.status_code == 200, published.get_json()


def create_es(client: FlaskClient, auth: Headers, body: dict[str, Any] | None = None) -> str:
    response = client.put(TR, json=body or SWELLING_ES, headers=auth["editor"])
    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"].endswith("/post-treatment-swelling/translations/es")
    return response.headers["ETag"]


def public(client: FlaskClient, locale: str, slug: str = "post-treatment-swelling") -> dict[str, Any]:
    response = client.get(f"/api/v1/entries/{slug}?locale={locale}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_create_is_a_draft_that_never_shows(client: FlaskClient, auth: Headers) -> None:
    live_swelling(client, auth)
    create_es(client, auth)
    draft = client.get(TR, headers=auth["editor"]).get_json()
    assert draft["status"] == "draft"
    assert draft["live_version"] is None
    assert draft["stale"] is False
    assert draft["source_locale"] == "en"
    assert draft["source_version"] == 1
    served = public(client, "es")
    assert served["locale"] == "en"
    assert served["title"] == SWELLING["title"]
    assert served["translations"] == [{"locale": "en", "version": 1, "stale": False}]
    none = client.get("/api/v1/entries/post-treatment-swelling?locale=es&fallback=none")
    assert none.status_code == 404


def test_publish_one_locale_leaves_the_others_untouched(client: FlaskClient, auth: Headers) -> None:
    live_swelling(client, auth)
    etag = create_es(client, auth)
    english_before = public(client, "en")
    response = client.post(f"{TR}/publish", headers=auth["publisher"] | {"If-Match": etag})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "published"
    served = public(client, "es")
    assert served["locale"] == "es"
    assert served["title"] == SWELLING_ES["title"]
    # Structure comes from the source: the Spanish warning sign has the English hours and action.
    assert served["details"]["warning_signs"] == [
        {
            "id": "swelling-that-grows-after-48-hours",
            "sign": "hinchazón que aumenta pasadas 48 horas",
            "from_hours": 48,
            "action": "contact_practitioner",
        }
    ]
    assert served["details"]["severity"] == "minor"
    assert served["details"]["expected_duration_hours"] == 48
    assert served["tags"] == SWELLING["tags"]
    assert served["related"] == SWELLING["related"]
    assert "<strong>48 horas</strong>" in served["body_html"]
    english_after = public(client, "en")
    assert {k: v for k, v in english_after.items() if k != "translations"} == {
        k: v for k, v in english_before.items() if k != "translations"
    }
    assert english_after["translations"] == [
        {"locale": "en", "version": 1, "stale": False},
        {"locale": "es", "version": 1, "stale": False},
    ]
    # Unpublishing Spanish leaves English as it was, and Spanish readers fall back to it.
    assert client.post(f"{TR}/unpublish", headers=auth["publisher"]).status_code == 200
    assert public(client, "en") == english_before
    assert public(client, "es")["locale"] == "en"


def test_structure_cannot_diverge(client: FlaskClient, auth: Headers) -> None:
    live_swelling(client, auth)
    seventy_two = {"sign": "hinchazón que aumenta pasadas 72 horas", "after_hours": 72}
    cases = [
        (
            {"details": {**SWELLING_ES["details"], "warning_signs": [seventy_two]}},
            "details.warning_signs[0].after_hours",
        ),
        ({"details": {**SWELLING_ES["details"], "severity": "serious"}}, "details.severity"),
        (
            {"details": {**SWELLING_ES["details"], "expected_duration_hours": 72}},
            "details.expected_duration_hours",
        ),
        ({"kind": "technique"}, "kind"),
        ({"tags": ["hinchazon"]}, "tags"),
        ({"related": []}, "related"),
        ({"details": {**SWELLING_ES["details"], "signs": ["a", "b"]}}, "details.signs"),
        ({"version": 3}, "version"),
    ]
    for change, field in cases:
        response = client.put(TR, json=SWELLING_ES | change, headers=auth["editor"])
        assert response.status_code == 422, (field, response.get_json())
        assert field in response.get_json()["errors"], (field, response.get_json())
    missing = {k: v for k, v in SWELLING_ES.items() if k != "body"}
    assert "body" in client.put(TR, json=missing, headers=auth["editor"]).get_json()["errors"]
    etag = create_es(client, auth)
    bad = client.patch(
        TR, json={"details": {"warning_signs": [{"sign": "x", "action": "self_care"}]}},
        headers=auth["editor"] | {"If-Match": etag},
    )  # fmt: skip
    assert bad.status_code == 422
    assert "details.warning_signs[0].action" in bad.get_json()["errors"]
    assert client.get(TR, headers=auth["editor"]).headers["ETag"] == etag  # nothing was saved


def test_patch_needs_if_match_and_merges_text(client: FlaskClient, auth: Headers) -> None:
    live_swelling(client, auth)
    etag = create_es(client, auth)
    assert client.patch(TR, json={"title": "Hinchazón"}, headers=auth["editor"]).status_code == 428
    assert (
        client.patch(
            TR, json={"title": "Hinchazón"}, headers=auth["editor"] | {"If-Match": '"nope"'}
        ).status_code
        == 412
    )
    response = client.patch(
        TR,
        json={"title": "Hinchazón", "details": {"signs": ["edema leve"]}},
        headers=auth["editor"] | {"If-Match": etag},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == "Hinchazón"
    assert body["version"] == 2
    assert body["details"]["signs"] == ["edema leve"]
    assert body["details"]["warning_signs"] == SWELLING_ES["details"]["warning_signs"]
    assert response.headers["ETag"] != etag


def test_locales_are_checked(client: FlaskClient, auth: Headers) -> None:
    live_swelling(client, auth)
    unknown = client.put(
        f"{E}/post-treatment-swelling/translations/fr", json=SWELLING_ES, headers=auth["editor"]
    )
    assert unknown.status_code == 400
    assert "en, es" in unknown.get_json()["detail"]
    source = client.put(
        f"{E}/post-treatment-swelling/translations/en", json=SWELLING_ES, headers=auth["editor"]
    )
    assert source.status_code == 409
    assert client.get(f"{E}/nope/translations/es", headers=auth["editor"]).status_code == 404
    assert client.get(TR, headers=auth["editor"]).status_code == 404


def test_stale_when_the_source_moves_on(client: FlaskClient, auth: Headers) -> None:
    live_swelling(client, auth)
    etag = create_es(client, auth)
    assert client.post(f"{TR}/publish", headers=auth["publisher"] | {"If-Match": etag}).status_code == 200
    todo = client.get("/api/v1/admin/translations?status=stale", headers=auth["editor"]).get_json()
    assert todo["data"] == []
    source = client.get(f"{E}/post-treatment-swelling", headers=auth["editor"])
    edited = client.patch(
        f"{E}/post-treatment-swelling",
        json={"summary": "Mild swelling for one or two days is common."},
        headers=auth["editor"] | {"If-Match": source.headers["ETag"]},
    )
    assert edited.status_code == 200
    client.post(
        f"{E}/post-treatment-swelling/publish",
        headers=auth["publisher"] | {"If-Match": edited.headers["ETag"]},
    )
    draft = client.get(TR, headers=auth["editor"])
    assert draft.get_json()["stale"] is True
    assert draft.get_json()["source_current_version"] == 2
    todo = client.get("/api/v1/admin/translations?status=stale", headers=auth["editor"]).get_json()
    assert [(r["slug"], r["locale"]) for r in todo["data"]] == [("post-treatment-swelling", "es")]
    # Still served (same structure), and the listing says it is behind.
    served = public(client, "es")
    assert served["locale"] == "es"
    assert {"locale": "es", "version": 1, "stale": True} in served["translations"]
    # The translator updates the text and says which source version it now translates.
    updated = client.patch(
        TR,
        json={"summary": "Es habitual una hinchazón leve durante uno o dos días.", "source_version": 2},
        headers=auth["editor"] | {"If-Match": draft.headers["ETag"]},
    )
    assert updated.status_code == 200
    assert updated.get_json()["stale"] is False
    assert (
        client.get("/api/v1/admin/translations?status=stale", headers=auth["editor"]).get_json()["data"] == []
    )
    too_new = client.patch(
        TR, json={"source_version": 3}, headers=auth["editor"] | {"If-Match": updated.headers["ETag"]}
    )
    assert too_new.status_code == 422
    assert "source_version" in too_new.get_json()["errors"]


def test_a_source_structure_change_withdraws_what_no_longer_fits(client: FlaskClient, auth: Headers) -> None:
    live_swelling(client, auth)
    etag = create_es(client, auth)
    client.post(f"{TR}/publish", headers=auth["publisher"] | {"If-Match": etag})
    cursor = client.get("/api/v1/changes?locale=es").get_json()["next_cursor"]
    source = client.get(f"{E}/post-treatment-swelling", headers=auth["editor"])
    details = {**SWELLING["details"], "signs": ["puffiness", "tightness"]}
    edited = client.patch(
        f"{E}/post-treatment-swelling",
        json={"details": details},
        headers=auth["editor"] | {"If-Match": source.headers["ETag"]},
    )
    # The Spanish draft no longer fits the source's draft: publishing it is refused until updated.
    assert client.get(TR, headers=auth["editor"]).status_code == 200
    published = client.post(
        f"{E}/post-treatment-swelling/publish",
        headers=auth["publisher"] | {"If-Match": edited.headers["ETag"]},
    )
    assert published.status_code == 200
    served = public(client, "es")
    assert served["locale"] == "en"
    assert served["details"]["signs"] == ["puffiness", "tightness"]
    feed = client.get(f"/api/v1/changes?locale=es&since={cursor}").get_json()["data"]
    assert [(c["locale"], c["change"]) for c in feed] == [("en", "upsert"), ("es", "remove")]
    draft = client.get(TR, headers=auth["editor"])
    assert draft.get_json()["status"] == "draft"
    refused = client.post(f"{TR}/publish", headers=auth["publisher"] | {"If-Match": draft.headers["ETag"]})
    assert refused.status_code == 409
    fixed = client.patch(
        TR,
        json={"details": {"signs": ["abotargamiento", "tirantez"]}, "source_version": 2},
        headers=auth["editor"] | {"If-Match": draft.headers["ETag"]},
    )
    assert fixed.status_code == 200, fixed.get_json()
    assert (
        client.post(
            f"{TR}/publish", headers=auth["publisher"] | {"If-Match": fixed.headers["ETag"]}
        ).status_code
        == 200
    )
    assert public(client, "es")["details"]["signs"] == ["abotargamiento", "tirantez"]


def test_publishing_needs_the_source_live(client: FlaskClient, auth: Headers) -> None:
    assert client.post(E, json=SWELLING, headers=auth["editor"]).status_code == 201
    etag = create_es(client, auth)
    response = client.post(f"{TR}/publish", headers=auth["publisher"] | {"If-Match": etag})
    assert response.status_code == 409
    assert "source" in response.get_json()["detail"]


def test_revisions_and_restore(client: FlaskClient, auth: Headers) -> None:
    live_swelling(client, auth)
    etag = create_es(client, auth)
    second = client.patch(TR, json={"title": "Hinchazón"}, headers=auth["editor"] | {"If-Match": etag})
    revisions = client.get(f"{TR}/revisions", headers=auth["editor"]).get_json()["data"]
    assert [r["number"] for r in revisions] == [2, 1]
    first = client.get(f"{TR}/revisions/1", headers=auth["editor"]).get_json()
    assert first["snapshot"]["title"] == SWELLING_ES["title"]
    restored = client.post(
        f"{TR}/revisions/1/restore", headers=auth["editor"] | {"If-Match": second.headers["ETag"]}
    )
    assert restored.status_code == 200, restored.get_json()
    assert restored.get_json()["title"] == SWELLING_ES["title"]
    assert restored.get_json()["version"] == 3
    # The English source's revisions are its own.
    english = client.get(f"{E}/post-treatment-swelling/revisions", headers=auth["editor"]).get_json()["data"]
    assert [r["number"] for r in english] == [1]


def test_missing_translations_are_listed(client: FlaskClient, auth: Headers) -> None:
    live_swelling(client, auth)
    missing = client.get(
        "/api/v1/admin/translations?status=missing&locale=es", headers=auth["editor"]
    ).get_json()
    assert [(r["type"], r["slug"]) for r in missing["data"]] == [("entry", "post-treatment-swelling")]
    overview = client.get(f"{E}/post-treatment-swelling/translations", headers=auth["editor"]).get_json()[
        "data"
    ]
    assert [(r["locale"], r["status"]) for r in overview] == [("en", "published"), ("es", "missing")]
    create_es(client, auth)
    assert (
        client.get("/api/v1/admin/translations?status=missing", headers=auth["editor"]).get_json()["data"]
        == []
    )
    drafts = client.get("/api/v1/admin/translations?status=draft", headers=auth["editor"]).get_json()["data"]
    assert [r["slug"] for r in drafts] == ["post-treatment-swelling"]
    assert client.get("/api/v1/admin/translations?status=nope", headers=auth["editor"]).status_code == 400
    assert client.get("/api/v1/admin/translations?locale=fr", headers=auth["editor"]).status_code == 400


def test_review_due_lists_translations(client: FlaskClient, auth: Headers) -> None:
    live_swelling(client, auth)
    create_es(client, auth, SWELLING_ES | {"next_review_due": "2001-02-03", "reviewed_by": None})
    due = client.get("/api/v1/admin/review-due?per_page=100", headers=auth["editor"]).get_json()["data"]
    assert (due[0]["slug"], due[0]["locale"], due[0]["title"]) == (
        "post-treatment-swelling", "es", SWELLING_ES["title"]
    )  # fmt: skip
    assert due[0]["details"]["warning_signs"][0]["from_hours"] == 48
    # The seed's Spanish translations await review too.
    assert {e["slug"] for e in due if e["locale"] == "es"} >= {"infection", "bruising"}


def test_a_draft_that_no_longer_fits_its_source_is_still_listed(client: FlaskClient, auth: Headers) -> None:
    """Regression (schemathesis seed 1046070708): once the source's draft dropped the warning sign the
    Spanish draft translates, or changed kind, review-due and the translation reads answered 500."""
    live_swelling(client, auth)
    create_es(client, auth, SWELLING_ES | {"next_review_due": "2001-02-03"})
    for change in (
        {"details": {"severity": "minor", "signs": [], "warning_signs": []}},
        {
            "kind": "aftercare",
            "details": {
                "timing": {"starts_after_hours": 0, "lasts_days": 7},
                "instructions": [{"type": "avoid", "text": "Avoid the sun."}],
            },
        },
    ):
        source = client.get(f"{E}/post-treatment-swelling", headers=auth["editor"])
        changed = client.patch(
            f"{E}/post-treatment-swelling",
            json=change,
            headers=auth["editor"] | {"If-Match": source.headers["ETag"]},
        )
        assert changed.status_code == 200, changed.get_json()
        due = client.get("/api/v1/admin/review-due?per_page=100", headers=auth["editor"])
        assert due.status_code == 200, due.get_json()
        (listed,) = [e for e in due.get_json()["data"] if e["slug"] == "post-treatment-swelling"]
        assert (listed["locale"], listed["title"], listed["kind"]) == (
            "es",
            SWELLING_ES["title"],
            change.get("kind", "complication"),
        )
        # What no longer fits the source's draft is listed as the source's draft has it.
        assert {k: listed["details"][k] for k in change["details"]} == change["details"]
        for url in (
            TR,
            "/api/v1/admin/translations?per_page=100",
            "/api/v1/entries/post-treatment-swelling?locale=es",
        ):
            assert client.get(url, headers=auth["editor"]).status_code == 200, url


def test_seed_spanish_awaits_review(client: FlaskClient, auth: Headers) -> None:
    draft = client.get(f"{E}/infection/translations/es", headers=auth["editor"]).get_json()
    assert draft["status"] == "published"
    assert draft["reviewed_by"] is None
    assert draft["last_reviewed"] is None
    assert draft["title"] == "Infección"
    assert draft["stale"] is False
    article = client.get(
        "/api/v1/admin/articles/microneedling-complications/translations/es", headers=auth["editor"]
    )
    assert article.status_code == 200
    assert len(article.get_json()["sections"]) > 3
    due = client.get("/api/v1/admin/translations?status=review_due&per_page=100", headers=auth["editor"])
    rows = {(r["type"], r["slug"]) for r in due.get_json()["data"]}
    assert ("article", "microneedling-complications") in rows
    assert ("entry", "infection") in rows
    assert all(r["locale"] == "es" for r in due.get_json()["data"])


def test_the_source_locale_is_supported_and_not_a_translations(client: FlaskClient, auth: Headers) -> None:
    unsupported = client.post(E, json=SWELLING | {"locale": "fr"}, headers=auth["editor"])
    assert unsupported.status_code == 422
    assert "locale" in unsupported.get_json()["errors"]
    live_swelling(client, auth)
    create_es(client, auth)
    source = client.get(f"{E}/post-treatment-swelling", headers=auth["editor"])
    clash = client.patch(
        f"{E}/post-treatment-swelling",
        json={"locale": "es"},
        headers=auth["editor"] | {"If-Match": source.headers["ETag"]},
    )
    assert clash.status_code == 422
    assert "locale" in clash.get_json()["errors"]
