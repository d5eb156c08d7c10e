"""The randomised contract fuzz CI runs: schemathesis (its CLI, as a client team would run it) against a
live gunicorn server on a fresh seeded database, every check, every phase (examples, coverage,
fuzzing with negative data, stateful), an admin token through tests/schemathesis_hooks.py.

    python -m tests.fuzz --seed 12345 --max-time 150

A failure prints schemathesis's report with the seed, so it can be replayed with the same command.
Exit status: 0 clean; 1 contract failures (schemathesis's checks); 3 the server answered a 5xx other
than 503 (a crash: never acceptable), whatever schemathesis said: CI fails on 3 alone.
Rate limiting is off on this server: the fuzzer's many 401s would otherwise lock its own address out.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from tests.server import ROOT, environment, flask, gunicorn

SERVER_ERROR = 3
CRASH = re.compile(r'" (50[0-24-9]|5[1-9]\d) \d')  # an access-log line answered 5xx, 503 aside


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--max-time", type=int, default=150, help="seconds for the whole run")
    parser.add_argument("--max-examples", type=int, default=40, help="cases per operation and phase")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-fuzz-") as tmp:
        instance = Path(tmp)
        env = environment(
            instance,
            f"sqlite:///{instance / 'kb.sqlite3'}",
            KB_RATELIMIT_ENABLED="false",
            # gunicorn's largest request line, as gunicorn.conf.py sets it on the reliability branch: a q
            # of 500 characters of any script, percent-encoded, must fit (4,094 did not: an HTML 414).
            GUNICORN_CMD_ARGS="--limit-request-line 8190",
        )
        flask(env, "init")
        created = flask(env, "token", "create", "--name", "fuzz", "--role", "admin")
        secret = created.stdout.strip().splitlines()[-1]
        with gunicorn(env, workers=2) as base:
            token_id = _token_id(base, secret, "fuzz")
            command = [
                str(Path(sys.executable).with_name("schemathesis")),
                "--no-color",
                f"--config-file={ROOT / 'tests' / 'schemathesis.toml'}",
                "run",
                f"{base}/api/v1/openapi.json",
                f"--url={base}",
                "--checks=all",
                "--mode=all",
                "--phases=examples,coverage,fuzzing,stateful",
                f"--seed={args.seed}",
                f"--max-time={args.max_time}",
                f"--max-examples={args.max_examples}",
                "--workers=1",  # schemathesis's threads met a CPython AST bug (SystemError) with 2
                "--request-timeout=30",
                "--suppress-health-check=all",
            ]
            print(f"schemathesis seed {args.seed}: {' '.join(command)}", flush=True)
            run_env = {
                **os.environ,
                "KB_FUZZ_TOKEN": secret,
                "KB_FUZZ_TOKEN_ID": token_id,
                "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks",
                "PYTHONPATH": str(ROOT),
            }
            result = subprocess.run(command, env=run_env, cwd=ROOT, check=False, timeout=args.max_time + 600)
        logs = "".join(log.read_text(errors="replace") for log in instance.glob("gunicorn-*.log"))
        crashes = [line for line in logs.splitlines() if CRASH.search(line)]
        if result.returncode or crashes:
            print(logs[-3000:])
        if crashes:
            print(f"!! {len(crashes)} server error(s), the first: {crashes[0]}", flush=True)
            return SERVER_ERROR
        return 1 if result.returncode else 0


def _token_id(base: str, secret: str, name: str) -> str:
    """The public id of the token called ``name`` (the hooks keep the fuzzer from revoking it)."""
    request = urllib.request.Request(
        f"{base}/api/v1/admin/tokens", headers={"Authorization": f"Bearer {secret}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        listed = json.load(response)["data"]
    (token_id,) = [token["id"] for token in listed if token["name"] == name]
    return str(token_id)


if __name__ == "__main__":
    sys.exit(main())
