from decimal import Decimal

from models.decimals import plain_decimal, tidy_price, tidy_quantity

D = Decimal


def test_decimals_are_written_without_padding_or_exponents():
    assert [plain_decimal(v) for v in (D("12.5000"), D("1E+2"), D("-0.00"))] == ["12.5", "100", "0"]
    assert [tidy_quantity(v) for v in (D("5.0000"), D("2.5000"))] == [D("5"), D("2.5")]
    assert str(tidy_quantity(D("1E+1"))) == "10"
    assert [str(tidy_price(v)) for v in (D("1500.0000"), D("45.5805"))] == ["1500.00", "45.5805"]
