"""Duplicate invoice detection: has this supplier already sent us this invoice?

Paying an invoice twice is the most common avoidable loss in accounts payable. Duplicates arrive
as the same EHF resent, as an e-invoice plus a PDF of it mailed or uploaded, or as a reminder
with a copy attached. Two rules catch them, both within one supplier and one document type:

* ``same_number``: the invoice numbers are equal once normalised
  (:func:`normalise_invoice_number`), so ``INV-0012`` and ``inv 12`` are the same invoice;
* ``same_amount_and_date``: same currency, same total and invoice dates at most ``window_days``
  apart, with any numbers. Only a *possible* duplicate (a supplier may well bill the same monthly
  amount twice in a week), so the message says so and shows both numbers for the clerk to judge.

A credit note never duplicates an invoice (it usually carries the invoice's number, on purpose),
and documents of an unknown supplier are never compared: two strangers may share a number.

Pure functions over plain data: the caller loads the earlier fingerprints (prefiltered with
:func:`candidate_window` and the normalised number) and stores the finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from models.matching.records import MatchReason, ReasonFinding

SAME_NUMBER = "same_number"
SAME_AMOUNT_AND_DATE = "same_amount_and_date"

# Everything but letters and digits: spaces, dashes, slashes, dots, underscores, "#", "№"...
_SEPARATORS = re.compile(r"[\W_]+")
# Zeros opening a run of digits, leaving at least one digit: "0012" -> "12", "0" stays "0".
_LEADING_ZEROS = re.compile(r"(?<!\d)0+(?=\d)")


@dataclass(frozen=True)
class InvoiceFingerprint:
    """What duplicate detection needs to know of one received invoice or credit note.

    ``supplier_key`` is the Bilag supplier id, else the org number, else ``None``; the caller
    must use the same kind of key for all fingerprints it compares. ``channel`` is how the
    document came (``"ehf"`` for an e-invoice, else e.g. ``"upload"`` or ``"email"``).
    """

    document_id: str
    supplier_key: str | None
    invoice_number: str | None
    document_type: str  # "invoice" or "credit_note"
    currency: str | None
    total_amount: Decimal | None
    invoice_date: date | None
    received_at: datetime
    channel: str | None = None


@dataclass(frozen=True)
class DuplicateFinding:
    """``invoice`` duplicates ``original_document_id`` by ``rule``; ``message`` is for people."""

    original_document_id: str
    rule: str  # SAME_NUMBER or SAME_AMOUNT_AND_DATE
    message: str


def normalise_invoice_number(number: str) -> str:
    """The invoice number as compared: case-folded, separators dropped, digit runs unpadded.

    Suppliers, OCR and ERPs print one number as ``INV-0012``, ``inv 12`` and ``INV/12``; all
    normalise to ``inv12``. Separators are removed *before* zeros are stripped, so only zeros
    that open a run of digits go: ``2024-0012`` becomes ``20240012`` and stays distinct from
    ``2024-12`` (``202412``), since dropping zeros inside a number would merge real numbers.
    A number with no letters or digits normalises to ``""``, which never matches.
    """
    compact = _SEPARATORS.sub("", number.casefold())
    return _LEADING_ZEROS.sub("", compact)


def candidate_window(invoice: InvoiceFingerprint, window_days: int = 7) -> tuple[date, date] | None:
    """The invoice dates (inclusive) an earlier document needs for the amount-and-date rule.

    ``None`` when the invoice has no date: then only the number rule can apply, and the caller
    should prefilter by supplier and normalised number alone.
    """
    _check_window(window_days)
    if invoice.invoice_date is None:
        return None
    span = timedelta(days=window_days)
    return invoice.invoice_date - span, invoice.invoice_date + span


def find_duplicate(
    invoice: InvoiceFingerprint,
    earlier: Iterable[InvoiceFingerprint],
    *,
    window_days: int = 7,
) -> DuplicateFinding | None:
    """The earlier document ``invoice`` duplicates, or ``None``.

    Of all matches the original is the earliest received (ties: the smaller document id), so
    the same document is named whichever order the copies are checked in. Documents received
    after ``invoice`` (in that order) are ignored even if passed: the first copy is the original,
    never the duplicate. When the original matches by both rules, ``same_number`` is reported.
    """
    _check_window(window_days)
    matches: list[tuple[InvoiceFingerprint, str]] = []
    for other in earlier:
        if not _comparable(invoice, other):
            continue
        rule = _rule(invoice, other, window_days)
        if rule is not None:
            matches.append((other, rule))
    if not matches:
        return None
    original, rule = min(matches, key=lambda match: _arrival(match[0]))
    return DuplicateFinding(
        original_document_id=original.document_id,
        rule=rule,
        message=_message(invoice, original, rule, window_days),
    )


def _check_window(window_days: int) -> None:
    if window_days < 0:
        raise ValueError(f"window_days must not be negative, got {window_days}.")


def _arrival(fingerprint: InvoiceFingerprint) -> tuple[datetime, str]:
    return fingerprint.received_at, fingerprint.document_id


def _comparable(invoice: InvoiceFingerprint, other: InvoiceFingerprint) -> bool:
    """Same known supplier, same document type, another document that arrived first."""
    return (
        invoice.supplier_key is not None
        and other.supplier_key == invoice.supplier_key
        and other.document_type == invoice.document_type
        and other.document_id != invoice.document_id
        and _arrival(other) < _arrival(invoice)
    )


def _rule(invoice: InvoiceFingerprint, other: InvoiceFingerprint, window_days: int) -> str | None:
    if _same_number(invoice.invoice_number, other.invoice_number):
        return SAME_NUMBER
    if (
        invoice.currency is not None
        and invoice.total_amount is not None
        and invoice.invoice_date is not None
        and other.invoice_date is not None
        and other.currency == invoice.currency
        and other.total_amount == invoice.total_amount
        and abs((invoice.invoice_date - other.invoice_date).days) <= window_days
    ):
        return SAME_AMOUNT_AND_DATE
    return None


def _same_number(number: str | None, other: str | None) -> bool:
    if number is None or other is None:
        return False
    normalised = normalise_invoice_number(number)
    return normalised != "" and normalised == normalise_invoice_number(other)


def _message(
    invoice: InvoiceFingerprint, original: InvoiceFingerprint, rule: str, window_days: int
) -> str:
    kind = "Credit note" if invoice.document_type == "credit_note" else "Invoice"
    received = original.received_at.date().isoformat()
    if rule == SAME_NUMBER:
        text = (
            f"{kind} {_shown(invoice.invoice_number)} from this supplier was already received on "
            f"{received} as document {original.document_id} "
            f"(number {_shown(original.invoice_number)})."
        )
    else:
        text = (
            f"Possible duplicate: {kind.lower()} {_shown(invoice.invoice_number)} has the same "
            f"total ({invoice.currency} {invoice.total_amount}) as "
            f"{_shown(original.invoice_number)}, document {original.document_id} received on "
            f"{received}, and their invoice dates ({invoice.invoice_date}, "
            f"{original.invoice_date}) are within {window_days} days."
        )
    if original.channel and invoice.channel and original.channel != invoice.channel:
        text += f" It arrived twice, as {original.channel} and as {invoice.channel}."
    return text


def _shown(number: str | None) -> str:
    return repr(number) if number is not None else "(no number)"


def duplicate_reason(finding: DuplicateFinding) -> ReasonFinding:
    """The exception a duplicate gets instead of a match; ``actual`` names the original."""
    return ReasonFinding(
        code=MatchReason.DUPLICATE_INVOICE,
        message=finding.message,
        actual=finding.original_document_id,
    )
