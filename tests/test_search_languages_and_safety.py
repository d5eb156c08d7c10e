"""Search through the HTTP surface: per-language analysis (issue 11), no dead ends and safety first
(issue 13), over the seed content; on whichever database and search backend the run is configured for."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient


def search(client: FlaskClient, query: str, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def slugs(body: dict[str, Any]) -> list[str]:
    return [hit["slug"] for hit in body["data"]]


def publish_spanish_entry(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    body = {
        "slug": "infeccion-es",
        "kind": "complication",
        "title": "Infección",
        "summary": "Las bacterias pueden entrar en los microcanales si la higiene es deficiente; los signos "
        "incluyen más hinchazón, formación de pus o fiebre.",
        "locale": "es",
        "tags": ["infection"],
        "details": {
            "severity": "serious",
            "signs": ["Fiebre", "Formación de pus"],
            "causes": ["Higiene deficiente"],
            "warning_signs": [
                {"sign": "Fiebre", "action": "seek_care_promptly"},
                {"sign": "Formación de pus", "action": "seek_care_promptly"},
            ],
        },
    }
    created = client.post("/api/v1/admin/entries", json=body, headers=auth["editor"])
    assert created.status_code == 201, created.get_json()
    published = client.post(
        "/api/v1/admin/entries/infeccion-es/publish",
        headers={**auth["publisher"], "If-Match": created.headers["ETag"]},
    )
    assert published.status_code == 200, published.get_json()


def test_spanish_translations_are_analysed_in_spanish(client: FlaskClient) -> None:
    """The seed's Spanish translation of "infection" is indexed in Spanish: accents, Snowball stemming,
    a typo, the Spanish synonyms and stop words; its urgent signs are its own words with the source's
    actions."""
    for query in ("infección", "infecciones", "infeccion", "infecsion"):  # accents, stemming, a typo
        first = search(client, query, locale="es")["data"][0]
        assert (first["slug"], first["locale"], first["title"]) == ("infection", "es", "Infección"), query
    # "Si observa signos...": only Spanish stemming makes "observaron" and "observa" one word
    observed = search(client, "observaron", locale="es")
    assert "infection" in slugs(observed)
    assert {hit["locale"] for hit in observed["data"]} == {"es"}
    assert "words" not in observed["meta"]
    assert search(client, "observaron", locale="en")["meta"]["total"] == 0
    # synonyms from seed/synonyms.es.txt ("fiebre, temperatura alta")
    assert slugs(search(client, "temperatura alta", locale="es"))[0] == "infection"
    # Spanish stop words do not empty the query nor count as dropped words
    stop = search(client, "la infección de la piel", locale="es")
    assert slugs(stop)[0] == "infection"
    assert "words" not in stop["meta"]
    assert slugs(search(client, "infection", locale="en"))[0] == "infection"
    urgent = search(client, "fiebre", locale="es")["data"][0]
    assert (urgent["slug"], urgent["locale"]) == ("infection", "es")
    assert (urgent["urgent"], urgent["action"]) == (True, "seek_care_promptly")


def test_a_source_written_in_spanish_is_analysed_in_spanish(client: FlaskClient, auth) -> None:
    publish_spanish_entry(client, auth)
    for query in ("infecciones", "infeccion", "formaciones de pus"):
        found = {hit["slug"]: hit["locale"] for hit in search(client, query, locale="es")["data"]}
        assert found.get("infeccion-es") == "es", (query, found)
        assert found.get("infection") == "es", (query, found)
    # an entry only in Spanish is not served to a reader of English
    assert "infeccion-es" not in slugs(search(client, "infección", locale="en"))


def test_doctor_and_when_should_i_see_a_doctor_find_the_guidance(client: FlaskClient) -> None:
    """Lay words for people and places of care (seed/synonyms.txt) reach "healthcare provider",
    "practitioner", "professional"; question words and stop words do not empty the result."""
    for query in ("doctor", "when should I see a doctor", "GP", "nurse", "clinic"):
        body = search(client, query)
        assert body["meta"]["total"] > 0, query
        assert "when-to-seek-professional-help" in slugs(body)[:3], (query, slugs(body))
    question = search(client, "when should I see a doctor")
    assert question["meta"]["words"] == {"used": ["doctor"], "dropped": ["see"]}
    assert "words" not in search(client, "doctor")["meta"]  # every word was used


def test_words_are_dropped_from_the_end_and_meta_says_which(client: FlaskClient) -> None:
    body = search(client, "infection qqzzyx wwvvuu")
    assert slugs(body)[0] == "infection"
    assert body["meta"]["words"] == {"used": ["infection"], "dropped": ["qqzzyx", "wwvvuu"]}
    nothing = search(client, "qqzzyx wwvvuu")
    assert nothing["meta"]["total"] == 0
    assert nothing["data"] == []
    typo = search(client, "qqzzyx infectoin")  # zero only when nothing matches: the typo does
    assert typo["meta"]["total"] > 0
    assert typo["meta"]["suggestion"] == "qqzzyx infection"


def test_safety_first_urgent_guidance_leads(client: FlaskClient) -> None:
    for query in ("fever after microneedling", "pus", "increased swelling", "high temperature"):
        body = search(client, query)
        first = body["data"][0]
        assert first["slug"] == "infection", (query, slugs(body))
        assert (first["urgent"], first["action"]) == (True, "seek_care_promptly"), query
        assert not any(hit["urgent"] for hit in body["data"][1:])
    pain = search(client, "persistent pain")["data"][0]
    assert (pain["slug"], pain["urgent"]) == ("persistent-pain", True)
    calm = search(client, "bruising")["data"]
    assert calm[0]["slug"] == "bruising"
    assert not any(hit["urgent"] for hit in calm)  # its warning signs are self care / contact practitioner
