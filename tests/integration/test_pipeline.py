"""The pipeline on real Redis + RQ: retries, visible failures, timeouts, re-runs."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from rq import Queue
from rq.registry import FailedJobRegistry, StartedJobRegistry

from models.storage import get_blob_store
from tests.builders import a_pdf_with_pages, an_invoice_pdf
from tests.integration.helpers import TEST_REDIS_URL, run_bilag, status_of, upload
from workers.queue import get_queue

pytestmark = pytest.mark.integration


def created(client, tenant, data: bytes) -> dict:
    response = upload(client, tenant, data)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_transient_error_is_retried_then_fails_visibly_and_can_be_rerun(
    client, tenant, drain, configure
):
    configure(job_retries=2)
    pdf = an_invoice_pdf(invoice_number="T-1")
    document = created(client, tenant, pdf)
    blob = get_blob_store().path_for(document["sha256"])
    hidden = blob.with_suffix(".away")
    blob.rename(hidden)  # storage briefly unavailable: every attempt fails with an OSError

    drain()

    status = status_of(client, tenant, document)
    assert status["code"] == "failed"
    assert status["reason"] == "internal_error"
    assert "BlobMissingError" in status["message"]
    assert status["failed_stage"] == "receive"
    failed_jobs = FailedJobRegistry(queue=get_queue()).get_job_ids()
    assert failed_jobs == [f"bilag-{document['id']}-r1-receive"]

    hidden.rename(blob)
    result = run_bilag("requeue", "--failed", "--company", tenant.org_number)
    assert result.returncode == 0, result.stderr
    assert "requeued 1 failed document" in result.stdout
    drain()
    assert status_of(client, tenant, document)["code"] == "matched"


def test_a_stage_that_runs_past_its_time_limit_fails_as_timeout(client, tenant, configure):
    configure(read_timeout_seconds=1, read_seconds_per_page=0, job_retries=0, max_pages=2000)
    document = created(client, tenant, a_pdf_with_pages(300, lines_per_page=60))
    # in a worker process of its own, as production runs it: the time limit is a SIGALRM,
    # which a test process that has run a thousand other tests does not reliably deliver
    result = run_bilag("worker", "--burst")
    assert result.returncode == 0, result.stderr
    status = status_of(client, tenant, document)
    assert (status["code"], status["reason"], status["failed_stage"]) == (
        "failed",
        "timeout",
        "read",
    )


@pytest.mark.parametrize("mode", [[], ["--fork"]], ids=["in-process", "forking"])
def test_the_worker_command_processes_documents(client, tenant, mode):
    document = created(client, tenant, an_invoice_pdf(invoice_number="F-1"))
    result = run_bilag("worker", "--burst", *mode)
    assert result.returncode == 0, result.stderr
    detail = client.get(document["links"]["self"], headers=tenant.headers).json()
    assert detail["status"]["code"] == "matched"
    assert detail["fields"]["invoice_number"]["value"] == "F-1"


def test_a_document_stranded_by_a_lost_queue_is_requeued(client, tenant, drain):
    document = created(client, tenant, an_invoice_pdf(invoice_number="S-1"))
    Queue(connection=get_queue().connection).connection.flushdb()  # Redis restarted, empty

    drain()
    assert status_of(client, tenant, document)["code"] == "received"

    from workers.jobs import requeue_stalled

    assert requeue_stalled(timedelta(minutes=10), tenant.company_id) == 0  # too recent
    assert requeue_stalled(timedelta(0), tenant.company_id) == 1
    drain()
    assert status_of(client, tenant, document)["code"] == "matched"


def test_a_superseded_run_does_not_overwrite_the_new_one(client, tenant, drain):
    document = created(client, tenant, an_invoice_pdf(invoice_number="R-1"))
    client.post(document["links"]["reprocess"], headers=tenant.headers)
    drain()
    queue = get_queue()
    results = {
        job_id: queue.fetch_job(job_id).return_value()
        for job_id in (
            f"bilag-{document['id']}-r1-receive",
            f"bilag-{document['id']}-r2-extract",
        )
    }
    assert results == {
        f"bilag-{document['id']}-r1-receive": "skipped: superseded, failed or deleted",
        f"bilag-{document['id']}-r2-extract": "ok",
    }
    assert status_of(client, tenant, document)["code"] == "matched"


def test_documents_are_listed_in_pages_by_status_and_time(client, tenant, drain):
    # Different totals too: the same supplier's invoices of one amount on one day are duplicates.
    ids = [
        created(client, tenant, an_invoice_pdf(invoice_number=f"L-{n}", total=Decimal(1000 + n)))[
            "id"
        ]
        for n in range(5)
    ]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/documents", params=params, headers=tenant.headers).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids

    drain()
    extracted = client.get(
        "/api/v1/documents", params={"status": "matched"}, headers=tenant.headers
    ).json()
    assert len(extracted["items"]) == 5
    third = client.get(f"/api/v1/documents/{ids[2]}", headers=tenant.headers).json()
    later = client.get(
        "/api/v1/documents", params={"since": third["received_at"]}, headers=tenant.headers
    ).json()
    assert [item["id"] for item in later["items"]] == ids[2:]


def test_health_reports_database_and_redis(client):
    health = client.get("/healthz").json()
    assert (health["status"], health["database"], health["redis"]) == ("ok", "ok", "ok")
    assert "einvoice_rules" in health


def _children_of(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(child) for child in handle.read().split()]


def test_a_job_whose_process_dies_fails_as_worker_crashed(client, tenant, configure):
    configure(job_retries=0, read_timeout_seconds=120, max_pages=2000)
    document = created(client, tenant, a_pdf_with_pages(300, lines_per_page=60))
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from workers.worker import build_worker; build_worker(fork=True).work(burst=True)",
        ],
        env=os.environ.copy(),
    )
    try:
        deadline = time.monotonic() + 60
        while status_of(client, tenant, document)["code"] != "reading":
            assert time.monotonic() < deadline, "the read stage never started"
            time.sleep(0.05)
        horses = _children_of(worker.pid)
        assert len(horses) == 1
        os.kill(horses[0], signal.SIGKILL)  # what the kernel's OOM killer does
        worker.wait(timeout=60)
    finally:
        worker.kill()
    status = status_of(client, tenant, document)
    assert (status["code"], status["reason"], status["failed_stage"]) == (
        "failed",
        "worker_crashed",
        "read",
    )


def test_a_job_abandoned_by_a_dead_worker_is_found_and_fails_as_worker_crashed(
    client, tenant, configure
):
    configure(job_retries=0, read_timeout_seconds=120, max_pages=2000)
    document = created(client, tenant, a_pdf_with_pages(300, lines_per_page=60))
    worker = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "worker", "--burst"], env=os.environ.copy()
    )
    try:
        deadline = time.monotonic() + 60
        while status_of(client, tenant, document)["code"] != "reading":
            assert time.monotonic() < deadline, "the read stage never started"
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        worker.kill()
    assert status_of(client, tenant, document)["code"] == "reading"

    # RQ's maintenance, as a surviving worker runs it, once the job's lease has run out.
    StartedJobRegistry(queue=get_queue()).cleanup(timestamp=time.time() + 3600)

    status = status_of(client, tenant, document)
    assert (status["code"], status["reason"], status["failed_stage"]) == (
        "failed",
        "worker_crashed",
        "read",
    )


def test_an_upload_while_redis_is_down_is_kept_and_requeued_later(client, tenant, drain, configure):
    configure(redis_url="redis://127.0.0.1:1/0")  # nothing listens there
    response = upload(client, tenant, an_invoice_pdf(invoice_number="R-DOWN"))
    assert response.status_code == 201
    assert response.json()["status"]["code"] == "received"
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["redis"].startswith("error")

    configure(redis_url=TEST_REDIS_URL)  # Redis is back
    result = run_bilag(
        "requeue", "--stalled", "--older-than-minutes", "0", "--company", tenant.org_number
    )
    assert result.returncode == 0, result.stderr
    assert "requeued 1 stalled document" in result.stdout
    drain()
    assert status_of(client, tenant, response.json())["code"] == "matched"
