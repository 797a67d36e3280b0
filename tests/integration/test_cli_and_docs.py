"""The operator's commands and the integrator's reference, used the way people use them."""

import uuid

import pytest

from tests.integration.helpers import run_bilag

pytestmark = pytest.mark.integration


def test_a_company_and_key_made_on_the_command_line_work_over_the_api(client, database_url):
    created = run_bilag(
        "company", "create", "--name", "Kyst Transport AS", "--org-number", "923 456 783"
    )
    assert created.returncode == 0, created.stderr
    uuid.UUID(created.stdout.strip())

    issued = run_bilag("apikey", "create", "--company", "923456783", "--name", "erp")
    assert issued.returncode == 0, issued.stderr
    key = issued.stdout.strip()
    assert key.startswith("bk_")
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/documents", headers=headers).status_code == 200

    revoked = run_bilag("apikey", "revoke", key.split("_")[1])
    assert revoked.returncode == 0, revoked.stderr
    assert client.get("/api/v1/documents", headers=headers).status_code == 401


def test_the_command_line_refuses_bad_org_numbers_and_duplicates(database_url):
    bad = run_bilag("company", "create", "--name", "Feil AS", "--org-number", "123456789")
    assert bad.returncode == 1
    assert "not a valid Norwegian organisation number" in bad.stderr

    assert (
        run_bilag("company", "create", "--name", "A", "--org-number", "934567897").returncode == 0
    )
    again = run_bilag("company", "create", "--name", "B", "--org-number", "934567897")
    assert again.returncode == 1
    assert "already exists" in again.stderr

    unknown = run_bilag("apikey", "create", "--company", "945678909")
    assert unknown.returncode == 1
    assert "no company" in unknown.stderr


def test_the_api_reference_is_served(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {
        "/api/v1/documents",
        "/api/v1/documents/{document_id}",
        "/api/v1/documents/{document_id}/original",
        "/api/v1/documents/{document_id}/reprocess",
    } <= set(spec["paths"])
