"""Bad input gets a specific 4xx problem+json; a bad PDF is kept and fails visibly."""

import pytest

from tests.builders import a_pdf_with_pages, a_truncated_pdf, an_encrypted_pdf, an_invoice_pdf
from tests.integration.helpers import upload

pytestmark = pytest.mark.integration

ELF_EXECUTABLE = open("/bin/true", "rb").read()  # noqa: SIM115
WINDOWS_EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
    + b"\x00" * 50
    + (b"This program cannot be run in DOS mode.\r\r\n$" + b"\x00" * 400)
)
DOCX_LIKE_ZIP = (
    b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00"
    + b"\x00" * 16
    + b"[Content_Types].xml"
    + b"\x00" * 200
)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert body["type"] == f"urn:bilag:problem:{code}"
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


def test_an_empty_body_is_rejected(client, tenant):
    raw = client.post(
        "/api/v1/documents",
        content=b"",
        headers={**tenant.headers, "Content-Type": "application/pdf"},
    )
    assert_problem(raw, 400, "empty_body")
    assert_problem(upload(client, tenant, b"", "empty.pdf"), 400, "empty_body")


def test_an_upload_over_the_limit_is_cut_off(client, tenant, configure):
    configure(max_upload_bytes=50_000)
    big = an_invoice_pdf() + b"%" + b"x" * 60_000
    body = assert_problem(upload(client, tenant, big, "big.pdf"), 413, "payload_too_large")
    assert body["max_bytes"] == 50_000


def test_an_upload_over_the_limit_without_content_length_is_cut_off(client, tenant, configure):
    configure(max_upload_bytes=50_000)

    def chunks():
        yield an_invoice_pdf()
        for _ in range(20):
            yield b"%" + b"x" * 9_999

    response = client.post(
        "/api/v1/documents",
        content=chunks(),
        headers={**tenant.headers, "Content-Type": "application/pdf"},
    )
    assert_problem(response, 413, "payload_too_large")


@pytest.mark.parametrize("executable", [ELF_EXECUTABLE, WINDOWS_EXECUTABLE], ids=["elf", "exe"])
def test_an_executable_renamed_pdf_is_refused(client, tenant, executable):
    body = assert_problem(
        upload(client, tenant, executable, "invoice.pdf"), 415, "file_type_mismatch"
    )
    assert body["claimed_type"] == "application/pdf"
    assert "executable" in body["detail"]


def test_bytes_that_contradict_the_claimed_type_are_refused(client, tenant):
    body = assert_problem(
        upload(
            client, tenant, b"Just some plain text that is not a PDF at all\n" * 20, "invoice.pdf"
        ),
        415,
        "file_type_mismatch",
    )
    assert body["detected_type"] == "text/plain"


def test_an_unsupported_type_is_refused_with_the_accepted_types(client, tenant):
    body = assert_problem(
        upload(
            client,
            tenant,
            DOCX_LIKE_ZIP,
            "report.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        415,
        "unsupported_media_type",
    )
    assert "application/pdf" in body["accepted_types"]


def test_a_multipart_body_without_a_file_is_refused(client, tenant):
    response = client.post(
        "/api/v1/documents", files={"note": (None, "hello")}, headers=tenant.headers
    )
    assert_problem(response, 400, "malformed_multipart")


def test_a_form_encoded_body_is_refused_with_how_to_send_a_file(client, tenant):
    response = client.post("/api/v1/documents", data={"note": "hello"}, headers=tenant.headers)
    body = assert_problem(response, 415, "unsupported_media_type")
    assert "multipart/form-data" in body["detail"]


def test_nothing_is_kept_from_rejected_uploads(client, tenant):
    upload(client, tenant, ELF_EXECUTABLE, "invoice.pdf")
    upload(client, tenant, b"", "empty.pdf")
    assert client.get("/api/v1/documents", headers=tenant.headers).json()["items"] == []
    from models.storage import get_blob_store

    assert list(get_blob_store().staging_dir().iterdir()) == []


def test_a_truncated_pdf_is_kept_and_fails_as_unreadable(client, tenant, drain):
    truncated = a_truncated_pdf()
    created = upload(client, tenant, truncated, "broken.pdf")
    assert created.status_code == 201
    drain()
    document = client.get(created.headers["location"], headers=tenant.headers).json()
    assert document["status"]["code"] == "failed"
    assert document["status"]["reason"] == "unreadable_pdf"
    assert document["status"]["message"]
    assert document["status"]["failed_stage"] == "receive"
    original = client.get(document["links"]["original"], headers=tenant.headers)
    assert original.status_code == 200
    assert original.content == truncated


def test_a_password_protected_pdf_fails_as_encrypted(client, tenant, drain):
    created = upload(client, tenant, an_encrypted_pdf(), "secret.pdf")
    drain()
    status = client.get(created.headers["location"], headers=tenant.headers).json()["status"]
    assert (status["code"], status["reason"]) == ("failed", "encrypted_pdf")


def test_a_pdf_over_the_page_limit_fails_before_it_is_read(client, tenant, drain, configure):
    configure(max_pages=3)
    created = upload(client, tenant, a_pdf_with_pages(5), "long.pdf")
    drain()
    document = client.get(created.headers["location"], headers=tenant.headers).json()
    assert document["status"]["reason"] == "too_many_pages"
    assert "5 pages" in document["status"]["message"]
    assert document["status"]["failed_stage"] == "receive"


def test_malformed_ids_and_parameters_are_problems_too(client, tenant):
    assert_problem(
        client.get("/api/v1/documents/not-a-uuid", headers=tenant.headers), 422, "validation_error"
    )
    assert_problem(
        client.get("/api/v1/documents?status=bogus", headers=tenant.headers),
        422,
        "validation_error",
    )
    assert_problem(
        client.get("/api/v1/documents?since=yesterday", headers=tenant.headers),
        422,
        "validation_error",
    )
    assert_problem(
        client.get("/api/v1/documents?cursor=%%%", headers=tenant.headers), 400, "invalid_cursor"
    )
    assert_problem(client.get("/api/v1/nothing-here", headers=tenant.headers), 404, "not_found")
    assert_problem(
        client.delete("/api/v1/documents", headers=tenant.headers), 405, "method_not_allowed"
    )
