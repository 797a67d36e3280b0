import pytest

from models.sniff import claimed_media_type, is_executable, sniff_media_type
from tests.builders import a_truncated_pdf, an_invoice_pdf


def test_a_pdf_is_known_by_its_bytes_even_when_truncated():
    assert sniff_media_type(an_invoice_pdf()[:8192]) == "application/pdf"
    assert sniff_media_type(a_truncated_pdf()[:8192]) == "application/pdf"


def test_an_executable_is_recognised_whatever_it_is_called():
    with open("/bin/true", "rb") as handle:
        media_type = sniff_media_type(handle.read(8192))
    assert is_executable(media_type)


def test_xml_is_reported_as_application_xml():
    assert sniff_media_type(b'<?xml version="1.0"?><Invoice/>') == "application/xml"


@pytest.mark.parametrize(
    "head",
    [
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><a/></Invoice>',
        b"\xef\xbb\xbf  <rsm:CrossIndustryInvoice/>",
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Invoice>&e;</Invoice>',
    ],
)
def test_xml_without_a_declaration_is_still_xml(head):
    """ERPs send UBL without <?xml ...?>; libmagic calls that plain text."""
    assert sniff_media_type(head) == "application/xml"


def test_plain_text_stays_plain_text():
    assert sniff_media_type(b"Faktura 10042 <til betaling>\n") == "text/plain"


@pytest.mark.parametrize(
    ("filename", "declared", "expected"),
    [
        ("faktura.pdf", None, "application/pdf"),
        ("faktura.pdf", "application/octet-stream", "application/pdf"),
        (None, "application/pdf; charset=binary", "application/pdf"),
        ("ehf.xml", "text/xml", "application/xml"),
        (None, None, None),
        ("noextension", None, None),
    ],
)
def test_what_a_sender_claims_comes_from_content_type_then_filename(filename, declared, expected):
    assert claimed_media_type(filename, declared) == expected
