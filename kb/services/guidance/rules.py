"""Warning-sign rules as plain data, and their evaluation.

A rule applies at ``hours`` when ``from_hours <= hours < to_hours`` (a missing bound is open). Rules of
one ``group`` are one observation at different times: validation keeps their windows apart, so at most
one of them applies at any hour. Evaluation is a pure function of the rules, the hour and which rules
each input named: the same steps an offline app runs on the rules document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kb.schemas.details import ACTIONS
from kb.services.guidance.content import ServedEntry
from kb.services.guidance.texts import text
from kb.services.localized import Chain

Rule = dict[str, Any]
RANK = {action: n for n, action in enumerate(ACTIONS)}


def advice(chain: Chain) -> dict[str, str]:
    return {action: text(action, chain) for action in ACTIONS}


def rules_of(entries: Iterable[ServedEntry], chain: Chain) -> list[Rule]:
    """Every warning sign of the entries' complications, as rules, by entry then position."""
    rules = []
    for entry in entries:
        if entry.kind != "complication":
            continue
        served_in = (entry.locale, *chain)  # the advice in the language of the sign
        for sign in entry.details.get("warning_signs", []):
            rule_id = f"{entry.slug}.{sign['id']}"
            rules.append(
                {
                    "id": rule_id,
                    "entry": entry.ref(),
                    "sign": sign["sign"],
                    "group": f"{entry.slug}.{sign['group']}" if sign.get("group") else rule_id,
                    "from_hours": sign.get("from_hours"),
                    "to_hours": sign.get("to_hours"),
                    "action": sign["action"],
                    "terms": list(sign.get("terms", [])),
                    "locale": entry.locale,
                    "message": text("message", served_in).format(
                        sign=sign["sign"].rstrip("."), advice=text(sign["action"], served_in)
                    ),
                }
            )
    return rules


def applies(rule: Rule, hours: float) -> bool:
    start, end = rule["from_hours"], rule["to_hours"]
    return (start is None or hours >= start) and (end is None or hours < end)


def evaluate(rules: list[Rule], hours: float, named: Mapping[str, list[str] | None]) -> dict[str, Any]:
    """Evaluate what was reported at ``hours`` after the procedure.

    ``named`` maps each input to the ids of the rules it names (``None``: not recognised). An input
    names an observation: of each named rule's group, the rule applying at ``hours`` is the match.
    """
    by_id = {rule["id"]: rule for rule in rules}
    groups: dict[str, list[Rule]] = {}
    for rule in rules:
        groups.setdefault(rule["group"], []).append(rule)
    matched: dict[str, list[str]] = {}
    not_recognised, outside = [], []
    for given, ids in named.items():
        if not ids:
            not_recognised.append(given)
            continue
        found = False
        for group in dict.fromkeys(by_id[i]["group"] for i in ids):
            for rule in groups[group]:
                if applies(rule, hours):
                    matched.setdefault(rule["id"], []).append(given)
                    found = True
        if not found:
            outside.append({"input": given, "signs": list(ids)})
    order = {rule["id"]: n for n, rule in enumerate(rules)}
    matches = sorted(
        (_match(by_id[i], inputs) for i, inputs in matched.items()),
        key=lambda m: (-RANK[m["action"]], order[m["id"]]),
    )
    expected = [_match(r, []) for r in rules if r["action"] == "self_care" and applies(r, hours)]
    highest = max((m["action"] for m in matches), key=RANK.__getitem__, default=None)
    return {
        "highest_action": highest,
        "matches": matches,
        "expected": expected,
        "not_recognised": not_recognised,
        "outside_window": outside,
    }


def _match(rule: Rule, inputs: list[str]) -> dict[str, Any]:
    keys = ("id", "entry", "sign", "action", "message", "from_hours", "to_hours")
    return {**{key: rule[key] for key in keys}, "inputs": inputs}
