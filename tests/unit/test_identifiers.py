import pytest
from stdnum import iban

from models.identifiers import (
    normalize_bank_account,
    normalize_bic,
    normalize_iban,
    normalize_kid,
    normalize_org_number,
    normalize_vat_number,
    repair_ocr_digits,
    vat_country,
    vat_number_for,
)


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


# --- KID ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("1234567897", "1234567897"),  # MOD10 (Luhn)
        ("1234 5678 97", "1234567897"),
        ("KID: 1234567897", "1234567897"),
        ("KID-nr. 1234 5678 97", "1234567897"),
        ("12345674", "12345674"),  # MOD11
        ("8922960-", "8922960-"),  # MOD11 check value 10 printed as "-"
        ("86011117947", "86011117947"),  # a valid account number is a valid MOD11 KID
    ],
)
def test_kid_with_a_mod10_or_mod11_check_digit_is_kept_exactly(printed, expected):
    # given a KID as printed on a giro, with spaces or a label
    # when it is normalised
    result = normalize_kid(printed)
    # then its digits (and a "-" check digit) remain
    assert result == expected


@pytest.mark.parametrize(
    "text", ["1234567898", "8922960-1", "89229600", "1", "1" * 26, "1234-5678-97", "KID", ""]
)
def test_text_that_is_not_a_kid_gives_none(text):
    # given a failing check digit, a misplaced "-", the wrong length or hyphen grouping
    # when it is normalised as a KID
    result = normalize_kid(text)
    # then it is rejected
    assert result is None


# --- Bank account and IBAN --------------------------------------------------------------------


@pytest.mark.parametrize(
    "printed",
    [
        "8601.11.17947",
        "8601 11 17947",
        "86011117947",
        "Kontonr.: 8601 11 17947",
        "Konto 8601.11.17947",
    ],
)
def test_norwegian_account_is_reduced_to_its_eleven_digits(printed):
    # given a Norwegian bank account as suppliers print it
    # when it is normalised
    result = normalize_bank_account(printed)
    # then the eleven digits remain
    assert result == "86011117947"


@pytest.mark.parametrize(
    "text", ["8601.11.17948", "8601.11.1794", "NO9386011117947", "4090403", ""]
)
def test_text_that_is_not_a_norwegian_account_gives_none(text):
    # given a bad MOD11 digit, a wrong length, an IBAN or an old seven-digit postgiro number
    # when it is normalised as an account
    result = normalize_bank_account(text)
    # then it is rejected
    assert result is None


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("NO93 8601 1117 947", "NO9386011117947"),
        ("IBAN: NO93 8601 1117 947", "NO9386011117947"),
        ("iban no93 8601 1117 947", "NO9386011117947"),
        ("GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819"),
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("SE45\u00a05000\u00a00000\u00a00583\u00a09825\u00a07466", "SE4550000000058398257466"),
    ],
)
def test_iban_of_any_country_is_compact_and_upper_case(printed, expected):
    # given an IBAN printed in groups, with a label or in lower case
    # when it is normalised
    result = normalize_iban(printed)
    # then it is compact and upper case
    assert result == expected


@pytest.mark.parametrize(
    "text",
    ["NO93 8601 1117 948", "NO94 8601 1117 947", "GB29 NWBK 6016 1331 9268 1", "XX00 1234", ""],
)
def test_iban_failing_its_checks_gives_none(text):
    # given a wrong account digit, wrong check digits, a wrong length or an unknown country
    # when it is normalised
    result = normalize_iban(text)
    # then it is rejected
    assert result is None


def test_norwegian_iban_also_checks_the_account_mod11():
    # given an IBAN whose MOD97 check digits were computed for an account failing MOD11
    bban = "86011117948"
    printed = "NO" + iban.calc_check_digits("NO00" + bban) + bban
    # when it is normalised
    result = normalize_iban(printed)
    # then the national check still rejects it
    assert result is None


# --- BIC ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("BIC: DNBANOKK", "DNBANOKK"),
        ("SWIFT: NDEANOKK", "NDEANOKK"),
        ("BIC/SWIFT: ESSE SE SS", "ESSESESS"),
        ("SWIFT-code dnbanokk", "DNBANOKK"),
        ("DNBANOKKXXX", "DNBANOKKXXX"),
        ("UBSWCHZH80A", "UBSWCHZH80A"),
        ("DEUT DE FF 500", "DEUTDEFF500"),
        ("ABNABE2A", "ABNABE2A"),
        ("BIC: BICSFRPP", "BICSFRPP"),
    ],
)
def test_bic_with_a_label_a_digit_or_xxx_branch_is_accepted(printed, expected):
    # given a BIC next to its label, or one whose location or branch cannot be a word
    # when it is normalised
    result = normalize_bic(printed)
    # then the compact upper-case code is returned
    assert result == expected


@pytest.mark.parametrize(
    "text",
    [
        "RECHNUNG",  # RECH NU (Niue) NG: right shape, but a heading
        "BETALING",  # BETA LI (Liechtenstein) NG
        "BANKGIRO",  # BANK GI (Gibraltar) RO
        "Rechnung",
        "DNBANOKK",  # a real BIC, but without a label it is indistinguishable from a word
        "ubswchzh80a",  # digits, but printed in lower case without a label
        "BIC: DNBAXXKK",  # XX is no country
        "BIC: DNBANOK",  # seven characters
        "BIC: DNBANOKKXX",  # ten characters
        "BIC: DNB4NOKK",  # digit in the institution code
        "",
    ],
)
def test_words_and_malformed_codes_are_not_bics(text):
    # given an upper-case word with a BIC's shape, or a code with a bad country or length
    # when it is normalised as a BIC
    result = normalize_bic(text)
    # then it is rejected
    assert result is None


# --- VAT numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("NO 923 609 016 MVA", "NO923609016MVA"),
        ("NO923609016MVA", "NO923609016MVA"),
        ("923609016 MVA", "NO923609016MVA"),
        ("Org.nr. 923 609 016 MVA", "NO923609016MVA"),
        ("NO 923 609 016 MVA Foretaksregisteret", "NO923609016MVA"),
        ("DE 136 695 976", "DE136695976"),
        ("USt-IdNr.: DE136695976", "DE136695976"),
        ("FR 40 303 265 045", "FR40303265045"),
        ("TVA FR40303265045", "FR40303265045"),
        ("SE556677889901", "SE556677889901"),
        ("SE 5566778899 01", "SE556677889901"),
        ("DK12345674", "DK12345674"),
        ("DK 12 34 56 74", "DK12345674"),
        ("GB 980 7806 84", "GB980780684"),
        ("VAT no: GB980780684", "GB980780684"),
        ("EL094259216", "EL094259216"),
    ],
)
def test_vat_number_is_compact_with_its_country_prefix(printed, expected):
    # given a Norwegian, EU or British VAT id as printed, with or without a label
    # when it is normalised
    result = normalize_vat_number(printed)
    # then the canonical compact form is returned
    assert result == expected


@pytest.mark.parametrize(
    "text",
    [
        "NO 923 609 017 MVA",  # org number fails MOD11
        "NO923609016",  # no MVA: not VAT registered as far as the invoice says
        "923609016",
        "DE136695977",
        "FR 12 345678901",
        "SE556677889902",
        "DK12345675",
        "GB980780685",
        "XX123456789",
        "MVA",
        "",
    ],
)
def test_invalid_vat_numbers_give_none(text):
    # given a failing check digit, a bare or MVA-less Norwegian number, or an unknown country
    # when it is normalised
    result = normalize_vat_number(text)
    # then it is rejected
    assert result is None


@pytest.mark.parametrize(
    ("vat_number", "country"),
    [
        ("NO923609016MVA", "NO"),
        ("DE136695976", "DE"),
        ("SE 556677889901", "SE"),
        ("EL094259216", "GR"),
        ("XI980780684", "GB"),
    ],
)
def test_vat_country_is_the_iso_country_of_the_id(vat_number, country):
    # given a valid VAT id, Greek and Northern Irish ones with their VAT-only prefixes
    # when its country is asked for
    result = vat_country(vat_number)
    # then the ISO 3166 code is returned
    assert result == country


def test_vat_country_of_an_invalid_id_is_refused():
    # given a VAT id with a bad check digit
    # when its country is asked for
    # then it is refused rather than read off the prefix
    with pytest.raises(ValueError):
        vat_country("DE136695977")


# --- OCR repair ---------------------------------------------------------------------------------


def test_valid_identifier_is_returned_untouched():
    # given an org number read correctly
    # when OCR repair is tried
    result = repair_ocr_digits("923 609 016", normalize_org_number)
    # then nothing is changed
    assert result == ("923609016", 0)


@pytest.mark.parametrize(
    ("printed", "normalize", "expected"),
    [
        ("923 6O9 016", normalize_org_number, ("923609016", 1)),
        ("NO 923 6O9 016 MVA", normalize_org_number, ("923609016", 1)),
        ("9Z3 609 0l6", normalize_org_number, ("923609016", 2)),
        ("8601.1l.l7947", normalize_bank_account, ("86011117947", 2)),
        ("1234 S678 97", normalize_kid, ("1234567897", 1)),
        ("NO93 86Ol 1117 947", normalize_iban, ("NO9386011117947", 2)),
        ("GB29 NWBK 6O16 1331 9268 19", normalize_iban, ("GB29NWBK60161331926819", 1)),
    ],
)
def test_letters_read_for_digits_are_repaired_when_the_checksum_then_holds(
    printed, normalize, expected
):
    # given an identifier where OCR read O, l, Z or S for a digit
    # when OCR repair is tried with the matching normaliser
    result = repair_ocr_digits(printed, normalize)
    # then the repaired value and the number of changes are returned; letters that belong to
    # the text ("NO", "MVA", the bank code "NWBK") are left alone
    assert result == expected


def test_repair_is_limited_to_max_changes():
    # given an org number with three misread digits
    printed = "9Z3 609 Ol6"
    # when repair is allowed two changes, then three
    # then it is given up at two and found at three
    assert repair_ocr_digits(printed, normalize_org_number) is None
    assert repair_ocr_digits(printed, normalize_org_number, max_changes=3) == ("923609016", 3)


def test_repair_that_fails_the_checksum_gives_none():
    # given an org number with a misread digit whose look-alike digit is wrong (S is 5, not 3)
    # when OCR repair is tried
    result = repair_ocr_digits("92S 609 016", normalize_org_number)
    # then nothing is returned
    assert result is None


def test_ambiguous_repair_is_refused():
    # given a French IBAN whose account field may hold letters, printed with an O and an S, where
    # reading the O as 0 and reading the S as 5 each give an IBAN that validates
    printed = "FR03 3000 6000 0120 9O16 07S3 059"
    assert normalize_iban(printed.replace("O", "0")) == "FR03300060000120901607S3059"
    assert normalize_iban(printed.replace("S", "5")) == "FR033000600001209O160753059"
    # when OCR repair is tried
    result = repair_ocr_digits(printed, normalize_iban)
    # then it does not guess between them
    assert result is None


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("GB29NWBKG0161331926819", "GB29NWBK60161331926819"),
        ("NOg3 8601 1117 947", "NO9386011117947"),
    ],
)
def test_iban_digits_next_to_letters_are_repaired_where_its_layout_wants_a_digit(printed, expected):
    # given an IBAN where a misread digit touches real letters: the sort code right after the
    # bank code "NWBK", or the check digits right after the country code
    # when OCR repair is tried
    result = repair_ocr_digits(printed, normalize_iban)
    # then the country's BBAN layout says a digit belongs there, and it is repaired
    assert result == (expected, 1)


def test_iban_country_code_is_never_repaired():
    # given a Norwegian IBAN whose country code was read as "N0"
    # when OCR repair is tried
    result = repair_ocr_digits("N093 8601 1117 947", normalize_iban)
    # then no digit is turned into a letter, and nothing validates
    assert result is None
