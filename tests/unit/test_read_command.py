"""`bilag read FILE --json` prints the page-token model without a server or database."""

import json

from typer.testing import CliRunner

from api.cli import app
from tests.builders import an_invoice, an_invoice_pdf
from tests.scans import an_invoice_scan
from workers.sample_ehf import render_sample_invoice_ehf
from workers.sample_scans import png_bytes

runner = CliRunner()


def _read_json(tmp_path, name: str, data: bytes) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(app, ["read", str(path), "--json", "--no-validate"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_text_pdf_prints_words_with_boxes_from_the_text_layer(tmp_path):
    out = _read_json(tmp_path, "faktura.pdf", an_invoice_pdf(invoice_number="77031"))

    (page,) = out["pages"]
    assert out["media_type"] == "application/pdf" and page["source"] == "text"
    token = next(t for t in page["tokens"] if t["text"] == "77031")
    assert token["source"] == "text" and token["confidence"] == 1.0
    x0, top, x1, bottom = token["box"]
    assert 0 <= x0 < x1 <= page["width"] and 0 <= top < bottom <= page["height"]
    assert out["einvoice"] is None


def test_a_scan_prints_ocr_words_with_confidences(tmp_path):
    out = _read_json(tmp_path, "scan.png", png_bytes(an_invoice_scan(dpi=200), dpi=200))

    (page,) = out["pages"]
    assert page["source"] == "ocr"
    assert any(t["text"] == "10042" for t in page["tokens"])
    assert all(0 <= t["confidence"] <= 1 for t in page["tokens"])


def test_an_ehf_prints_its_data_and_the_pages_of_its_embedded_pdf(tmp_path):
    out = _read_json(tmp_path, "ehf.xml", render_sample_invoice_ehf(an_invoice()))

    assert out["media_type"] == "application/xml"
    assert out["einvoice"]["invoice_number"] == "10042"
    assert out["einvoice"]["total_amount"] == "12500.00"
    assert [p["source"] for p in out["pages"]] == ["text"]


def test_a_file_bilag_cannot_read_is_an_error_that_lists_what_it_reads(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\n")

    result = runner.invoke(app, ["read", str(path)])

    assert result.exit_code == 2
    assert "application/pdf" in result.output


def test_a_hostile_xml_is_refused_with_its_reason_code(tmp_path):
    path = tmp_path / "xxe.xml"
    path.write_bytes(
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Invoice>&e;</Invoice>'
    )

    result = runner.invoke(app, ["read", str(path)])

    assert result.exit_code == 1
    assert "xml_forbidden_construct" in result.output
