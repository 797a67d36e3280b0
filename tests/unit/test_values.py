from datetime import date
from decimal import Decimal

import pytest

from models.values import parse_amount, parse_currency, parse_date, parse_percentage


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("1 234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1234.56", "1234.56"),
        ("1234,56", "1234.56"),
        ("kr 1 234,56", "1234.56"),
        ("NOK 1.234,50", "1234.50"),
        ("12 500,00 NOK", "12500.00"),
        ("€ 99.5", "99.5"),
        ("1 234,-", "1234"),
        ("-1 234,56", "-1234.56"),
        ("\u22121 234,56", "-1234.56"),
        ("1 234,56-", "-1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1\u2009234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("1234", "1234"),
        ("0,125", "0.125"),
        ("923 609 016", "923609016"),
    ],
)
def test_amount_is_read_with_the_digits_it_was_printed_with(printed, expected):
    # given an amount in one of the formats Nordic and European invoices use
    # when it is parsed
    result = parse_amount(printed)
    # then the value and its number of decimals are kept exactly
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize(
    "text",
    [
        "03.11.2026",
        "2026-11-03",
        "12 34",
        "1.234.56",
        "1,234,56",
        "-1 234,56-",
        "1e5",
        "nan",
        "inf",
        "--5",
        "25 %",
        "Sum 12",
        "",
        "kr",
    ],
)
def test_text_that_is_not_an_amount_gives_none(text):
    # given a date, broken grouping, a float literal or words
    # when it is parsed as an amount
    result = parse_amount(text)
    # then it is rejected
    assert result is None


@pytest.mark.parametrize(
    "printed",
    [
        "03.11.2026",
        "3.11.2026",
        "03.11.26",
        "2026-11-03",
        "03/11/2026",
        "03-11-2026",
        "3. nov. 2026",
        "3 nov 2026",
        "3 november 2026",
        "3. november 2026",
        "3. NOVEMBER 2026",
        "Nov 3, 2026",
        "November 3rd, 2026",
        "03.11.2026.",
    ],
)
def test_date_formats_on_nordic_invoices_are_read_day_first(printed):
    # given 3 November 2026 as some invoicing system prints it
    # when it is parsed
    result = parse_date(printed)
    # then the calendar date is recovered
    assert result == date(2026, 11, 3)


@pytest.mark.parametrize(
    ("printed", "month"),
    [
        ("1 jan 2026", 1),
        ("1 januari 2026", 1),
        ("1 feb. 2026", 2),
        ("1 mar 2026", 3),
        ("1 mars 2026", 3),
        ("1 marts 2026", 3),
        ("1 apr 2026", 4),
        ("1 mai 2026", 5),
        ("1 maj 2026", 5),
        ("May 1, 2026", 5),
        ("1 jun 2026", 6),
        ("1 juni 2026", 6),
        ("1 jul 2026", 7),
        ("1 juli 2026", 7),
        ("1 aug 2026", 8),
        ("1 augusti 2026", 8),
        ("1 sep 2026", 9),
        ("1 sept. 2026", 9),
        ("1 okt 2026", 10),
        ("Oct 1, 2026", 10),
        ("1 des. 2026", 12),
        ("1 dec 2026", 12),
        ("1 desember 2026", 12),
    ],
)
def test_month_names_are_understood_in_four_languages(printed, month):
    # given a date with a Norwegian, Swedish, Danish or English month name or abbreviation
    # when it is parsed
    result = parse_date(printed)
    # then the month is the one meant
    assert result == date(2026, month, 1)


@pytest.mark.parametrize(
    "text",
    ["31.02.2026", "29.02.2026", "2026-13-01", "32.01.2026", "1 foo 2026", "10042", "1 234,56", ""],
)
def test_impossible_or_non_dates_give_none(text):
    # given an impossible calendar date or something that is not a date
    # when it is parsed
    result = parse_date(text)
    # then nothing is guessed
    assert result is None


def test_two_digit_years_are_this_century():
    # given a date printed with a two-digit year
    # when it is parsed
    result = parse_date("29.02.28")
    # then the year is 20xx (and 2028 is a leap year)
    assert result == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("NOK", "NOK"),
        ("SEK", "SEK"),
        ("DKK", "DKK"),
        ("EUR", "EUR"),
        ("USD", "USD"),
        ("GBP", "GBP"),
        ("EUR:", "EUR"),
        ("€", "EUR"),
        ("Euro", "EUR"),
        ("$", "USD"),
        ("£", "GBP"),
    ],
)
def test_currency_codes_and_symbols_give_iso_codes(printed, expected):
    # given a currency code or symbol
    # when it is parsed
    result = parse_currency(printed)
    # then its ISO 4217 code is returned
    assert result == expected


@pytest.mark.parametrize("text", ["kr", "Kr.", "nok", "XYZ", "MVA", ""])
def test_ambiguous_or_unknown_currency_marks_give_none(text):
    # given "kr" (NOK, SEK or DKK), the Norwegian word "nok", or an unknown code
    # when it is parsed
    result = parse_currency(text)
    # then the caller is left to fall back to the company currency
    assert result is None


@pytest.mark.parametrize(
    "printed",
    [
        "03. November 2026",
        "3 novembre 2026",
        "3. Nov. 2026",
        "3rd November 2026",
        "20261103",
        "2026/11/03",
        "2026.11.03",
        "3/11/26",
        "3 novembre 2026.",
    ],
)
def test_german_french_and_year_first_forms_are_read(printed):
    # given 3 November 2026 as a German, French or year-first system prints it
    # when it is parsed
    result = parse_date(printed)
    # then the calendar date is recovered
    assert result == date(2026, 11, 3)


@pytest.mark.parametrize(
    ("printed", "month"),
    [
        ("1. Januar 2026", 1),
        ("1. Jänner 2026", 1),
        ("1er janvier 2026", 1),
        ("1 janv. 2026", 1),
        ("1. Februar 2026", 2),
        ("1 février 2026", 2),
        ("1 fevrier 2026", 2),
        ("1 févr. 2026", 2),
        ("1. März 2026", 3),
        ("1. Maerz 2026", 3),
        ("1. Mär. 2026", 3),
        ("1 mars 2026", 3),
        ("1 avril 2026", 4),
        ("1 avr. 2026", 4),
        ("1. Mai 2026", 5),
        ("1 mai 2026", 5),
        ("1. Juni 2026", 6),
        ("1 juin 2026", 6),
        ("1. Juli 2026", 7),
        ("1 juillet 2026", 7),
        ("1 juil. 2026", 7),
        ("1 août 2026", 8),
        ("1 aout 2026", 8),
        ("1 septembre 2026", 9),
        ("1. Oktober 2026", 10),
        ("1 octobre 2026", 10),
        ("1 novembre 2026", 11),
        ("1. Dezember 2026", 12),
        ("1. Dez. 2026", 12),
        ("1 décembre 2026", 12),
        ("1 decembre 2026", 12),
        ("1 de\u0301cembre 2026", 12),
    ],
)
def test_german_and_french_month_names_and_abbreviations_are_understood(printed, month):
    # given a date with a German or French month name, abbreviation or accent-less spelling
    # (the last one with the accent as a separate combining character, as some PDFs store it)
    # when it is parsed
    result = parse_date(printed)
    # then the month is the one meant
    assert result == date(2026, month, 1)


@pytest.mark.parametrize(
    "text",
    [
        "1 ma 2026",
        "1 jui 2026",
        "1 marsvin 2026",
        "1 decimal 2026",
        "1 sum 2026",
        "19891103",
        "21001103",
        "20261131",
        "20261303",
        "2026/11-03",
        "2026-11",
    ],
)
def test_loose_words_and_unbelievable_compact_dates_give_none(text):
    # given a two-letter or ambiguous abbreviation ("jui" is juin or juillet), a word that only
    # starts like a month, or an eight-digit number outside 1990-2099 or not a calendar date
    # when it is parsed
    result = parse_date(text)
    # then nothing is guessed
    assert result is None


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("1'234.56", "1234.56"),
        ("1\u2019234.56", "1234.56"),
        ("CHF 1'234'567.80", "1234567.80"),
        ("EUR 1.234,56", "1234.56"),
        ("1 234,56 €", "1234.56"),
        ("€1,234.56", "1234.56"),
        ("€ 1 234,56-", "-1234.56"),
    ],
)
def test_swiss_grouping_and_currency_signs_around_amounts_are_read(printed, expected):
    # given an amount with apostrophe grouping or a currency code or sign on either side
    # when it is parsed
    result = parse_amount(printed)
    # then the value is recovered with its decimals
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize("text", ["1'23.45", "1'234,567.8", "12'34", "1''234"])
def test_broken_apostrophe_grouping_gives_none(text):
    # given apostrophes that do not separate groups of exactly three digits
    # when it is parsed as an amount
    result = parse_amount(text)
    # then it is rejected
    assert result is None


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("25%", "25"),
        ("25 %", "25"),
        ("25\u00a0%", "25"),
        ("25,0 %", "25.0"),
        ("12.5%", "12.5"),
        ("0%", "0"),
        ("100 %", "100"),
    ],
)
def test_percentage_is_read_with_its_decimals(printed, expected):
    # given a VAT rate or discount printed as a number and a per cent sign
    # when it is parsed
    result = parse_percentage(printed)
    # then the number is kept as printed
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize("text", ["MVA 25%", "25", "%", "-5 %", "101 %", "25 % MVA", "2 5%", ""])
def test_text_that_is_not_a_percentage_in_range_gives_none(text):
    # given a label around the rate, no sign, a negative or a rate over 100
    # when it is parsed as a percentage
    result = parse_percentage(text)
    # then it is rejected
    assert result is None


def test_a_layout_s_month_words_read_what_the_names_refuse():
    # "jui" is juin or juillet; a layout that was taught it means June settles it
    assert parse_date("jui 13, 2015") is None
    assert parse_date("jui 13, 2015", {"jui": 6}) == date(2015, 6, 13)
    assert parse_date("13. Jui. 2015", {"jui": 6}) == date(2015, 6, 13)
