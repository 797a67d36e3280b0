from decimal import Decimal

import pytest

from models.vat_codes import (
    STANDARD_VAT_CODES_PATH,
    StandardVatCode,
    load_standard_vat_codes,
    parse_standard_vat_codes,
)

HEADER = "Code;DescriptionNOB;DescriptionENG;TaxRate;Compensation\n"


def _by_code() -> dict[str, StandardVatCode]:
    return {code.code: code for code in load_standard_vat_codes()}


def test_the_shipped_file_is_utf8_without_bom() -> None:
    data = STANDARD_VAT_CODES_PATH.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert "inngående" in data.decode("utf-8")


def test_all_thirty_codes_are_read() -> None:
    codes = load_standard_vat_codes()
    assert len(codes) == 30
    assert len({code.code for code in codes}) == 30


def test_code_1_is_deductible_domestic_input_vat_at_25_percent() -> None:
    code = _by_code()["1"]
    assert code.rate == Decimal("25")
    assert code.rate_class == "Regular rate"
    assert code.description_eng == "Input VAT deductible (domestic)"
    assert code.description_nob == "Fradragsberettiget innenlands inngående merverdiavgift"
    assert code.compensation is True


def test_reduced_rates() -> None:
    codes = _by_code()
    assert codes["11"].rate == Decimal("15")
    assert codes["12"].rate == Decimal("11.11")
    assert codes["13"].rate == Decimal("12")
    assert codes["33"].rate == Decimal("12")
    assert codes["52"].rate == Decimal("0")


def test_code_0_has_no_rate() -> None:
    code = _by_code()["0"]
    assert code.rate is None
    assert code.rate_class is None
    assert code.description_eng == "No VAT treatment"


def test_empty_compensation_is_false() -> None:
    codes = _by_code()
    assert codes["3"].compensation is False
    assert codes["12"].compensation is False


def test_bom_and_crlf_are_tolerated() -> None:
    text = "\ufeff" + (HEADER + "1;Inngående;Input;Regular rate;TRUE\n").replace("\n", "\r\n")
    (code,) = parse_standard_vat_codes(text)
    assert code == StandardVatCode("1", "Inngående", "Input", Decimal("25"), True, "Regular rate")


@pytest.mark.parametrize(
    "text",
    [
        "Code;Description\n1;x\n",
        HEADER + "1;a;b;Super rate;TRUE\n",
        HEADER + "1;a;b;Regular rate;yes\n",
        HEADER + "1;a;b;Regular rate\n",
    ],
)
def test_unexpected_content_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_standard_vat_codes(text)
