import pytest

from models.identifiers import normalize_org_number, vat_number_for


@pytest.mark.parametrize(
    "printed",
    [
        "923 609 016",
        "923609016",
        "NO923609016MVA",
        "NO 923 609 016 MVA",
        "923609016 MVA",
        "923.609.016",
        "923\u00a0609\u00a0016",
    ],
)
def test_printed_org_number_is_reduced_to_its_nine_digits(printed):
    # given an org number as suppliers print it
    # when it is normalised
    result = normalize_org_number(printed)
    # then only the digits remain
    assert result == "923609016"


@pytest.mark.parametrize(
    "text",
    ["923609017", "923 609 01", "9236090161", "92360901X", "", "MVA", "SE556677889901"],
)
def test_text_that_is_not_a_valid_org_number_gives_none(text):
    # given a bad checksum, a wrong length or no number at all
    # when it is normalised
    result = normalize_org_number(text)
    # then it is rejected rather than guessed at
    assert result is None


def test_vat_number_wraps_the_org_number_in_no_and_mva():
    # given a valid org number, printed with spaces
    # when its VAT number is built
    result = vat_number_for("923 609 016")
    # then it has the form EHF invoices carry
    assert result == "NO923609016MVA"


def test_vat_number_is_never_built_from_an_invalid_org_number():
    # given an org number with a bad check digit
    # when its VAT number is built
    # then it is refused
    with pytest.raises(ValueError):
        vat_number_for("923609017")
