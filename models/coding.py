"""The rules of coding an invoice's lines that are decided, not learned.

Who may decide a line's account, VAT code, department and project, when a document's coding is
complete, and what the exception case says when it is not. The coding model (``ml/coding``)
proposes values; these rules say what its proposals and a person's confirmations mean.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from models.exception_cases import ExceptionReason

CODING_CASE = "coding_unconfirmed"
MODEL_ACTOR = "bilag-model"
# Every posting has an account; the other targets are used by some companies, on some lines.
REQUIRED_TARGET = "account"
# Line number of an invoice read without lines: the invoice is coded as a whole.
WHOLE_INVOICE = 0


class CodingState(StrEnum):
    """Who decided a value: nobody yet (suggested, abstained), the model alone, or a person."""

    SUGGESTED = "suggested"  # the model's proposal, below the auto-accept threshold
    ABSTAINED = "abstained"  # the model is too unsure to propose anything
    AUTO_ACCEPTED = "auto_accepted"  # applied with no human, above the held-out threshold
    CONFIRMED = "confirmed"  # a person's value; never overwritten by the model


DECIDED = frozenset({CodingState.AUTO_ACCEPTED, CodingState.CONFIRMED})


@dataclass(frozen=True)
class TargetState:
    """One line's coding of one target, as far as these rules care."""

    line_number: int
    target: str
    state: str


def undecided(states: Iterable[TargetState], lines: Sequence[int]) -> list[tuple[int, str]]:
    """(line, target) pairs that still need a person, in line order.

    A proposed value nobody accepted is open, and so is a line with no account at all (a
    company without a model yet, or a line the model could not rank): a posting without an
    account cannot be booked. Rows of lines the invoice no longer has do not count.
    """
    current = set(lines)
    seen: set[tuple[int, str]] = set()
    open_pairs: list[tuple[int, str]] = []
    for item in states:
        if item.line_number not in current:
            continue
        seen.add((item.line_number, item.target))
        if item.state not in DECIDED:
            open_pairs.append((item.line_number, item.target))
    open_pairs += [(n, REQUIRED_TARGET) for n in current if (n, REQUIRED_TARGET) not in seen]
    return sorted(open_pairs)


def unconfirmed_reason(open_pairs: Sequence[tuple[int, str]]) -> list[ExceptionReason]:
    """The ``coding_unconfirmed`` case for what is still open, or none when nothing is."""
    if not open_pairs:
        return []
    lines = sorted({line for line, _ in open_pairs})
    line_words = "the invoice as a whole" if lines == [WHOLE_INVOICE] else f"{len(lines)} line(s)"
    return [
        ExceptionReason(
            code=CODING_CASE,
            message=(
                f"The coding of {line_words} needs a person: {len(open_pairs)} value(s) "
                "were not confident enough to apply without review."
            ),
            detail={
                "open": [{"line_number": line, "target": target} for line, target in open_pairs]
            },
        )
    ]


def is_correction(previous: str | None, confirmed: str | None) -> bool:
    """A person's value that differs from what stood (the model's proposal, or an earlier
    confirmation). Confirming what the model proposed, or a line it abstained on, is not."""
    return previous is not None and previous != confirmed


def posting_row_key(document_id: uuid.UUID | str, line_number: int) -> str:
    """The posting-history key of a line Bilag coded: one row per line, replaced on recoding."""
    return f"doc:{document_id}:line:{line_number}"
