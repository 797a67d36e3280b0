"""Invoices by email, through the real API and the `bilag ingest-mail` command."""

import mailbox
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from models.db import session_scope
from models.ingest import ingest_document, stage_bytes
from models.status import Channel
from models.storage import get_blob_store
from tests.builders import an_invoice_pdf
from tests.integration.helpers import Tenant, run_bilag, upload

pytestmark = pytest.mark.integration

INBOUND = "/api/v1/inbound-email"
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
PNG_LOGO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def a_mail(
    *attachments: tuple[str, bytes, str],
    subject: str = "Faktura 10042 fra Fjordlys Elektro AS",
    body: str = "Hei, vedlagt er faktura 10042.",
) -> EmailMessage:
    """A supplier's mail to the company's invoice address with ``(name, bytes, type)`` files."""
    message = EmailMessage()
    message["From"] = "Fjordlys Elektro AS <faktura@fjordlys.no>"
    message["To"] = "faktura@byggmester-hansen.no"
    message["Subject"] = subject
    message["Date"] = "Tue, 03 Nov 2026 10:15:00 +0100"
    message["Message-ID"] = make_msgid(domain="fjordlys.no")
    message.set_content(body)
    for filename, data, media_type in attachments:
        maintype, subtype = media_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def a_pdf(name: str = "faktura-10042.pdf", **invoice: object) -> tuple[str, bytes, str]:
    return (name, an_invoice_pdf(**invoice), "application/pdf")


def post_mail(client, tenant: Tenant, message: EmailMessage | bytes, **headers: str):
    raw = message if isinstance(message, bytes) else message.as_bytes()
    return client.post(
        INBOUND,
        content=raw,
        headers={**tenant.headers, "Content-Type": "message/rfc822", **headers},
    )


def assert_no_invoice(response) -> dict:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "no_invoice_attachment"
    assert body["type"] == "urn:bilag:problem:no_invoice_attachment"
    assert response.headers["location"] == f"{INBOUND}/{body['inbound_message_id']}"
    return body


def test_a_mailed_pdf_invoice_becomes_an_email_document_and_is_extracted(client, tenant, drain):
    response = post_mail(client, tenant, a_mail(a_pdf()))

    assert response.status_code == 201, response.text
    result = response.json()
    assert result["message"]["sender"] == "faktura@fjordlys.no"
    assert result["message"]["subject"] == "Faktura 10042 fra Fjordlys Elektro AS"
    assert result["message"]["outcome"] == "documents"
    assert result["message"]["sent_at"] == "2026-11-03T09:15:00Z"
    assert result["skipped"] == []
    [document] = result["documents"]
    assert (document["channel"], document["filename"], document["created"]) == (
        "email",
        "faktura-10042.pdf",
        True,
    )
    assert response.headers["location"] == f"{INBOUND}/{result['message']['id']}"

    drain()

    detail = client.get(document["links"]["self"], headers=tenant.headers).json()
    assert detail["status"]["code"] == "matched"
    assert detail["fields"]["invoice_number"]["value"] == "10042"
    assert detail["email"]["sender"] == "faktura@fjordlys.no"
    assert detail["email"]["subject"] == "Faktura 10042 fra Fjordlys Elektro AS"
    assert detail["email"]["link"] == response.headers["location"]
    recorded = client.get(response.headers["location"], headers=tenant.headers).json()
    assert recorded["message"]["recipients"] == ["faktura@byggmester-hansen.no"]
    assert [(d["id"], d["created"]) for d in recorded["documents"]] == [(document["id"], True)]


def test_the_same_mail_twice_creates_nothing_new(client, tenant):
    message = a_mail(a_pdf())
    first = post_mail(client, tenant, message).json()

    again = post_mail(client, tenant, message)

    assert again.status_code == 200, again.text
    assert again.json()["message"]["id"] == first["message"]["id"]
    assert [(d["id"], d["created"]) for d in again.json()["documents"]] == [
        (first["documents"][0]["id"], False)
    ]
    assert len(client.get("/api/v1/documents", headers=tenant.headers).json()["items"]) == 1


def test_a_forwarded_invoice_is_taken_from_inside_the_forward(client, tenant):
    forward = a_mail(subject="Fwd: Faktura 10042", body="Kan du bokføre denne? Kari")
    forward.add_attachment(a_mail(a_pdf("videresendt.pdf")))

    response = post_mail(client, tenant, forward)

    assert response.status_code == 201, response.text
    assert [d["filename"] for d in response.json()["documents"]] == ["videresendt.pdf"]


def test_a_body_only_mail_is_kept_and_answered_with_what_was_found(client, tenant):
    message = a_mail(body="Hei! Fakturaen kommer i neste uke.")

    response = post_mail(client, tenant, message)

    problem = assert_no_invoice(response)
    assert "only a text body" in problem["detail"]
    assert problem["outcome"] == "no_attachments"
    kept = client.get(response.headers["location"], headers=tenant.headers)
    assert kept.status_code == 200
    assert kept.json()["message"]["outcome"] == "no_attachments"
    assert kept.json()["message"]["subject"] == "Faktura 10042 fra Fjordlys Elektro AS"
    assert kept.json()["documents"] == []
    again = assert_no_invoice(post_mail(client, tenant, message))
    assert again["inbound_message_id"] == problem["inbound_message_id"]


def test_unsupported_attachments_are_skipped_with_reasons_beside_the_pdf(client, tenant):
    message = a_mail(
        ("notat.docx", DOCX_LIKE_ZIP, DOCX),
        ("faktura.exe", WINDOWS_EXECUTABLE, "application/octet-stream"),
        a_pdf(),
    )

    response = post_mail(client, tenant, message)

    assert response.status_code == 201, response.text
    result = response.json()
    assert [d["filename"] for d in result["documents"]] == ["faktura-10042.pdf"]
    reasons = {s["filename"]: s["reason"] for s in result["skipped"]}
    assert reasons == {
        "notat.docx": "unsupported_media_type",
        "faktura.exe": "file_type_mismatch",
    }
    assert all(s["message"] for s in result["skipped"])
    recorded = client.get(response.headers["location"], headers=tenant.headers).json()
    assert recorded["skipped"] == result["skipped"]


def test_a_logo_in_the_html_signature_is_not_taken_for_an_invoice(client, tenant):
    message = a_mail()
    message.add_alternative('<p>Hei</p><img src="cid:logo@fjordlys.no">', subtype="html")
    message.get_payload()[1].add_related(
        PNG_LOGO, maintype="image", subtype="png", cid="<logo@fjordlys.no>"
    )
    message.add_attachment(
        an_invoice_pdf(), maintype="application", subtype="pdf", filename="f.pdf"
    )

    response = post_mail(client, tenant, message)

    assert response.status_code == 201, response.text
    assert [d["filename"] for d in response.json()["documents"]] == ["f.pdf"]
    assert [s["reason"] for s in response.json()["skipped"]] == ["inline_image"]


def test_a_mail_with_only_unreadable_attachments_lists_them_and_why(client, tenant):
    response = post_mail(client, tenant, a_mail(("notat.docx", DOCX_LIKE_ZIP, DOCX)))

    problem = assert_no_invoice(response)
    assert problem["outcome"] == "no_readable_attachments"
    assert "notat.docx" in problem["detail"]
    assert "cannot read" in problem["detail"]
    assert [s["reason"] for s in problem["skipped"]] == ["unsupported_media_type"]


def test_a_file_already_uploaded_stays_that_document(client, tenant):
    name, pdf, _ = a_pdf()
    uploaded = upload(client, tenant, pdf).json()

    response = post_mail(client, tenant, a_mail((name, pdf, "application/pdf")))

    assert response.status_code == 200, response.text
    [document] = response.json()["documents"]
    assert (document["id"], document["channel"], document["created"]) == (
        uploaded["id"],
        "api",
        False,
    )
    recorded = client.get(response.headers["location"], headers=tenant.headers).json()
    assert [(d["id"], d["created"]) for d in recorded["documents"]] == [(uploaded["id"], False)]


def test_a_take_in_cut_off_before_the_message_was_recorded_is_completed_by_the_retry(
    client, tenant
):
    """The attachment's document was committed, then the process died: the retry links it to
    the message and reports it created, so its pipeline gets started."""
    name, pdf, media_type = a_pdf()
    with session_scope() as session:
        store = get_blob_store()
        orphan = ingest_document(
            session,
            store,
            company_id=tenant.company_id,
            staged=stage_bytes(store, pdf, name, media_type),
            media_type=media_type,
            channel=Channel.EMAIL,
            actor="test",
        ).document

    response = post_mail(client, tenant, a_mail((name, pdf, media_type)))

    assert response.status_code == 201, response.text
    assert [(d["id"], d["created"]) for d in response.json()["documents"]] == [
        (str(orphan.id), True)
    ]
    recorded = client.get(response.headers["location"], headers=tenant.headers).json()
    assert [(d["id"], d["created"]) for d in recorded["documents"]] == [(str(orphan.id), True)]


def test_another_company_cannot_see_the_message(client, tenant, other_tenant):
    location = post_mail(client, tenant, a_mail(a_pdf())).headers["location"]

    response = client.get(location, headers=other_tenant.headers)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get(location, headers=tenant.headers).status_code == 200


def test_the_same_mail_sent_to_two_companies_is_two_messages(client, tenant, other_tenant):
    message = a_mail(a_pdf())

    first = post_mail(client, tenant, message)
    second = post_mail(client, other_tenant, message)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["message"]["id"] != second.json()["message"]["id"]


def test_posting_mail_needs_the_write_scope(client, a_tenant):
    reader = a_tenant("Lesebrett AS", scopes=("documents:read",))

    response = post_mail(client, reader, a_mail(a_pdf()))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_a_body_that_is_not_sent_as_an_email_is_refused(client, tenant):
    _, pdf, media_type = a_pdf()

    response = post_mail(client, tenant, pdf, **{"Content-Type": media_type})

    assert response.status_code == 415
    assert "message/rfc822" in response.json()["detail"]


def test_bytes_that_are_no_email_are_kept_and_refused_with_their_own_code(client, tenant):
    response = post_mail(client, tenant, an_invoice_pdf())

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "unparseable_message"
    kept = client.get(response.headers["location"], headers=tenant.headers).json()
    assert kept["message"]["outcome"] == "unparseable_message"


def test_a_mail_over_the_upload_limit_is_cut_off(client, tenant, configure):
    configure(max_upload_bytes=50_000)
    big = a_mail(("stor.pdf", an_invoice_pdf() + b"%" + b"x" * 60_000, "application/pdf"))

    response = post_mail(client, tenant, big)

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_a_mail_with_too_many_parts_is_refused_with_a_clear_code(client, tenant):
    message = a_mail(*[(f"{n}.txt", b"x", "text/plain") for n in range(250)])

    response = post_mail(client, tenant, message)

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "too_many_parts"


def a_maildir(path: Path, *messages: EmailMessage) -> Path:
    box = mailbox.Maildir(path, create=True)
    for message in messages:
        box.add(message.as_bytes())
    return path


def test_a_maildir_is_taken_in_once(client, tenant, tmp_path):
    maildir = a_maildir(
        tmp_path / "faktura",
        a_mail(a_pdf("a.pdf", invoice_number="501"), subject="Faktura 501"),
        a_mail(
            a_pdf("b.pdf", invoice_number="502"),
            ("notat.docx", DOCX_LIKE_ZIP, DOCX),
            subject="Faktura 502",
        ),
        a_mail(subject="Spørsmål om faktura", body="Har dere mottatt fakturaen?"),
    )
    command = ("ingest-mail", "--maildir", str(maildir), "--company", tenant.org_number)

    kept = run_bilag(*command, "--keep")

    assert kept.returncode == 0, kept.stderr
    lines = kept.stdout.strip().splitlines()
    assert len(lines) == 4
    assert any(
        "Faktura 502" in line and "notat.docx (unsupported_media_type" in line for line in lines
    )
    assert any("Spørsmål om faktura" in line and "no invoice" in line for line in lines)
    assert lines[-1].startswith("3 message(s): 2 document(s) created, 0 existing")
    documents = client.get("/api/v1/documents", headers=tenant.headers).json()["items"]
    assert sorted((d["filename"], d["channel"]) for d in documents) == [
        ("a.pdf", "email"),
        ("b.pdf", "email"),
    ]
    assert len(list((maildir / "new").iterdir())) == 3

    again = run_bilag(*command)

    assert again.returncode == 0, again.stderr
    assert (
        again.stdout.strip()
        .splitlines()[-1]
        .startswith("3 message(s): 0 document(s) created, 2 existing")
    )
    assert len(client.get("/api/v1/documents", headers=tenant.headers).json()["items"]) == 2
    assert list((maildir / "new").iterdir()) == []
    assert all(p.name.endswith(":2,S") for p in (maildir / "cur").iterdir())

    third = run_bilag(*command)

    assert third.returncode == 0, third.stderr
    assert third.stdout.strip() == (
        "0 message(s): 0 document(s) created, 0 existing, 0 part(s) skipped, "
        "0 message(s) without an invoice"
    )


def test_the_maildir_command_refuses_an_unknown_company_or_folder(tmp_path, database_url):
    maildir = a_maildir(tmp_path / "inbox")

    unknown = run_bilag("ingest-mail", "--maildir", str(maildir), "--company", "945678909")
    assert unknown.returncode == 1
    assert "no company" in unknown.stderr

    missing = run_bilag("ingest-mail", "--maildir", str(tmp_path / "nope"), "--company", "1")
    assert missing.returncode == 1
    assert "not a Maildir" in missing.stderr
