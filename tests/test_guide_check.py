"""Evaluating warning signs: the seed article's cases through POST /procedures/<slug>/check, and the
rules document an app evaluates offline."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

CHECK = "/api/v1/procedures/microneedling/check"
RULES = "/api/v1/procedures/microneedling/rules"

# (what the patient reports, hours since the procedure, the warning sign it matches, its action).
# From the article: redness is typical, but a concern beyond 48 hours or when it intensifies
# significantly; minor bruises are harmless, extensive bruising is not; pus formation and fever are
# signs of infection, and persistent pain beyond normal discomfort or fever call for prompt care.
CASES = [
    ("redness", 24, "excessive-redness.redness-first-48-hours", "self_care"),
    ("redness", 60, "excessive-redness.redness-beyond-48-hours", "contact_practitioner"),
    ("redness", 48, "excessive-redness.redness-beyond-48-hours", "contact_practitioner"),
    ("Redness", 47.5, "excessive-redness.redness-first-48-hours", "self_care"),
    ("erythema", 60, "excessive-redness.redness-beyond-48-hours", "contact_practitioner"),
    ("intensifying redness", 24, "excessive-redness.redness-intensifying", "contact_practitioner"),
    ("the redness is intensifying", 60, "excessive-redness.redness-intensifying", "contact_practitioner"),
    ("pus", 24, "infection.pus", "seek_care_promptly"),
    ("purulent discharge", 72, "infection.pus", "seek_care_promptly"),
    ("fever", 30, "infection.fever", "seek_care_promptly"),
    ("high temperature", 30, "infection.fever", "seek_care_promptly"),
    ("increased swelling", 12, "infection.increased-swelling", "seek_care_promptly"),
    (
        "pain beyond normal discomfort",
        24,
        "persistent-pain.pain-beyond-normal-discomfort",
        "seek_care_promptly",
    ),
    ("persistent pain", 96, "persistent-pain.pain-beyond-normal-discomfort", "seek_care_promptly"),
    ("extensive bruising", 24, "bruising.extensive-bruising", "contact_practitioner"),
    ("extensive bruises", 24, "bruising.extensive-bruising", "contact_practitioner"),
    ("minor bruising", 24, "bruising.minor-bruises", "self_care"),
    # An id names the observation; the window decides which of its signs holds.
    (
        "excessive-redness.redness-first-48-hours",
        60,
        "excessive-redness.redness-beyond-48-hours",
        "contact_practitioner",
    ),
    ("infection.fever", 1, "infection.fever", "seek_care_promptly"),
]


# The same cases in Spanish: the entries are served in their Spanish translations, whose signs and terms
# are analysed as Spanish search analyses them (Spanish stems, stop words and seed/synonyms.es.txt).
SPANISH_CASES = [
    ("enrojecimiento", 24, "excessive-redness.redness-first-48-hours", "self_care"),
    ("enrojecimiento", 60, "excessive-redness.redness-beyond-48-hours", "contact_practitioner"),
    ("rojez", 60, "excessive-redness.redness-beyond-48-hours", "contact_practitioner"),
    (
        "el enrojecimiento se intensifica",
        24,
        "excessive-redness.redness-intensifying",
        "contact_practitioner",
    ),
    ("pus", 24, "infection.pus", "seek_care_promptly"),
    ("secreción purulenta", 72, "infection.pus", "seek_care_promptly"),
    ("fiebre", 30, "infection.fever", "seek_care_promptly"),
    ("temperatura alta", 30, "infection.fever", "seek_care_promptly"),
    ("hinchazón que aumenta", 12, "infection.increased-swelling", "seek_care_promptly"),
    ("dolor persistente", 96, "persistent-pain.pain-beyond-normal-discomfort", "seek_care_promptly"),
    ("hematomas extensos", 24, "bruising.extensive-bruising", "contact_practitioner"),
    ("hematomas leves", 24, "bruising.minor-bruises", "self_care"),
]


def check(client: FlaskClient, hours: float, signs: list[str], query: str = "") -> dict[str, Any]:
    response = client.post(CHECK + query, json={"hours_since": hours, "signs": signs})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize(("given", "hours", "sign", "action"), CASES)
def test_the_article_cases(client: FlaskClient, given: str, hours: float, sign: str, action: str) -> None:
    body = check(client, hours, [given])
    assert [(m["id"], m["action"]) for m in body["matches"]] == [(sign, action)]
    assert body["matches"][0]["inputs"] == [given]
    assert body["highest_action"] == action
    assert body["not_recognised"] == []
    assert body["disclaimer"].startswith("This is general information, not a diagnosis")


@pytest.mark.parametrize(("given", "hours", "sign", "action"), SPANISH_CASES)
def test_the_article_cases_in_spanish(
    client: FlaskClient, given: str, hours: float, sign: str, action: str
) -> None:
    body = check(client, hours, [given], "?locale=es")
    assert [(m["id"], m["action"]) for m in body["matches"]] == [(sign, action)]
    assert body["not_recognised"] == []
    assert body["disclaimer"].startswith("Esta es información general")


def test_spanish_sentences_entries_and_negotiation(client: FlaskClient) -> None:
    response = client.post(
        CHECK, json={"hours_since": 30, "signs": ["fiebre"]}, headers={"Accept-Language": "es"}
    )
    assert response.status_code == 200
    assert "Accept-Language" in response.headers["Vary"]
    body = response.get_json()
    assert body["locale"] == "es"
    [fever] = body["matches"]
    assert fever["entry"]["title"] == "Infección"
    assert fever["sign"] == "Fiebre"
    assert fever["message"] == (
        "Fiebre. Consulte con su proveedor de atención médica cuanto antes: la intervención temprana "
        "puede prevenir más complicaciones."
    )
    assert body["procedure"] == {"slug": "microneedling", "title": "Micropunción"}
    # Words are matched in the language the sign is served in: English words name no Spanish sign.
    assert check(client, 30, ["fever"], "?locale=es")["not_recognised"] == ["fever"]
    # Ids are the same in every language.
    assert [m["id"] for m in check(client, 30, ["infection.fever"], "?locale=es")["matches"]] == [
        "infection.fever"
    ]


def test_several_signs_are_ordered_by_urgency_with_entries_and_sentences(client: FlaskClient) -> None:
    body = check(client, 60, ["redness", "fever", "minor bruising"])
    assert [m["id"] for m in body["matches"]] == [
        "infection.fever",
        "excessive-redness.redness-beyond-48-hours",
        "bruising.minor-bruises",
    ]
    assert body["highest_action"] == "seek_care_promptly"
    fever = body["matches"][0]
    assert fever["entry"] == {"slug": "infection", "kind": "complication", "title": "Infection"}
    assert fever["message"] == (
        "Fever. Consult your healthcare provider promptly: early intervention can prevent further "
        "complications."
    )
    assert (
        body["matches"][1]["message"] == "Redness that persists beyond 48 hours. Contact your practitioner."
    )


def test_expected_signs_need_only_self_care_at_that_time(client: FlaskClient) -> None:
    early = check(client, 24, ["fever"])
    assert {m["id"] for m in early["expected"]} == {
        "excessive-redness.redness-first-48-hours",
        "bruising.minor-bruises",
    }
    assert all(m["action"] == "self_care" for m in early["expected"])
    late = check(client, 60, ["fever"])
    assert {m["id"] for m in late["expected"]} == {"bruising.minor-bruises"}


def test_unknown_signs_are_not_recognised_never_guessed(client: FlaskClient) -> None:
    body = check(client, 24, ["itchy elbows", "pain", "%%%", "excessive-redness.no-such-sign"])
    assert body["matches"] == []
    assert body["highest_action"] is None
    assert body["not_recognised"] == ["itchy elbows", "pain", "%%%", "excessive-redness.no-such-sign"]


def test_a_plain_word_naming_two_signs_gives_both(client: FlaskClient) -> None:
    body = check(client, 24, ["bruising"])
    assert [m["id"] for m in body["matches"]] == ["bruising.extensive-bruising", "bruising.minor-bruises"]


def test_the_answer_is_deterministic(client: FlaskClient) -> None:
    payload = {"hours_since": 60, "signs": ["fever", "redness", "bruising", "nothing known"]}
    first = client.post(CHECK, json=payload).get_data()
    assert all(client.post(CHECK, json=payload).get_data() == first for _ in range(3))


def test_the_disclaimer_is_translated(client: FlaskClient) -> None:
    body = check(client, 24, ["fever"], "?locale=es")
    assert body["disclaimer"].startswith("Esta es información general, no un diagnóstico")
    assert body["locale"] == "es"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"signs": ["fever"]}, "hours_since"),
        ({"hours_since": -1, "signs": ["fever"]}, "hours_since"),
        ({"hours_since": "soon", "signs": ["fever"]}, "hours_since"),
        ({"hours_since": 24, "signs": []}, "signs"),
        ({"hours_since": 24, "signs": [""]}, "signs"),
        ({"hours_since": 24, "signs": ["x"] * 21}, "signs"),
        ({"hours_since": 24, "signs": "fever"}, "signs"),
        ({"hours_since": 24, "signs": ["fever"], "age": 40}, "age"),
    ],
)
def test_bad_bodies_are_422_problems(client: FlaskClient, payload: dict[str, Any], field: str) -> None:
    response = client.post(CHECK, json=payload)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_unknown_procedure_and_bad_requests(client: FlaskClient) -> None:
    missing = client.post(
        "/api/v1/procedures/chemical-peel/check", json={"hours_since": 1, "signs": ["fever"]}
    )
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    assert client.post(CHECK, data="not json", content_type="application/json").status_code == 400
    assert (
        client.post(
            CHECK, json={"hours_since": 1, "signs": ["fever"]}, query_string={"locale": "EN!"}
        ).status_code
        == 400
    )


def test_check_is_open_to_any_origin(client: FlaskClient) -> None:
    preflight = client.options(
        CHECK,
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def evaluate_offline(rules: dict[str, Any], hours: float, ids: list[str]) -> list[tuple[str, str]]:
    """What the README shows an app doing with the cached rules: no network call."""
    by_id = {sign["id"]: sign for sign in rules["signs"]}
    rank = {action: n for n, action in enumerate(rules["actions"])}
    found = []
    for given in ids:
        group = by_id[given]["group"]
        for sign in rules["signs"]:
            start, end = sign["from_hours"], sign["to_hours"]
            if sign["group"] == group and (start is None or hours >= start) and (end is None or hours < end):
                found.append(sign)
    found.sort(key=lambda s: -rank[s["action"]])
    return [(s["id"], s["action"]) for s in found]


def test_the_rules_are_plain_data_an_app_evaluates_as_the_check_does(client: FlaskClient) -> None:
    response = client.get(RULES)
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public")
    assert client.get(RULES, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    rules = response.get_json()
    assert rules["actions"] == ["self_care", "contact_practitioner", "seek_care_promptly", "emergency"]
    assert len(rules["signs"]) == 9
    assert len({s["id"] for s in rules["signs"]}) == 9
    for hours in (0, 24, 47, 48, 60, 500):
        for ids in (
            ["excessive-redness.redness-first-48-hours"],
            ["infection.pus", "bruising.minor-bruises"],
        ):
            online = check(client, hours, ids)
            assert evaluate_offline(rules, hours, ids) == [(m["id"], m["action"]) for m in online["matches"]]


def test_rules_of_an_unknown_procedure_are_404(client: FlaskClient) -> None:
    assert client.get("/api/v1/procedures/chemical-peel/rules").status_code == 404


def test_a_translation_brings_its_own_terms(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    tr = "/api/v1/admin/entries/infection/translations/es"
    assert check(client, 30, ["calentura"], "?locale=es")["not_recognised"] == ["calentura"]
    signs = [
        {"sign": "Aumento de la hinchazón"},
        {"sign": "Formación de pus", "terms": ["pus"]},
        {"sign": "Fiebre", "terms": ["calentura"]},
    ]
    bad = [*signs[:2], {"sign": "Fiebre", "terms": "calentura"}]
    draft = client.get(tr, headers=auth["editor"])
    refused = client.patch(
        tr,
        json={"details": {"warning_signs": bad}},
        headers={**auth["editor"], "If-Match": draft.headers["ETag"]},
    )
    assert refused.status_code == 422
    assert "details.warning_signs[2].terms" in refused.get_json()["errors"]
    patched = client.patch(
        tr,
        json={"details": {"warning_signs": signs}},
        headers={**auth["editor"], "If-Match": draft.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.get_json()
    published = client.post(
        f"{tr}/publish", headers={**auth["publisher"], "If-Match": patched.headers["ETag"]}
    )
    assert published.status_code == 200, published.get_json()
    body = check(client, 30, ["calentura"], "?locale=es")
    assert [m["id"] for m in body["matches"]] == ["infection.fever"]
    # The English source's terms are its own: English still matches as before.
    assert [m["id"] for m in check(client, 30, ["high temperature"])["matches"]] == ["infection.fever"]
