"""Taking a raw email apart: who sent it, and which parts could be invoices."""

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from models.inbound_mail import (
    EMPTY_ATTACHMENT,
    INLINE_DECORATION_MAX_BYTES,
    INLINE_IMAGE,
    MESSAGE_TOO_DEEP,
    MESSAGE_TOO_LARGE,
    TOO_MANY_PARTS,
    UNPARSEABLE_MESSAGE,
    MailLimits,
    MailParseError,
    parse_mail,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG_LOGO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NORWEGIAN_NAME = "Faktura nr 1001 \u2013 Ærlig Ørn AS.pdf"  # an en dash, as Word types it


def a_mail(
    *,
    body: str | None = "Hei, vedlagt faktura.",
    attachments: list[tuple[str | None, bytes, str]] = (),
    subject: str = "Faktura 1001",
    sender: str = "Fjordlys Elektro AS <faktura@fjordlys.no>",
    date: str = "Tue, 03 Nov 2026 10:15:00 +0100",
) -> EmailMessage:
    """A message with a text body and ``(filename, bytes, "type/subtype")`` attachments."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Faktura <faktura@hansen.no>"
    message["Cc"] = "regnskap@hansen.no, Faktura <faktura@hansen.no>"
    message["Subject"] = subject
    message["Date"] = date
    message["Message-ID"] = "<1001@fjordlys.no>"
    if body is not None:
        message.set_content(body)
    for filename, data, media_type in attachments:
        maintype, subtype = media_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def test_a_plain_attachment_comes_out_decoded_with_its_name_and_type():
    mail = parse_mail(a_mail(attachments=[("faktura.pdf", PDF, "application/pdf")]).as_bytes())

    assert [(a.filename, a.declared_type, a.data) for a in mail.attachments] == [
        ("faktura.pdf", "application/pdf", PDF)
    ]
    assert mail.attachments[0].forwarded is False
    assert mail.skipped == []
    assert mail.has_text_body


def test_the_envelope_is_read_from_the_headers():
    mail = parse_mail(a_mail(body="x").as_bytes())

    assert mail.sender == "faktura@fjordlys.no"
    assert mail.sender_name == "Fjordlys Elektro AS"
    assert mail.recipients == ["faktura@hansen.no", "regnskap@hansen.no"]
    assert mail.subject == "Faktura 1001"
    assert mail.message_id == "<1001@fjordlys.no>"
    assert mail.sent_at == datetime(2026, 11, 3, 9, 15, tzinfo=UTC)


def test_a_date_without_a_zone_is_taken_as_utc_and_a_bad_date_as_none():
    no_zone = parse_mail(a_mail(date="Tue, 03 Nov 2026 10:15:00 -0000").as_bytes())
    assert no_zone.sent_at == datetime(2026, 11, 3, 10, 15, tzinfo=UTC)

    raw = a_mail().as_bytes().replace(b"Tue, 03 Nov 2026 10:15:00 +0100", b"sometime")
    assert parse_mail(raw).sent_at is None


def test_delivered_to_counts_as_a_recipient():
    message = a_mail()
    message["Delivered-To"] = "bilag+alfa@inbound.bilag.no"

    assert parse_mail(message.as_bytes()).recipients[-1] == "bilag+alfa@inbound.bilag.no"


def test_an_invoice_in_a_forwarded_message_is_found():
    original = a_mail(attachments=[("faktura.pdf", PDF, "application/pdf")])
    forward = a_mail(
        sender="Kari Clerk <kari@hansen.no>", subject="Fwd: Faktura 1001", body="Se vedlagt."
    )
    forward.add_attachment(original)

    mail = parse_mail(forward.as_bytes())

    assert mail.sender == "kari@hansen.no"
    assert mail.subject == "Fwd: Faktura 1001"
    assert [(a.filename, a.data, a.forwarded) for a in mail.attachments] == [
        ("faktura.pdf", PDF, True)
    ]


def test_a_norwegian_filename_in_rfc_2231_is_decoded():
    raw = a_mail(attachments=[(NORWEGIAN_NAME, PDF, "application/pdf")]).as_bytes()
    assert b"filename*" in raw  # the stdlib wrote RFC 2231 parameters

    assert parse_mail(raw).attachments[0].filename == NORWEGIAN_NAME


def test_rfc_2047_encoded_filename_and_subject_as_outlook_sends_them_are_decoded():
    encoded = "=?utf-8?B?RmFrdHVyYSBuciAxMDAxIOKAkyDDhnJsaWcgw5hybiBBUy5wZGY=?="
    raw = (
        "From: =?utf-8?Q?=C3=86rlig_=C3=98rn_AS?= <post@orn.no>\r\n"
        "To: faktura@hansen.no\r\n"
        "Subject: =?iso-8859-1?Q?Faktura_fra_=C6rlig_=D8rn?=\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n'
        "\r\n"
        "--b\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Hei\r\n"
        "--b\r\n"
        f'Content-Type: application/pdf; name="{encoded}"\r\n'
        f'Content-Disposition: attachment; filename="{encoded}"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        "JVBERi0xLjQK\r\n"
        "--b--\r\n"
    ).encode("ascii")

    mail = parse_mail(raw)

    assert mail.subject == "Faktura fra Ærlig Ørn"
    assert mail.sender_name == "Ærlig Ørn AS"
    assert mail.attachments[0].filename == NORWEGIAN_NAME
    assert mail.attachments[0].data == b"%PDF-1.4\n"


def test_raw_utf8_headers_are_read_as_utf8():
    raw = (
        "From: Ærlig Ørn <post@orn.no>\nSubject: Påminnelse\n\nHei\n".encode()
    )  # 8-bit headers, no encoded words: common from sloppy mailers
    mail = parse_mail(raw)

    assert (mail.subject, mail.sender_name, mail.sender) == (
        "Påminnelse",
        "Ærlig Ørn",
        "post@orn.no",
    )


def test_quoted_printable_attachments_are_decoded():
    message = a_mail()
    message.add_attachment(
        "Beløp: 1 250,00 kr\n", subtype="csv", filename="linjer.csv", cte="quoted-printable"
    )

    assert parse_mail(message.as_bytes()).attachments[0].data == "Beløp: 1 250,00 kr\n".encode()


def test_an_inline_logo_referenced_by_the_html_is_skipped_with_a_reason():
    message = a_mail(body=None, attachments=[])
    message.set_content("Hei")
    message.add_alternative('<p>Hei</p><img src="cid:logo123@fjordlys.no">', subtype="html")
    html = message.get_payload()[1]
    html.add_related(PNG_LOGO, maintype="image", subtype="png", cid="<logo123@fjordlys.no>")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="faktura.pdf")

    mail = parse_mail(message.as_bytes())

    assert [a.filename for a in mail.attachments] == ["faktura.pdf"]
    assert [(s.filename, s.reason) for s in mail.skipped] == [(None, INLINE_IMAGE)]
    assert "logo" in mail.skipped[0].message


def _html_mail_with_inline_image(data: bytes, filename: str) -> bytes:
    message = a_mail(body=None)
    message.set_content("Hei")
    message.add_alternative('<img src="cid:img@x">', subtype="html")
    message.get_payload()[1].add_related(
        data,
        maintype="image",
        subtype="png",
        cid="<img@x>",
        filename=filename,
        disposition="inline",
    )
    return message.as_bytes()


def test_a_named_signature_logo_shown_inline_is_skipped():
    """Outlook names its logos (image001.png) and shows them inline; they are small."""
    mail = parse_mail(_html_mail_with_inline_image(PNG_LOGO, "image001.png"))

    assert mail.attachments == []
    assert [(s.filename, s.reason) for s in mail.skipped] == [("image001.png", INLINE_IMAGE)]


def test_a_photo_sized_inline_image_with_a_filename_stays_a_candidate():
    """A photographed invoice pasted into a mail (iPhone Mail) is inline too, but large."""
    photo = PNG_LOGO + b"\0" * INLINE_DECORATION_MAX_BYTES

    mail = parse_mail(_html_mail_with_inline_image(photo, "IMG_0042.png"))

    assert [a.filename for a in mail.attachments] == ["IMG_0042.png"]


def test_a_message_with_only_a_body_has_no_attachments_and_nothing_skipped():
    mail = parse_mail(a_mail(body="Bare tekst.").as_bytes())

    assert (mail.attachments, mail.skipped, mail.has_text_body) == ([], [], True)


def test_several_attachments_keep_their_order():
    files = [
        ("a.pdf", PDF, "application/pdf"),
        ("b.xml", b"<Invoice/>", "application/xml"),
        ("c.pdf", PDF + b"%c", "application/pdf"),
    ]
    mail = parse_mail(a_mail(attachments=files).as_bytes())

    assert [(a.filename, a.data) for a in mail.attachments] == [(f, d) for f, d, _ in files]


def test_an_attachment_without_a_name_is_still_a_candidate():
    message = a_mail()
    message.add_attachment(PDF, maintype="application", subtype="pdf")  # disposition only

    attachment = parse_mail(message.as_bytes()).attachments[0]
    assert (attachment.filename, attachment.declared_type) == (None, "application/pdf")


def test_an_empty_attachment_is_skipped():
    mail = parse_mail(a_mail(attachments=[("tom.pdf", b"", "application/pdf")]).as_bytes())

    assert mail.attachments == []
    assert [(s.filename, s.reason) for s in mail.skipped] == [("tom.pdf", EMPTY_ATTACHMENT)]


def test_a_filename_is_a_label_never_a_path():
    raw = a_mail(attachments=[("../../etc/faktura.pdf", PDF, "application/pdf")]).as_bytes()

    assert parse_mail(raw).attachments[0].filename == "faktura.pdf"


def test_too_many_parts_stops_the_parser():
    files = [(f"{n}.pdf", PDF, "application/pdf") for n in range(12)]

    with pytest.raises(MailParseError) as raised:
        parse_mail(a_mail(attachments=files).as_bytes(), MailLimits(max_parts=10))
    assert raised.value.code == TOO_MANY_PARTS
    assert "10 parts" in raised.value.message


def test_attachments_over_the_decoded_size_limit_are_refused():
    files = [("a.pdf", PDF * 100, "application/pdf"), ("b.pdf", PDF * 100, "application/pdf")]

    with pytest.raises(MailParseError) as raised:
        parse_mail(
            a_mail(attachments=files).as_bytes(), MailLimits(max_decoded_bytes=len(PDF) * 150)
        )
    assert raised.value.code == MESSAGE_TOO_LARGE


def _forwarded(times: int) -> EmailMessage:
    message = a_mail(attachments=[("faktura.pdf", PDF, "application/pdf")])
    for _ in range(times):
        outer = a_mail(subject="Fwd")
        outer.add_attachment(message)
        message = outer
    return message


def test_forwards_nested_too_deep_are_refused():
    assert parse_mail(_forwarded(2).as_bytes()).attachments[0].forwarded

    with pytest.raises(MailParseError) as raised:
        parse_mail(_forwarded(6).as_bytes(), MailLimits(max_depth=8))
    assert raised.value.code == MESSAGE_TOO_DEEP


def test_nesting_past_what_the_stdlib_parser_can_recurse_is_too_deep_not_a_crash():
    raw = b"From: a@b.no\nSubject: deep\n"
    inner = b"Content-Type: text/plain\n\nhei\n"
    for level in range(3000):
        boundary = f"b{level}".encode()
        inner = (
            b'Content-Type: multipart/mixed; boundary="'
            + boundary
            + b'"\n\n--'
            + boundary
            + b"\n"
            + inner
            + b"\n--"
            + boundary
            + b"--\n"
        )

    with pytest.raises(MailParseError) as raised:
        parse_mail(raw + inner, MailLimits(max_parts=100_000))
    assert raised.value.code == MESSAGE_TOO_DEEP


@pytest.mark.parametrize(
    "raw", [b"", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", b"just some words\n"]
)
def test_bytes_that_are_not_an_email_are_unparseable(raw):
    with pytest.raises(MailParseError) as raised:
        parse_mail(raw)
    assert raised.value.code == UNPARSEABLE_MESSAGE
