"""`bilag extract` and `bilag teach` as an operator runs them: files in, JSON out."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.builders import SUPPLIER_ORG_NUMBER, an_invoice_pdf, an_unlabelled_layout_pdf
from tests.integration.helpers import run_bilag
from workers.invoice_generator import generate_invoice

pytestmark = pytest.mark.integration


def test_extract_prints_one_json_object_per_file(tmp_path: Path, database_url):
    pdf = tmp_path / "faktura.pdf"
    pdf.write_bytes(an_invoice_pdf(invoice_number="61001"))
    generated = generate_invoice(17)
    other = tmp_path / "generated.pdf"
    other.write_bytes(generated.pdf)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 not really")

    result = run_bilag("extract", str(pdf), str(other), str(broken), "--json")

    assert result.returncode == 1  # one file could not be read, and says so
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["file"] for o in objects] == [str(pdf), str(other), str(broken)]
    first = objects[0]
    assert first["fields"]["invoice_number"]["value"] == "61001"
    assert first["fields"]["invoice_date"]["value"] == "2026-11-03"
    assert first["fields"]["supplier_org_number"]["value"] == SUPPLIER_ORG_NUMBER
    assert Decimal(first["fields"]["total_amount"]["value"]) == Decimal("12500.00")
    assert all(0 < f["confidence"] <= 1 for f in first["fields"].values())
    assert [line["amount"] for line in first["lines"]] == ["8000.00", "2000.00"]
    assert objects[1]["fields"]["invoice_number"]["value"] == generated.truth["invoice_number"]
    assert "error" in objects[2]


def test_teach_makes_extract_read_the_next_invoice_of_that_layout(
    tmp_path: Path, database_url, configure
):
    configure(models_dir=tmp_path / "models")
    first = tmp_path / "first.pdf"
    first.write_bytes(an_unlabelled_layout_pdf("KB-7781", "4 310,00"))
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"invoice_number": "KB-7781", "total_amount": "4310.00"}))
    second = tmp_path / "second.pdf"
    second.write_bytes(an_unlabelled_layout_pdf("KB-7802", "12 999,50", y=360))

    before = json.loads(run_bilag("extract", str(second), "--json").stdout)
    assert before["fields"].get("total_amount", {}).get("value") != "12999.50"

    taught = run_bilag("teach", str(first), "--truth", str(truth))
    assert taught.returncode == 0, taught.stderr
    report = json.loads(taught.stdout)
    assert set(report["corrected"]) >= {"invoice_number", "total_amount"}
    assert report["layout_template"]

    after = json.loads(run_bilag("extract", str(second), "--json").stdout)
    assert after["fields"]["invoice_number"]["value"] == "KB-7802"
    assert after["fields"]["total_amount"]["value"] == "12999.50"


def test_teach_refuses_a_truth_file_with_a_malformed_value(tmp_path: Path, database_url):
    pdf = tmp_path / "faktura.pdf"
    pdf.write_bytes(an_invoice_pdf(invoice_number="61002"))
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"invoice_date": "31.02.2026"}))
    result = run_bilag("teach", str(pdf), "--truth", str(truth))
    assert result.returncode != 0
    assert "invoice_date" in result.stderr or "not a date" in result.stderr
