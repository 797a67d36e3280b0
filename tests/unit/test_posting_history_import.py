"""Reading posting-history exports: columns, values, line numbers and row keys."""

import re
from datetime import date
from decimal import Decimal

import pytest

from models.posting_history import (
    ERRORS_KEPT,
    TEXT_LIMITS,
    RowError,
    parse_history_csv,
    parse_history_records,
)
from models.tables import PostingHistory

HEADER = (
    "date,supplier_id,supplier_name,description,amount,currency,account,vat_code,department,project"
)


def a_row(**overrides: str) -> str:
    """One CSV data line with sensible values, any of them overridden."""
    values = {
        "date": "2026-03-14",
        "supplier_id": "10042",
        "supplier_name": "Kontorrekvisita AS",
        "description": "Printerpapir",
        "amount": "1234.50",
        "currency": "NOK",
        "account": "6800",
        "vat_code": "1",
        "department": "200",
        "project": "",
    }
    values.update(overrides)
    return ",".join(values[name] for name in HEADER.split(","))


def a_csv(*rows: str, header: str = HEADER) -> list[str]:
    """Lines as an open file yields them: each with its line break."""
    return [f"{line}\n" for line in (header, *rows)]


# Columns


def test_a_file_without_a_required_column_is_refused_at_the_header():
    lines = a_csv("2026-03-14,1234.50", header="date,amount")

    parsed = parse_history_csv(lines, "NOK")

    assert parsed.rows == []
    assert len(parsed.errors) == 1
    assert parsed.errors[0].line == 1
    message = parsed.errors[0].message
    assert "account" in message and "supplier_id or supplier_name" in message
    assert "amount" not in message.split(";")[0]  # present columns are not called missing


def test_either_supplier_column_is_enough_in_the_header_but_a_row_needs_one_of_them():
    lines = a_csv(
        "2026-03-14,Taxi Oslo AS,350,7140",
        "2026-03-15, ,350,7140",
        header="date,supplier_name,amount,account",
    )

    parsed = parse_history_csv(lines, "NOK")

    assert [row.supplier_name for row in parsed.rows] == ["Taxi Oslo AS"]
    assert parsed.rows[0].supplier_id is None
    assert [error.line for error in parsed.errors] == [3]
    assert "supplier_id and supplier_name are both empty" in parsed.errors[0].message


def test_header_names_are_matched_without_case_or_surrounding_space_and_unknown_ones_warned_once():
    header = "\ufeff Date ,SUPPLIER_NAME, Amount,Account,Kostnadssted,Bilagsnr"
    lines = a_csv(
        "2026-03-14,Taxi Oslo AS,350,7140,x,1", "2026-03-15,Taxi Oslo AS,99,7140,y,2", header=header
    )

    parsed = parse_history_csv(lines, "NOK")

    assert parsed.errors == []
    assert [row.amount for row in parsed.rows] == [Decimal("350.00"), Decimal("99.00")]
    assert parsed.warnings == ["Ignored unknown columns: kostnadssted, bilagsnr."]


def test_a_semicolon_separated_export_with_decimal_commas_is_read():
    header = "date;supplier_name;amount;account"
    lines = a_csv("14.03.2026;Kontorrekvisita AS;1 234,50;6800", header=header)

    parsed = parse_history_csv(lines, "NOK")

    assert parsed.errors == []
    assert parsed.rows[0].posting_date == date(2026, 3, 14)
    assert parsed.rows[0].amount == Decimal("1234.50")


def test_a_row_with_more_fields_than_the_header_is_refused_not_shifted():
    # an unquoted decimal comma in a comma-separated file splits the amount in two
    parsed = parse_history_csv(a_csv(a_row(amount="1234,50")), "NOK")

    assert parsed.rows == []
    assert parsed.errors == [RowError(2, parsed.errors[0].message)]
    assert "11 fields but the header has 10" in parsed.errors[0].message


# Values


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1234.50", Decimal("1234.50")),
        ("-12.5", Decimal("-12.50")),
        ('"1 234,50"', Decimal("1234.50")),
        ('"1234,50"', Decimal("1234.50")),
        ("1\u00a0234\u00a0567.8", Decimal("1234567.80")),
        ("1234.500", Decimal("1234.50")),
        ("0", Decimal("0.00")),
        ("-0.00", Decimal("0.00")),
    ],
)
def test_amounts_are_exact_decimals_with_two_places(text, amount):
    parsed = parse_history_csv(a_csv(a_row(amount=text)), "NOK")

    assert parsed.errors == []
    assert parsed.rows[0].amount == amount
    assert str(parsed.rows[0].amount) == str(amount)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('"1.234,50"', "is not a number like"),
        ("1e5", "is not a number like"),
        ("NOK 100", "is not a number like"),
        ("12.", "is not a number like"),
        ("1.234", "has more than 2 decimals"),
        ("12.345", "has more than 2 decimals"),
        ("10000000000000000", "is too large"),
        ("", "amount is empty"),
    ],
)
def test_anything_else_as_an_amount_is_a_row_error_that_says_why(text, why):
    parsed = parse_history_csv(a_csv(a_row(), a_row(amount=text)), "NOK")

    assert len(parsed.rows) == 1
    assert [error.line for error in parsed.errors] == [3]
    assert why in parsed.errors[0].message


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2026-02-30", "is not a day of the calendar"),
        ("31.04.2026", "is not a day of the calendar"),
        ("2026/03/14", "is not YYYY-MM-DD or DD.MM.YYYY"),
        ("14.03.26", "is not YYYY-MM-DD or DD.MM.YYYY"),
        ("14 March 2026", "is not YYYY-MM-DD or DD.MM.YYYY"),
        ("", "date is empty"),
    ],
)
def test_a_bad_date_is_a_row_error_on_its_line(text, why):
    parsed = parse_history_csv(a_csv(a_row(), a_row(), a_row(date=text)), "NOK")

    assert len(parsed.rows) == 2
    assert [error.line for error in parsed.errors] == [4]
    assert why in parsed.errors[0].message


def test_line_numbers_are_physical_lines_counting_blank_lines_and_quoted_line_breaks():
    two_lines = a_row(description='"two\r\nlines"')
    text = "\n".join([HEADER, a_row(), "", two_lines, a_row(date="2026-13-01")]) + "\n"
    # as a file opened with newline="" yields it: the quoted break splits the record in two
    lines = text.splitlines(keepends=True)
    assert len(lines) == 6

    parsed = parse_history_csv(lines, "NOK")

    assert len(parsed.rows) == 2
    assert parsed.rows[1].description == "two\r\nlines"
    assert [error.line for error in parsed.errors] == [6]
    assert parsed.records == 3


def test_every_problem_of_a_row_is_reported_in_one_error():
    parsed = parse_history_csv(a_csv(a_row(date="soon", amount="much", account="")), "NOK")

    assert len(parsed.errors) == 1
    message = parsed.errors[0].message
    assert "date 'soon'" in message and "amount 'much'" in message and "account is empty" in message


def test_text_is_stripped_blank_optionals_are_none_and_too_long_text_is_refused_not_cut():
    parsed = parse_history_csv(
        a_csv(
            a_row(supplier_name="  Taxi Oslo AS ", vat_code=" ", department=""),
            a_row(supplier_name="x" * 201),
        ),
        "NOK",
    )

    row = parsed.rows[0]
    assert (row.supplier_name, row.vat_code, row.department, row.project) == (
        "Taxi Oslo AS",
        None,
        None,
        None,
    )
    assert [error.line for error in parsed.errors] == [3]
    assert "supplier_name is 201 characters long; at most 200" in parsed.errors[0].message


def test_the_length_limits_are_the_tables():
    for name, limit in TEXT_LIMITS.items():
        assert PostingHistory.__table__.c[name].type.length == limit, name
    assert PostingHistory.__table__.c["row_key"].type.length == 64


def test_the_currency_defaults_to_the_companys_and_is_upper_cased():
    with_column = parse_history_csv(a_csv(a_row(currency=""), a_row(currency="eur")), "sek")
    without_column = parse_history_csv(
        a_csv("2026-03-14,Taxi,350,7140", header="date,supplier_name,amount,account"), "DKK"
    )

    assert [row.currency for row in with_column.rows] == ["SEK", "EUR"]
    assert [row.currency for row in without_column.rows] == ["DKK"]


@pytest.mark.parametrize("text", ["kr", "EURO", "€", "N0K"])
def test_a_currency_that_is_not_three_letters_is_a_row_error(text):
    parsed = parse_history_csv(a_csv(a_row(currency=text)), "NOK")

    assert parsed.rows == []
    assert "is not a three-letter ISO 4217 code" in parsed.errors[0].message


def test_only_the_first_errors_are_kept_but_all_are_counted():
    parsed = parse_history_csv(a_csv(*[a_row(date="x")] * (ERRORS_KEPT + 5)), "NOK")

    assert len(parsed.errors) == ERRORS_KEPT
    assert parsed.error_count == ERRORS_KEPT + 5
    assert parsed.records == ERRORS_KEPT + 5


# Row keys


def test_row_keys_are_stable_across_parses_and_distinct_for_repeated_identical_rows():
    taxi = a_row(supplier_name="Taxi Oslo AS", amount="350", account="7140")
    lines = a_csv(taxi, a_row(), taxi, taxi)

    first = parse_history_csv(lines, "NOK")
    again = parse_history_csv(lines, "NOK")

    keys = [row.row_key for row in first.rows]
    assert keys == [row.row_key for row in again.rows]
    assert len(set(keys)) == 4
    assert all(re.fullmatch(r"[0-9a-f]{64}", key) for key in keys)


def test_a_rows_key_depends_on_its_content_and_occurrence_not_its_position():
    taxi = a_row(supplier_name="Taxi Oslo AS", amount="350", account="7140")

    alone = parse_history_csv(a_csv(taxi, taxi), "NOK")
    with_others = parse_history_csv(a_csv(a_row(), taxi, a_row(amount="1"), taxi), "NOK")

    assert [row.row_key for row in alone.rows] == [
        row.row_key for row in with_others.rows if row.supplier_name == "Taxi Oslo AS"
    ]


def test_the_same_posting_written_differently_gets_the_same_key():
    plain = parse_history_csv(a_csv(a_row(amount="1234.5", date="2026-03-14")), "NOK")
    nordic = parse_history_csv(
        a_csv(
            a_row(amount='"1 234,50"', date="14.03.2026", currency="", description=" Printerpapir ")
        ),
        "NOK",
    )

    assert plain.rows[0].row_key == nordic.rows[0].row_key


def test_a_different_amount_or_account_gives_a_different_key():
    keys = {
        parse_history_csv(a_csv(row), "NOK").rows[0].row_key
        for row in (a_row(), a_row(amount="1234.51"), a_row(account="6810"), a_row(currency="EUR"))
    }

    assert len(keys) == 4


def test_the_erps_own_row_key_is_used_and_hashed_only_when_too_long():
    header = f"{HEADER},row_key"
    long_key = "VOUCHER-2026-" + "9" * 80
    parsed = parse_history_csv(
        a_csv(f"{a_row()}, INV-42 ", f"{a_row()},{long_key}", f"{a_row()},", header=header), "NOK"
    )

    short, hashed, blank = (row.row_key for row in parsed.rows)
    assert short == "INV-42"
    assert re.fullmatch(r"[0-9a-f]{64}", hashed) and hashed != long_key[:64]
    assert (
        hashed
        == parse_history_csv(a_csv(f"{a_row()},{long_key}", header=header), "NOK").rows[0].row_key
    )
    assert blank == parse_history_csv(a_csv(a_row()), "NOK").rows[0].row_key


# JSON records


def test_json_records_are_read_like_csv_rows_with_their_index_as_line():
    records = [
        {"Date": "2026-03-14", "supplier_id": 10042, "amount": Decimal("1234.5"), "account": 6800},
        "not an object",
        {"date": "2026-03-14", "supplier_name": "Taxi", "amount": True, "account": "7140"},
        {
            "date": "2026-03-14",
            "supplier_name": "Taxi",
            "amount": 350,
            "account": "7140",
            "memo": "x",
        },
    ]

    parsed = parse_history_records(records, "NOK")

    assert [(row.supplier_id, row.amount, row.account) for row in parsed.rows] == [
        ("10042", Decimal("1234.50"), "6800"),
        (None, Decimal("350.00"), "7140"),
    ]
    assert [error.line for error in parsed.errors] == [2, 3]
    assert "not an object" in parsed.errors[0].message
    assert "amount must be text or a number" in parsed.errors[1].message
    assert parsed.warnings == ["Ignored unknown fields: memo."]
    assert parsed.records == 4


def test_a_json_record_and_the_same_csv_row_get_the_same_key():
    record = {
        "date": "2026-03-14",
        "supplier_id": "10042",
        "supplier_name": "Kontorrekvisita AS",
        "description": "Printerpapir",
        "amount": "1234.50",
        "currency": "NOK",
        "account": "6800",
        "vat_code": "1",
        "department": "200",
        "project": None,
    }

    from_json = parse_history_records([record], "NOK")
    from_csv = parse_history_csv(a_csv(a_row()), "NOK")

    assert from_json.rows == from_csv.rows
