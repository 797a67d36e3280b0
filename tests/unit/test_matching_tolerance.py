import json
from decimal import Decimal

import pytest

from models.matching.engine import normalise_order_number
from models.matching.records import Limit, Tolerances
from models.matching.tolerance import (
    describe,
    merge_tolerances,
    tolerances_from_mapping,
    tolerances_to_mapping,
    within,
)

D = Decimal


@pytest.mark.parametrize(
    ("limit", "expected", "deviation", "allowed"),
    [
        (Limit(amount=D("1.00")), D("100"), D("1.00"), True),
        (Limit(amount=D("1.00")), D("100"), D("1.01"), False),
        (Limit(percent=D("2")), D("100.00"), D("2.00"), True),
        (Limit(percent=D("2")), D("100.00"), D("2.01"), False),
        (Limit(percent=D("2")), D("-100.00"), D("2.00"), True),
        # both set: the stricter wins
        (Limit(percent=D("2"), amount=D("1.00")), D("100"), D("1.00"), True),
        (Limit(percent=D("2"), amount=D("1.00")), D("100"), D("1.50"), False),
        (Limit(percent=D("2"), amount=D("5.00")), D("100"), D("2.50"), False),
        # neither set: nothing but an exact figure passes
        (Limit(), D("100"), D("0"), True),
        (Limit(), D("100"), D("0.01"), False),
    ],
)
def test_a_deviation_is_within_a_limit_up_to_and_including_it(limit, expected, deviation, allowed):
    # given a limit, an expected figure and a one-way deviation
    # when the deviation is checked
    # then exactly at the limit passes and one øre more does not
    assert within(limit, expected, deviation) is allowed


def test_a_negative_deviation_is_refused():
    with pytest.raises(ValueError, match="never negative"):
        within(Limit(), D("1"), D("-0.01"))


@pytest.mark.parametrize(
    ("limit", "words"),
    [
        (Limit(), "none allowed"),
        (Limit(percent=D("2")), "2 %"),
        (Limit(percent=D("2.50")), "2.5 %"),
        (Limit(amount=D("1.00")), "1.00"),
        (Limit(percent=D("2"), amount=D("1.00")), "2 % or 1.00, the stricter"),
        (Limit(amount=D("1E+2")), "100"),
    ],
)
def test_a_limit_is_described_in_words(limit, words):
    assert describe(limit) == words


def test_supplier_overrides_replace_only_the_keys_they_give():
    # given company tolerances
    base = Tolerances(
        price_over=Limit(percent=D("2"), amount=D("1.00")),
        price_under=Limit(percent=D("5")),
        fee_amount=D("100"),
    )
    # when a supplier overrides price_over (percent only) and the fee amount
    merged = merge_tolerances(base, {"price_over": {"percent": "5"}, "fee_amount": "150"})
    # then those change, the limit as a whole, and everything else is the company's
    assert merged.price_over == Limit(percent=D("5"))
    assert merged.fee_amount == D("150")
    assert merged.price_under == base.price_under
    assert merged.total_over == base.total_over


def test_overrides_accept_numbers_decimals_and_limits():
    merged = merge_tolerances(
        Tolerances(),
        {
            "price_over": {"percent": 2, "amount": D("1.00")},
            "quantity_over": Limit(amount=D("1")),
            "fee_amount": "99,50",
        },
    )
    assert merged.price_over == Limit(percent=D("2"), amount=D("1.00"))
    assert merged.quantity_over == Limit(amount=D("1"))
    assert merged.fee_amount == D("99.50")


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"price_over": {"percent": "two"}}, "price_over.percent"),
        ({"price_over": {"amount": "-1"}}, "price_over.amount"),
        ({"total_under": {"percent": "NaN"}}, "total_under.percent"),
        ({"total_under": {"percent": True}}, "total_under.percent"),
        ({"price_under": "2"}, "price_under"),
        ({"price_under": {"pct": "2"}}, "price_under"),
        ({"fee_amount": None}, "fee_amount"),
        ({"fee_amount": "lots"}, "fee_amount"),
        ({"freight": "100"}, "freight"),
    ],
)
def test_bad_override_values_are_refused_naming_the_key(overrides, named):
    with pytest.raises(ValueError, match=named):
        merge_tolerances(Tolerances(), overrides)


def test_tolerances_survive_storage_as_json():
    # given tolerances with some limits unset
    tolerances = Tolerances(
        price_over=Limit(percent=D("2"), amount=D("1.00")),
        total_under=Limit(percent=D("0.5")),
        fee_amount=D("150.00"),
    )
    # when written as JSON and read back
    stored = json.loads(json.dumps(tolerances_to_mapping(tolerances)))
    # then decimals were strings and nothing changed
    assert stored["price_over"] == {"percent": "2", "amount": "1.00"}
    assert stored["fee_amount"] == "150.00"
    assert tolerances_from_mapping(stored) == tolerances


def test_missing_stored_keys_take_the_defaults():
    assert tolerances_from_mapping({}) == Tolerances()


@pytest.mark.parametrize(
    "printed",
    [
        "4711",
        "PO-4711",
        "po 4711",
        "PO4711",
        "P.O. 4711",
        "Ordre nr. 4711",
        "Order No: 004711",
        "Bestilling: 4711",
        "bestillingsnr 4711",
        "Innkjøpsordre 4711",
        "Purchase order #4711",
        " 47-11 ",
    ],
)
def test_order_numbers_compare_without_labels_case_punctuation_and_padding(printed):
    assert normalise_order_number(printed) == "4711"


@pytest.mark.parametrize(
    ("printed", "normalised"),
    [
        ("PO-A0012", "a0012"),  # zeros inside a code are kept
        ("POLAR-7", "polar7"),  # a word that starts like a label is no label
        ("Order", "order"),  # nothing but a label is kept rather than emptied
        ("000", "0"),
    ],
)
def test_order_number_normalisation_keeps_what_is_part_of_the_number(printed, normalised):
    assert normalise_order_number(printed) == normalised
