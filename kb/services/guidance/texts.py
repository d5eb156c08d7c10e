"""The fixed sentences guidance adds to published content, per locale (English when a locale has none)."""

from __future__ import annotations

from collections.abc import Sequence

DEFAULT = "en"
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "disclaimer": "This is general information, not a diagnosis or medical advice. If you are worried "
        "about how you feel, contact your practitioner or healthcare provider.",
        "self_care": "This is expected and needs only self-care: keep following your aftercare instructions.",
        "contact_practitioner": "Contact your practitioner.",
        "seek_care_promptly": "Consult your healthcare provider promptly: early intervention can prevent "
        "further complications.",
        "emergency": "Seek emergency care now.",
        "message": "{sign}. {advice}",
        "check": "Check for warning signs",
        "calendar": "Aftercare: {procedure}",
        "do": "Do",
        "avoid": "Avoid",
    },
    "es": {
        "disclaimer": "Esta es información general, no un diagnóstico ni un consejo médico. Si le preocupa "
        "cómo se siente, póngase en contacto con su profesional o con su proveedor de atención médica.",
        "self_care": "Es lo esperado y solo necesita autocuidado: siga sus instrucciones de cuidados "
        "posteriores.",
        "contact_practitioner": "Póngase en contacto con su profesional.",
        "seek_care_promptly": "Consulte con su proveedor de atención médica cuanto antes: la intervención "
        "temprana puede prevenir más complicaciones.",
        "emergency": "Busque atención de urgencia ahora.",
        "message": "{sign}. {advice}",
        "check": "Compruebe si hay señales de alarma",
        "calendar": "Cuidados posteriores: {procedure}",
        "do": "Haga",
        "avoid": "Evite",
    },
}


def language(chain: Sequence[str]) -> str:
    """The first locale of ``chain`` (or its language: ``pt`` for ``pt-BR``) that has the sentences,
    else English."""
    for tag in chain:
        for candidate in (tag, tag.split("-")[0]):
            if candidate in TEXTS:
                return candidate
    return DEFAULT


def text(key: str, chain: Sequence[str]) -> str:
    """The sentence ``key`` in the best language of ``chain`` that has it."""
    return TEXTS[language(chain)][key]
