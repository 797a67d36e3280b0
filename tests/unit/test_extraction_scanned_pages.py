"""What scans bring that text layers do not: typed pages, misread labels, lost titles, and
summary tables whose figures must be told apart from prose. Pages are built as OCR tokens
directly, as the reader would give them, so each rule is tested on its own."""

from collections.abc import Sequence
from itertools import pairwise

from ml.extraction.extractor import extract_invoice
from ml.extraction.lexicon import near_label_key
from ml.extraction.page_lines import page_lines
from models.tokens import Box, PageTokens, Token, TokenSource
from tests.builders import SUPPLIER_ORG_NUMBER, a_pdf_with_text
from workers.readers.pdf_text import read_pdf_pages

_PITCH = 6.0  # a 10 pt typewriter face: every character cell is 6 pt wide
_BEARING = 1.5  # OCR boxes hug the glyphs, so a word's box is this much narrower than its cells
_HEIGHT = 6.2  # cap height, as tesseract boxes it


def _typed_page(rows: Sequence[tuple[float, str]]) -> PageTokens:
    """A typed page as OCR reads it: each ``(y, line)`` in a monospaced face, words a space
    apart exactly as the line has them."""
    tokens = []
    for top, text in rows:
        column = 0
        for word in text.split(" "):
            if word:
                x0 = 50 + column * _PITCH
                box = Box(x0, top, x0 + len(word) * _PITCH - _BEARING, top + _HEIGHT)
                tokens.append(Token(word, box, 1, 0.95, TokenSource.OCR))
            column += len(word) + 1
    return PageTokens(1, 595.0, 842.0, TokenSource.OCR, tokens)


_TYPED_LETTER = [
    (60, "Kystlys Gjestgiveri AS"),
    (74, "Kongens gate 28, 9008 Tromsø"),
    (88, "Telefon 22 90 53 85"),
    (102, "Org. nr.: 923 609 016"),
    (130, "Faktureres til"),
    (144, "Bakken Rådgivning AS"),
    (158, "Møllendalsveien 35, 2609 Lillehammer"),
    (186, "Fakturadato....: 6. jan. 2025"),
    (200, "Overnatting enkeltrom  Tromsø  Lofoten  2.500,00"),
]


def test_words_a_typed_space_apart_are_one_value():
    # given a typed page, whose spaces are a whole character cell wide: wider than the
    # text is tall
    page = _typed_page(_TYPED_LETTER)
    # when its fields are extracted
    fields = extract_invoice([page]).fields
    # then a grouped org number and a date of three words are each read as one value
    assert fields["supplier_org_number"].value == SUPPLIER_ORG_NUMBER
    assert fields["invoice_date"].value == "2025-01-06"


def test_words_two_typed_spaces_apart_stay_apart():
    # given the same typed page, with a table row whose cells are two spaces apart
    lines = page_lines([_typed_page(_TYPED_LETTER)])
    # when the row's words are grouped
    row = next(line for line in lines if line.tokens[0].text == "Overnatting")
    # then words a single space apart are one phrase and the cells are not
    assert row.tokens[0].space is not None
    gaps = [right.box.x0 - left.box.x1 for left, right in pairwise(row.tokens)]
    assert gaps[0] <= row.tokens[0].space < gaps[1]


def test_a_proportional_scan_keeps_the_text_height_rule():
    # given an OCR page whose words differ in width per letter, as a proportional face's do
    tokens = [
        Token(
            word,
            Box(50 + 60 * i, 100 + 14 * (i // 4), 50 + 60 * i + width, 107),
            1,
            0.9,
            TokenSource.OCR,
        )
        for i, (word, width) in enumerate(
            [("Illinois", 18.0), ("Mammoth", 44.0), ("little", 14.0), ("WWWW", 40.0)] * 4
        )
    ]
    page = PageTokens(1, 595.0, 842.0, TokenSource.OCR, tokens)
    # when it is grouped into lines
    lines = page_lines([page])
    # then no typed spacing is assumed
    assert all(token.space is None for line in lines for token in line.tokens)


def test_a_label_with_one_letter_misread_is_still_a_label():
    # given labels as OCR misreads them in small grey print
    # when they are looked up
    # then a single slip in a long label is forgiven, and nothing else is stretched
    assert near_label_key("bestillingsar") == "bestillingsnr"
    assert near_label_key("leveransedat") == "leveransedato"
    assert near_label_key("fakturar") == "fakturar"  # "faktura" or "fakturanr": no guess
    assert near_label_key("mve") == "mve"  # short words are too near too many others
    assert near_label_key("strandveien") == "strandveien"
    assert near_label_key("kundens") == "kundens"  # a word of "Kundens ref.", not "Kundenr"


def _values(*rows: tuple[float, float, str]) -> dict[str, str]:
    pages = read_pdf_pages(a_pdf_with_text(*rows), max_pages=1)
    return {name: field.value for name, field in extract_invoice(pages).fields.items()}


def test_a_credit_note_is_known_by_its_labels_when_the_title_is_lost():
    # given a credit note whose title did not survive the scan, but whose labels say what it is
    values = _values(
        (50, 120, "Kreditnotanummer  700122626"),
        (50, 134, "Dato  08.04.2026"),
        (330, 400, "Sum eks. MVA  -800,00"),
        (330, 414, "MVA  -200,00"),
        (330, 428, "Å godskrive  -1 000,00"),
    )
    # when its fields are extracted
    # then it is a credit note, with its amounts unsigned as credit notes are recorded
    assert values["document_type"] == "credit_note"
    assert values["total_amount"] == "1000.00"


def test_a_credit_note_may_print_negative_sums_over_a_positive_amount_to_credit():
    # given a credit note whose base and VAT are negative and the amount to credit is not
    values = _values(
        (50, 60, "KREDITNOTA"),
        (330, 400, "Grunnlag  -59,90 NOK"),
        (330, 414, "MVA  -8,99 NOK"),
        (330, 428, "Å godskrive  68,89 NOK"),
    )
    # when its fields are extracted
    # then the three figures are one sum
    assert (values["net_amount"], values["vat_amount"], values["total_amount"]) == (
        "59.90",
        "8.99",
        "68.89",
    )


def test_a_vat_table_that_sums_to_the_total_outranks_a_zero_rate_row():
    # given a summary with net, VAT and total in columns, and a VAT table whose 0 % row's
    # "0,00" sits under a VAT label too
    values = _values(
        (100, 380, "Netto"),
        (250, 380, "MVA"),
        (400, 380, "Å betale"),
        (100, 394, "20 482,30"),
        (250, 394, "130,85"),
        (400, 394, "20 613,15"),
        (100, 430, "MVA-sats"),
        (170, 430, "MVA-grunnlag"),
        (260, 430, "Mva-beløp"),
        (100, 444, "25%"),
        (170, 444, "523,40"),
        (260, 444, "130,85"),
        (100, 458, "0%"),
        (170, 458, "19 958,90"),
        (260, 458, "0,00"),
    )
    # when its fields are extracted
    # then net and VAT are the table's sums, not the total and a zero
    assert (values["net_amount"], values["vat_amount"], values["total_amount"]) == (
        "20482.30",
        "130.85",
        "20613.15",
    )


def test_a_sentence_under_a_column_is_not_the_columns_value():
    # given a net column whose own figure is lost, and a payment sentence further down
    values = _values(
        (100, 380, "Beløp eks. mva"),
        (100, 394, "GEENGEN RO"),
        (50, 420, "Vennligst betal 1 250,00 til konto 1503.27.55511 innen 2026-08-02."),
    )
    # when its fields are extracted
    # then the sentence's amount is not taken for the net amount
    assert "net_amount" not in values


def test_a_total_that_contradicts_its_own_sum_is_a_misread():
    # given net and VAT that make the amount to pay, and a total misread beside them
    values = _values(
        (330, 400, "Netto  4 828,00"),
        (330, 414, "MVA  724,20"),
        (330, 428, "Sum inkl. mva  6 552,00"),
        (330, 442, "Til betaling:  5 552,20"),
    )
    # when its fields are extracted
    # then the total is the sum, as the amount to pay shows
    assert values["total_amount"] == "5552.20"
