"""Large imports run as background jobs: 202 with a status resource, run by ``flask --app kb worker``,
all or nothing, with the first errors and their count; the queue's leases and retries."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask

from kb.extensions import db
from kb.jobs import queue
from kb.jobs.imports import enqueue_import
from kb.services import bulk

Headers = dict[str, dict[str, str]]
IMPORT = "/api/v1/admin/import"
ASYNC = {"Prefer": "respond-async", "Content-Type": "application/x-ndjson"}


def entry(n: int, **draft: Any) -> dict[str, Any]:
    body = {
        "slug": f"bulk-entry-{n}",
        "kind": "technique",
        "title": f"Bulk entry {n}",
        "summary": f"Imported entry number {n} zqbulkq.",
        "details": {"phase": "after", "steps": ["Clean the skin"]},
        **draft,
    }
    return {"type": "entry", "status": "published", "draft": body, "live": body}


def ndjson(items: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(item) + "\n" for item in items)


def work(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["worker", "--until-idle"])
    assert result.exit_code == 0, result.output
    return result.output


def test_async_import_answers_202_and_the_job_imports(app: Flask, auth: Headers) -> None:
    client = app.test_client()
    response = client.post(
        IMPORT, data=ndjson([entry(n) for n in range(30)]), headers={**auth["admin"], **ASYNC}
    )
    assert response.status_code == 202
    location = response.headers["Location"]
    assert response.get_json()["status"] == "queued"
    assert client.get("/api/v1/entries/bulk-entry-7").status_code == 404  # not before the worker ran
    assert "after 1 job(s)" in work(app)
    job = client.get(location, headers=auth["admin"]).get_json()
    assert (job["status"], job["result"]) == (
        "succeeded",
        {"dry_run": False, "items": 30, "created": 30, "updated": 0, "unchanged": 0},
    )
    assert job["progress"]["phase"] == "done"
    assert client.get("/api/v1/entries/bulk-entry-7").status_code == 200
    hits = client.get("/api/v1/search?q=zqbulkq&per_page=50").get_json()
    assert hits["meta"]["total"] == 30
    assert client.get("/readyz").status_code == 200


def test_a_json_document_is_streamed_too(app: Flask, auth: Headers) -> None:
    client = app.test_client()
    body = json.dumps({"items": [entry(n) for n in range(5)]}, indent=2)
    response = client.post(
        IMPORT,
        data=body,
        headers={**auth["admin"], "Prefer": "respond-async", "Content-Type": "application/json"},
    )
    assert response.status_code == 202
    work(app)
    job = client.get(response.headers["Location"], headers=auth["admin"]).get_json()
    assert job["result"]["created"] == 5


def test_bodies_over_the_sync_limit_become_jobs(tmp_path: Any, auth: Headers, app: Flask) -> None:
    app.config["KB_IMPORT_SYNC_MAX_BYTES"] = 100
    response = app.test_client().post(
        IMPORT, data=ndjson([entry(1)]), headers={**auth["admin"], "Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 202


def test_invalid_job_reports_first_errors_and_count_and_imports_nothing(app: Flask, auth: Headers) -> None:
    client = app.test_client()
    items = [entry(n) for n in range(40)]
    for n in range(0, 40, 2):
        items[n]["draft"]["kind"] = "banana"  # 20 invalid items
    items += [{"type": "recipe"} for _ in range(5)]  # 5 more
    response = client.post(IMPORT, data=ndjson(items), headers={**auth["admin"], **ASYNC})
    work(app)
    job = client.get(response.headers["Location"], headers=auth["admin"]).get_json()
    assert job["status"] == "failed"
    assert job["error"]["error_count"] == 25
    assert len(job["error"]["errors"]) == bulk.MAX_REPORTED_ERRORS
    assert "items[0]" in job["error"]["errors"]
    assert "25 item(s) are invalid" in job["error"]["detail"]
    assert client.get("/api/v1/entries/bulk-entry-1").status_code == 404  # all or nothing


def test_not_json_fails_the_job_with_the_line(app: Flask, auth: Headers) -> None:
    client = app.test_client()
    body = ndjson([entry(1)]) + "{not json\n"
    response = client.post(IMPORT, data=body, headers={**auth["admin"], **ASYNC})
    work(app)
    job = client.get(response.headers["Location"], headers=auth["admin"]).get_json()
    assert job["status"] == "failed"
    assert "line 2" in job["error"]["detail"]


def test_job_status_needs_admin_and_an_existing_job(app: Flask, auth: Headers) -> None:
    client = app.test_client()
    assert client.get("/api/v1/admin/jobs/1").status_code == 401
    assert client.get("/api/v1/admin/jobs/1", headers=auth["editor"]).status_code == 403
    missing = client.get("/api/v1/admin/jobs/999", headers=auth["admin"])
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"


def test_a_job_whose_lease_ended_is_claimed_again_and_the_late_worker_changes_nothing(
    app: Flask,
) -> None:
    with app.app_context():
        job = enqueue_import(iter([ndjson([entry(1)]).encode()]), ndjson=True, dry_run=False, author="t")
        db.session.commit()
        stalled = queue.claim("stalled-worker", ["import"], lease=-1)  # its lease is over at once
        assert stalled is not None
        assert stalled.attempts == 1
    output = work(app)
    assert "after 1 job(s)" in output
    with app.app_context():
        queue.succeed(stalled, {"late": True})  # the stalled worker wakes up: no effect
        done = queue.get(job.id)
        assert (done.status, done.attempts, done.result["created"]) == ("succeeded", 2, 1)
        assert queue.claim("another", ["import"], lease=60) is None  # claimed once, settled once


def test_a_committed_import_is_not_imported_again_on_retry(app: Flask, auth: Headers) -> None:
    """An attempt that died after the import committed (before its indexing ended): the retry only
    indexes, and /readyz is not ready until it has."""
    client = app.test_client()
    with app.app_context():
        job = enqueue_import(iter([ndjson([entry(1)]).encode()]), ndjson=True, dry_run=False, author="t")
        db.session.commit()
        claimed = queue.claim("dies-after-commit", ["import"], lease=-1)
        assert claimed is not None
        report = bulk.import_stream(
            lambda: bulk.stream(queue.data(claimed.id), ndjson=True),
            dry_run=False,
            author="t",
            before_commit=lambda report: queue.record(claimed, -1, result=report.counts()),
        )
        assert report.items == 1
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "not yet indexed" in ready.get_json()["checks"]["search"]["detail"]
    work(app)
    with app.app_context():
        done = queue.get(job.id)
        assert (done.status, done.result["created"]) == ("succeeded", 1)
    revisions = client.get("/api/v1/admin/entries/bulk-entry-1/revisions", headers=auth["editor"])
    assert revisions.get_json()["meta"]["total"] == 1  # imported once (its live copy's save)
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("ndjson_flag", [True, None])
def test_stream_reads_items_across_chunk_boundaries(ndjson_flag: bool | None) -> None:
    text = ndjson([entry(n, title="Ünïcødé 中文 " + "x" * n) for n in range(50)])
    data = text.encode()
    chunks = [data[i : i + 7] for i in range(0, len(data), 7)]  # splits UTF-8 sequences and lines
    assert [item["draft"]["slug"] for item in bulk.stream(chunks, ndjson=ndjson_flag)] == [
        f"bulk-entry-{n}" for n in range(50)
    ]
    document = json.dumps({"items": [entry(n) for n in range(20)]}).encode()
    chunks = [document[i : i + 5] for i in range(0, len(document), 5)]
    assert len(list(bulk.stream(chunks, ndjson=None))) == 20


@pytest.mark.parametrize(
    "body", [b'{"items": 3}', b"[1, 2", b'{"items": []} extra', b'{"other": []}', b"\xff\xfe"]
)
def test_stream_refuses_bad_documents(body: bytes) -> None:
    with pytest.raises(bulk.ValidationFailed):
        list(bulk.stream([body], ndjson=False))
