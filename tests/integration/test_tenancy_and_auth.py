"""One company's key never reaches another company's data; keys are checked and scoped."""

import pytest

from tests.builders import an_invoice_pdf
from tests.integration.helpers import upload

pytestmark = pytest.mark.integration


def test_company_b_cannot_see_or_touch_company_a_documents(client, tenant, other_tenant, drain):
    document = upload(client, tenant, an_invoice_pdf(invoice_number="A-1")).json()
    drain()
    for path in ("", "/original"):
        response = client.get(
            f"/api/v1/documents/{document['id']}{path}", headers=other_tenant.headers
        )
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    reprocess = client.post(
        f"/api/v1/documents/{document['id']}/reprocess", headers=other_tenant.headers
    )
    assert reprocess.status_code == 404
    assert client.get("/api/v1/documents", headers=other_tenant.headers).json()["items"] == []
    owner_view = client.get(f"/api/v1/documents/{document['id']}", headers=tenant.headers)
    assert owner_view.json()["status"]["code"] == "matched"


def test_the_same_file_sent_by_two_companies_is_two_documents(client, tenant, other_tenant):
    pdf = an_invoice_pdf(invoice_number="shared")
    first, second = upload(client, tenant, pdf), upload(client, other_tenant, pdf)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer bk_deadbeef_nope", "Bearer not-a-key"],
)
def test_requests_without_a_valid_key_are_unauthenticated(client, database_url, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/api/v1/documents", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "unauthenticated"


def test_a_revoked_key_stops_working(client, tenant):
    from models.db import session_scope
    from models.tenants import revoke_api_key

    assert client.get("/api/v1/documents", headers=tenant.headers).status_code == 200
    with session_scope() as session:
        revoke_api_key(session, prefix=tenant.key.split("_")[1], actor="test")
    assert client.get("/api/v1/documents", headers=tenant.headers).status_code == 401


def test_a_read_only_key_cannot_upload(client, a_tenant):
    reader = a_tenant("Lesetilgang AS", scopes=("documents:read",))
    response = upload(client, reader, an_invoice_pdf())
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert client.get("/api/v1/documents", headers=reader.headers).status_code == 200
