"""An invoice's order reference field may name several orders."""

import pytest

from models.matching.order_numbers import normalise_order_number, order_references


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        (None, ()),
        ("", ()),
        ("4500012", ("4500012",)),
        ("PO 4711, PO 4712", ("PO 4711", "PO 4712")),
        ("4711; 4712", ("4711", "4712")),
        ("4711 og 4712", ("4711", "4712")),
        ("Ordre 4711 & 4712", ("Ordre 4711", "4712")),
        ("Bestilling 4711 / Ola", ("Bestilling 4711 / Ola",)),
    ],
)
def test_an_order_reference_is_split_into_the_orders_it_names(printed, expected):
    assert order_references(printed) == expected


def test_the_parts_compare_as_order_numbers():
    assert [normalise_order_number(part) for part in order_references("PO-004711, po 4712")] == [
        "4711",
        "4712",
    ]
