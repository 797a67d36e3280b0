"""Choosing one value per field: score each candidate, then pick the jointly consistent set.

Fields are not independent. The net, VAT and total amounts must add up, the amount due is at
most the total, a due date does not precede the invoice date, and one printed word is one
field's value, not two. A candidate that makes the arithmetic hold gains the ``consistent``
feature, which both the hand-set prior and a learned scorer weigh.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import product

from ml.extraction.candidates import FEATURES, Candidate
from models.canonical_fields import HEADER_FIELDS, FieldKind

Scorer = Callable[[Sequence[Candidate]], list[float]]

_PATTERN_PRIOR = {
    "supplier_vat_number": 0.8,
    "iban": 0.85,
    "bank_account": 0.6,
    "supplier_org_number": 0.7,
    "buyer_org_number": 0.6,
    "invoice_date": 0.25,
    "due_date": 0.08,
    "delivery_date": 0.05,
    "currency": 0.5,
}
_AMOUNT_FIELDS = ("net_amount", "vat_amount", "total_amount", "amount_due")
_TOP = 6  # candidates per amount field tried jointly
_ROUNDING = Decimal("1.00")  # the amount due may be the total rounded to whole kroner
_SUM_BONUS = 0.6  # net + VAT = total holds
_DUE_BONUS = 0.15  # the amount due is the total
_CENT = Decimal("0.02")
# Fields whose value may be printed in words another field uses: "NO 923 609 016 MVA" is both
# the org number and the VAT number, and "€ 1 234,56" holds the currency.
_SHARING = frozenset({"currency", "supplier_org_number", "supplier_vat_number"})


def prior_score(candidate: Candidate) -> float:
    """A hand-set score in [0, 1] from a candidate's features: the scorer a company starts with
    before it has corrected anything, and the fallback for fields a learned model lacks."""
    f = candidate.features
    kind = HEADER_FIELDS[candidate.field]
    f = dict.fromkeys(FEATURES, 0.0) | f
    if f["memory"]:
        score = 0.9 + 0.08 * f["memory"]
    elif candidate.field in ("supplier_name", "buyer_name"):
        score = f["label_weight"]
    elif f["pattern"]:
        score = _PATTERN_PRIOR.get(candidate.field, 0.12)
        if candidate.field == "invoice_number":
            score = 0.2 + 0.15 * f["label_weight"]
        if kind is FieldKind.DATE:
            score -= 0.1 * f["y"]
    else:
        score = f["label_weight"] * (0.92 if f["same_line"] else 0.82)
        score -= min(f["gap"], 0.6) * 0.15
    if kind is FieldKind.AMOUNT:
        score *= 1.0 if f["has_decimals"] else 0.5
        score += 0.04 * f["last_on_line"]
        if candidate.field in ("total_amount", "amount_due"):
            score += 0.08 * f["largest_amount"]
        score += 0.25 * f["consistent"] + 0.3 * f["column_total"]
    score += 0.05 * f["checksum"] - 0.12 * f["repairs"] + 0.04 * f["repeats"]
    score *= 0.7 + 0.3 * f["ocr_confidence"]
    score *= 1.0 - 0.6 * f["in_table"]
    # squashed rather than clipped, so evidence beyond "certain" still ranks candidates
    return round(1.0 / (1.0 + math.exp(-6.0 * (score - 0.5))), 4)


def prior_scorer(candidates: Sequence[Candidate]) -> list[float]:
    return [prior_score(c) for c in candidates]


@dataclass(frozen=True, slots=True)
class Choice:
    candidate: Candidate
    score: float


def choose_fields(candidates: Sequence[Candidate], scorer: Scorer) -> dict[str, Choice]:
    """The best candidate per field, amounts chosen jointly, no word used by two fields."""
    by_field: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_field.setdefault(candidate.field, []).append(candidate)
    amounts = _consistent_amounts({f: by_field.pop(f, []) for f in _AMOUNT_FIELDS}, scorer)
    chosen: dict[str, Choice] = dict(amounts)
    used = {id(t) for choice in amounts.values() for t in choice.candidate.tokens}
    ranked: list[tuple[float, int, Candidate]] = []
    for field_candidates in by_field.values():
        scores = scorer(field_candidates)
        ranked += [(s, i, c) for i, (s, c) in enumerate(zip(scores, field_candidates, strict=True))]
    ranked.sort(key=lambda item: (-item[0], item[1]))
    for score, _, candidate in ranked:
        if candidate.field in chosen or score <= 0:
            continue
        if candidate.field not in _SHARING and any(id(t) in used for t in candidate.tokens):
            continue
        if not _dates_agree(candidate, chosen):
            continue
        chosen[candidate.field] = Choice(candidate, score)
        if candidate.field not in _SHARING:
            used.update(id(t) for t in candidate.tokens)
    return chosen


def _dates_agree(candidate: Candidate, chosen: dict[str, Choice]) -> bool:
    """A due date is on or after the invoice date."""
    if candidate.field == "due_date" and "invoice_date" in chosen:
        return candidate.value >= chosen["invoice_date"].candidate.value
    if candidate.field == "invoice_date" and "due_date" in chosen:
        return candidate.value <= chosen["due_date"].candidate.value
    return True


def _consistent_amounts(by_field: dict[str, list[Candidate]], scorer: Scorer) -> dict[str, Choice]:
    """The combination of net, VAT, total and amount due that scores best once every value
    that takes part in a holding sum is marked ``consistent``.

    Each candidate is scored twice up front (as it is, and as if consistent) so that trying
    the combinations costs lookups, not model calls.
    """
    tops: dict[str, list[tuple[Candidate, float, Candidate, float] | None]] = {}
    for name, field_candidates in by_field.items():
        scores = scorer(field_candidates)
        best: dict[str, tuple[float, Candidate]] = {}
        for score, candidate in zip(scores, field_candidates, strict=True):
            if candidate.value not in best or score > best[candidate.value][0]:
                best[candidate.value] = (score, candidate)
        ordered = [c for _, c in sorted(best.values(), key=lambda item: -item[0])[:_TOP]]
        marked = [c.with_features(consistent=1.0) for c in ordered]
        plain_scores, marked_scores = scorer(ordered), scorer(marked)
        tops[name] = [
            (c, s, m, ms)
            for c, s, m, ms in zip(ordered, plain_scores, marked, marked_scores, strict=True)
        ] + [None]
    best_total, best_choice = -math.inf, {}
    for combo in product(*(tops[name] for name in _AMOUNT_FIELDS)):
        picked = {n: (o[0] if o else None) for n, o in zip(_AMOUNT_FIELDS, combo, strict=True)}
        if not _plausible(picked):
            continue
        holding = _holding(picked)
        total = _SUM_BONUS * ("net_amount" in holding) + _DUE_BONUS * ("amount_due" in holding)
        for name, option in zip(_AMOUNT_FIELDS, combo, strict=True):
            if option is not None:
                # relative to an even chance, so a weak candidate costs rather than pads
                total += (option[3] if name in holding else option[1]) - 0.5
        if total > best_total:
            best_total = total
            best_choice = {
                name: Choice(option[2], option[3])
                if name in holding
                else Choice(option[0], option[1])
                for name, option in zip(_AMOUNT_FIELDS, combo, strict=True)
                if option is not None
            }
    return best_choice


def _value(candidate: Candidate | None) -> Decimal | None:
    return Decimal(candidate.value) if candidate is not None else None


def _plausible(picked: dict[str, Candidate | None]) -> bool:
    net, vat, total, due = (_value(picked[name]) for name in _AMOUNT_FIELDS)
    if net is not None and total is not None and abs(net) > abs(total):
        return False
    if vat is not None and net is not None and abs(vat) > abs(net) * Decimal("0.3") + _CENT:
        return False
    if due is not None and total is not None and abs(due) > abs(total) + _ROUNDING:
        return False
    if (
        net is not None
        and vat is not None
        and total is not None
        and due is not None
        and adds_up(net, vat, due)
        and abs(total - due) > _CENT
    ):
        return False  # the total is net + VAT; a different figure beside it is a misread
    chosen = [c for c in picked.values() if c is not None]
    tokens = [id(t) for c in chosen for t in c.tokens]
    shared = len(tokens) != len(set(tokens))
    if shared:
        # only total and amount due may be one printed figure
        others = [picked[n] for n in ("net_amount", "vat_amount") if picked[n] is not None]
        other_tokens = {id(t) for c in others for t in c.tokens}
        rest = [
            id(t) for n in ("total_amount", "amount_due") if picked[n] for t in picked[n].tokens
        ]
        if other_tokens & set(rest) or len(other_tokens) != sum(len(c.tokens) for c in others):
            return False
    return True


def _holding(picked: dict[str, Candidate | None]) -> set[str]:
    """The fields that take part in a sum that holds: net + VAT = total, due = total."""
    net, vat, total, due = (_value(picked[name]) for name in _AMOUNT_FIELDS)
    holding: set[str] = set()
    if net is not None and vat is not None and total is not None and adds_up(net, vat, total):
        holding |= {"net_amount", "vat_amount", "total_amount"}
    if due is not None and total is not None and "total_amount" in holding:
        if abs(due - total) <= _CENT:
            holding.add("amount_due")
    elif due is not None and net is not None and vat is not None and adds_up(net, vat, due):
        holding |= {"net_amount", "vat_amount", "amount_due"}
    return holding


def adds_up(net: Decimal, vat: Decimal, total: Decimal, tolerance: Decimal = _CENT) -> bool:
    """net + VAT = total within ``tolerance``, the sign aside: a credit note may print
    negative sums over a positive amount to credit ("Grunnlag -59,90", "MVA -8,99",
    "Å godskrive 68,89")."""
    return abs(abs(net + vat) - abs(total)) <= tolerance
