"""The receiver README.md shows verifies what kb sends, and refuses a forged body."""

from __future__ import annotations

import json
import re

from kb.models.types import utcnow
from kb.webhooks import signing
from tests.conftest import ROOT


def test_the_readme_receiver_verifies_a_delivery_and_refuses_a_forgery() -> None:
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"\*\*A receiver\*\*.*?```python\n(.*?)```", readme, re.S)
    assert code is not None
    secret = signing.new_secret()
    namespace: dict[str, object] = {"__name__": "readme_receiver"}
    exec(code.group(1).replace("whsec_...", secret), namespace)
    client = namespace["app"].test_client()  # type: ignore[attr-defined]
    body = json.dumps({"type": "entry.published", "data": {"slug": "bruising"}})
    headers = signing.headers("msg_1", utcnow(), body, [secret])
    assert client.post("/kb-hook", data=body, headers=headers).status_code == 204
    assert client.post("/kb-hook", data=body, headers=headers).status_code == 204  # a retry: ignored
    assert namespace["seen"] == {"msg_1"}
    forged = body.replace("bruising", "infection")
    assert client.post("/kb-hook", data=forged, headers=headers).status_code == 400
