from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from models.matching.duplicates import (
    SAME_AMOUNT_AND_DATE,
    SAME_NUMBER,
    InvoiceFingerprint,
    candidate_window,
    find_duplicate,
    normalise_invoice_number,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _fingerprint(document_id: str, **changes: object) -> InvoiceFingerprint:
    base = InvoiceFingerprint(
        document_id=document_id,
        supplier_key="supplier-1",
        invoice_number="INV-0012",
        document_type="invoice",
        currency="NOK",
        total_amount=Decimal("1250.00"),
        invoice_date=date(2026, 3, 1),
        received_at=T0,
        channel="ehf",
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("printed", "normalised"),
    [
        ("INV-0012", "inv12"),
        ("inv 12", "inv12"),
        ("INV/12", "inv12"),
        ("Inv.0012", "inv12"),
        ("0012", "12"),
        ("000", "0"),
        ("100", "100"),
        ("2024-0012", "20240012"),
        ("2024-12", "202412"),
        ("A-007-B", "a7b"),
        ("  #  ", ""),
        ("FAKTURA_ÆØÅ-1", "fakturaæøå1"),
    ],
)
def test_normalise_invoice_number(printed: str, normalised: str) -> None:
    assert normalise_invoice_number(printed) == normalised


def test_same_number_after_normalisation_is_a_duplicate() -> None:
    original = _fingerprint("a")
    invoice = _fingerprint(
        "b",
        invoice_number="inv 12",
        total_amount=Decimal("999"),
        received_at=T0 + timedelta(hours=1),
    )
    finding = find_duplicate(invoice, [original])
    assert finding is not None
    assert finding.original_document_id == "a"
    assert finding.rule == SAME_NUMBER
    assert "'inv 12'" in finding.message
    assert "'INV-0012'" in finding.message
    assert "arrived twice" not in finding.message


def test_same_amount_within_window_is_a_possible_duplicate() -> None:
    original = _fingerprint("a", invoice_number="1001")
    invoice = _fingerprint(
        "b",
        invoice_number="1002",
        invoice_date=date(2026, 3, 8),
        total_amount=Decimal("1250.0"),
        received_at=T0 + timedelta(days=1),
    )
    finding = find_duplicate(invoice, [original])
    assert finding is not None
    assert finding.rule == SAME_AMOUNT_AND_DATE
    assert finding.message.startswith("Possible duplicate")
    assert "'1001'" in finding.message
    assert "'1002'" in finding.message


def test_same_amount_outside_window_is_not_a_duplicate() -> None:
    original = _fingerprint("a", invoice_number="1001")
    invoice = _fingerprint(
        "b", invoice_number="1002", invoice_date=date(2026, 3, 9), received_at=T0 + timedelta(1)
    )
    assert find_duplicate(invoice, [original]) is None
    assert find_duplicate(invoice, [original], window_days=8) is not None


@pytest.mark.parametrize(
    "changes",
    [
        {"currency": "EUR"},
        {"total_amount": Decimal("1250.01")},
        {"invoice_date": None},
        {"total_amount": None},
    ],
)
def test_amount_rule_needs_currency_amount_and_both_dates(changes: dict[str, object]) -> None:
    original = _fingerprint("a", invoice_number="1001")
    invoice = _fingerprint("b", invoice_number="1002", received_at=T0 + timedelta(1), **changes)
    assert find_duplicate(invoice, [original]) is None


def test_ehf_and_upload_of_the_same_invoice() -> None:
    original = _fingerprint("a", channel="ehf")
    invoice = _fingerprint("b", channel="upload", received_at=T0 + timedelta(minutes=5))
    finding = find_duplicate(invoice, [original])
    assert finding is not None
    assert "arrived twice, as ehf and as upload" in finding.message


def test_other_supplier_is_not_a_duplicate() -> None:
    original = _fingerprint("a", supplier_key="supplier-2")
    invoice = _fingerprint("b", received_at=T0 + timedelta(1))
    assert find_duplicate(invoice, [original]) is None


def test_unknown_supplier_never_matches() -> None:
    original = _fingerprint("a", supplier_key=None)
    invoice = _fingerprint("b", supplier_key=None, received_at=T0 + timedelta(1))
    assert find_duplicate(invoice, [original]) is None


def test_credit_note_with_the_invoice_number_is_not_a_duplicate() -> None:
    original = _fingerprint("a")
    credit_note = _fingerprint("b", document_type="credit_note", received_at=T0 + timedelta(1))
    assert find_duplicate(credit_note, [original]) is None


def test_credit_notes_duplicate_each_other() -> None:
    original = _fingerprint("a", document_type="credit_note")
    credit_note = _fingerprint("b", document_type="credit_note", received_at=T0 + timedelta(1))
    finding = find_duplicate(credit_note, [original])
    assert finding is not None
    assert finding.message.startswith("Credit note")


def test_a_document_never_duplicates_itself() -> None:
    invoice = _fingerprint("a")
    assert find_duplicate(invoice, [invoice]) is None


def test_the_earliest_received_match_is_the_original() -> None:
    invoice = _fingerprint("d", received_at=T0 + timedelta(days=3))
    by_amount = _fingerprint("a", invoice_number="X-1", received_at=T0)
    by_number = _fingerprint("b", total_amount=Decimal("1"), received_at=T0 + timedelta(days=1))
    finding = find_duplicate(invoice, [by_number, by_amount])
    assert finding is not None
    assert finding.original_document_id == "a"
    assert finding.rule == SAME_AMOUNT_AND_DATE


def test_ties_go_to_the_smaller_document_id() -> None:
    invoice = _fingerprint("z", received_at=T0 + timedelta(1))
    finding = find_duplicate(invoice, [_fingerprint("m"), _fingerprint("k")])
    assert finding is not None
    assert finding.original_document_id == "k"


def test_documents_received_later_are_not_originals() -> None:
    invoice = _fingerprint("a", received_at=T0)
    later = _fingerprint("b", received_at=T0 + timedelta(1))
    assert find_duplicate(invoice, [later]) is None


def test_number_without_letters_or_digits_never_matches() -> None:
    original = _fingerprint("a", invoice_number="-", total_amount=Decimal("1"))
    invoice = _fingerprint("b", invoice_number="/", received_at=T0 + timedelta(1))
    assert find_duplicate(invoice, [original]) is None


def test_candidate_window() -> None:
    invoice = _fingerprint("a")
    assert candidate_window(invoice, 7) == (date(2026, 2, 22), date(2026, 3, 8))
    assert candidate_window(replace(invoice, invoice_date=None), 7) is None
    with pytest.raises(ValueError):
        candidate_window(invoice, -1)
