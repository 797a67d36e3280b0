"""Extraction: from page tokens to canonical invoice fields, lines and VAT breakdown.

The steps are separate so each can be measured and replaced: candidates (everything that might
be a value), scoring (a hand-set prior, or a company's learned model), joint selection (the
arithmetic and date order), arithmetic completion (a total that is not printed follows from
net and VAT), and calibration (scores become probabilities measured on development data).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ml.extraction.calibration import Calibration, load_calibration
from ml.extraction.candidates import (
    Candidate,
    buyer_block_lines,
    generate_candidates,
    with_document_features,
)
from ml.extraction.date_order import NORDIC_ORDER, in_document_order
from ml.extraction.layout_memory import LayoutTemplate, memory_candidates
from ml.extraction.line_items import LineItem, extract_line_items
from ml.extraction.page_lines import Line, page_lines
from ml.extraction.parties import document_type_of, party_candidates
from ml.extraction.selection import Choice, Scorer, adds_up, choose_fields, prior_scorer
from ml.extraction.vat_breakdown import VatRow, find_vat_breakdown
from models.tokens import Box, PageTokens, TokenSource

FALLBACK = 0.3  # the company's default currency when the invoice names none
_CENT = Decimal("0.01")
_BREAKDOWN_CONFIDENCE = 0.85  # a sum of breakdown rows whose own arithmetic held


@dataclass(frozen=True)
class FieldValue:
    """One extracted field, canonical, with where it was read and how sure we are."""

    name: str
    value: str
    confidence: float
    page: int | None
    box: Box | None
    source: TokenSource


@dataclass
class Extraction:
    fields: dict[str, FieldValue]
    lines: list[LineItem] = field(default_factory=list)
    vat_breakdown: list[VatRow] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    fields_source: TokenSource = TokenSource.TEXT

    def values(self) -> dict[str, str]:
        return {name: value.value for name, value in self.fields.items()}


def extract_invoice(
    pages: Sequence[PageTokens],
    *,
    default_currency: str | None = None,
    scorer: Scorer | None = None,
    template: LayoutTemplate | None = None,
    calibration: Calibration | None = None,
) -> Extraction:
    """Every canonical field found on the pages; a field not found is left out.

    ``template`` is the company's layout memory of this layout, if it has one; ``scorer`` is
    the company's learned candidate scorer, if it has one.
    """
    lines = page_lines(pages)
    if not lines:
        fallback = (
            {
                "currency": FieldValue(
                    "currency", default_currency, FALLBACK, None, None, TokenSource.TEXT
                )
            }
            if default_currency
            else {}
        )
        return Extraction(fields=fallback)
    items = extract_line_items(pages)
    candidates = candidates_for(lines, template, items)
    chosen = choose_fields(candidates, scorer or prior_scorer)
    if calibration is None:
        # a learned scorer's probabilities are its own calibration
        calibration = Calibration() if scorer is not None else load_calibration()
    source = pages[0].source
    fields = {name: _field_value(choice, calibration) for name, choice in chosen.items()}
    document_type, type_confidence = document_type_of(lines)
    fields["document_type"] = FieldValue(
        "document_type", document_type, type_confidence, None, None, source
    )
    breakdown = find_vat_breakdown(lines)
    _complete_amounts(fields, breakdown, source)
    _org_number_from_vat_number(fields)
    if document_type == "credit_note":
        _unsigned(fields)
    if "currency" not in fields and default_currency:
        fields["currency"] = FieldValue("currency", default_currency, FALLBACK, None, None, source)
    return Extraction(fields, items, breakdown, candidates, source)


def candidates_for(
    lines: Sequence[Line],
    template: LayoutTemplate | None = None,
    items: Sequence[LineItem] = (),
) -> list[Candidate]:
    """All candidates of a document: generated, party names, and the layout memory's, dates
    read in the document's order, else the layout's."""
    buyers = buyer_block_lines(lines)
    extra = memory_candidates(lines, template) if template else []
    date_order = template.date_order if template else NORDIC_ORDER
    raw = [*generate_candidates(lines, buyers), *party_candidates(lines, buyers), *extra]
    rows: dict[int, list[Box]] = {}
    for item in items:
        rows.setdefault(item.page, []).append(item.box)
    return [
        c.with_features(in_table=1.0) if _inside_rows(c, rows.get(c.page, [])) else c
        for c in with_document_features(in_document_order(raw, lines, date_order), lines)
    ]


def _inside_rows(candidate: Candidate, rows: Sequence[Box]) -> bool:
    middle = candidate.box.middle
    return any(row.top - 1 <= middle <= row.bottom + 1 for row in rows)


def _field_value(choice: Choice, calibration: Calibration) -> FieldValue:
    candidate = choice.candidate
    return FieldValue(
        name=candidate.field,
        value=candidate.value,
        confidence=round(calibration.probability(candidate.field, choice.score), 3),
        page=candidate.page,
        box=candidate.box,
        source=candidate.tokens[0].source,
    )


def _complete_amounts(
    fields: dict[str, FieldValue], breakdown: Sequence[VatRow], source: TokenSource
) -> None:
    """Fill a missing total, amount due, net or VAT from the others when the sum is certain.

    Many Norwegian invoices print "Å betale" and no separate total, which then is the total;
    a derived value is only as sure as the least sure value it comes from.
    """

    def amount(name: str) -> Decimal | None:
        return Decimal(fields[name].value) if name in fields else None

    def derive_from_breakdown(name: str, value: Decimal) -> None:
        fields[name] = FieldValue(name, str(value), _BREAKDOWN_CONFIDENCE, None, None, source)

    def derive(name: str, value: Decimal, *sources: str) -> None:
        confidence = min(fields[s].confidence for s in sources) * 0.95
        fields[name] = FieldValue(name, str(value), round(confidence, 3), None, None, source)

    net, vat, total, due = (
        amount(n) for n in ("net_amount", "vat_amount", "total_amount", "amount_due")
    )
    if net is not None and vat is not None and total is not None and net - vat == total:
        # the VAT's minus sign was printed apart from its figure ("EUR -" above "1,12")
        derive("vat_amount", -vat, "vat_amount")
        vat = -vat
    if (
        total is None
        and due is not None
        and (net is None or vat is None or adds_up(net, vat, due, tolerance=Decimal("0")))
    ):
        derive("total_amount", due, "amount_due")
        total = due
    if due is None and total is not None:
        derive("amount_due", total, "total_amount")
    gross = total if total is not None else due
    base = sum((row.base for row in breakdown), Decimal("0"))
    tax = sum((row.amount for row in breakdown), Decimal("0"))
    if breakdown and net is not None and gross is not None:
        if net + tax == gross and vat != tax:
            # several rates print a VAT line each and no VAT total: the total is their sum
            derive_from_breakdown("vat_amount", tax)
            vat = tax
        elif base + tax == gross and tax and (net, vat) != (base, tax):
            # The chosen pair adds up only as the total with no VAT (the 0 % row's "0,00"),
            # while a VAT table whose every row holds sums to that total: the table is right.
            derive_from_breakdown("net_amount", base)
            derive_from_breakdown("vat_amount", tax)
            net, vat = base, tax
    if net is None and breakdown and (total is None or base + tax == total):
        derive_from_breakdown("net_amount", base)
        net = base
        if vat is None:
            derive_from_breakdown("vat_amount", tax)
            vat = tax
    if net is None and vat is not None and total is not None and total - vat >= 0:
        derive("net_amount", total - vat, "total_amount", "vat_amount")
    elif vat is None and net is not None and total is not None and total - net >= 0:
        if breakdown and tax == total - net:
            derive("vat_amount", total - net, "total_amount", "net_amount")
        elif total == net:
            derive("vat_amount", Decimal("0.00"), "total_amount", "net_amount")


def _org_number_from_vat_number(fields: dict[str, FieldValue]) -> None:
    """A Norwegian VAT id is the org number with NO and MVA around it."""
    vat = fields.get("supplier_vat_number")
    if "supplier_org_number" in fields or vat is None:
        return
    if vat.value.startswith("NO") and vat.value.endswith("MVA"):
        fields["supplier_org_number"] = FieldValue(
            "supplier_org_number", vat.value[2:-3], vat.confidence, vat.page, vat.box, vat.source
        )


def _unsigned(fields: dict[str, FieldValue]) -> None:
    """A credit note's amounts are stated positive, as a UBL CreditNote states them."""
    for name in ("net_amount", "vat_amount", "total_amount", "amount_due"):
        if name in fields and fields[name].value.startswith("-"):
            old = fields[name]
            fields[name] = FieldValue(
                name, old.value[1:], old.confidence, old.page, old.box, old.source
            )
