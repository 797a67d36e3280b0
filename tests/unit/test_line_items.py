import io
import time
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from ml.extraction.line_items import LineItem, extract_line_items
from models.tokens import Box, PageTokens, Token, TokenSource
from workers.readers.pdf_text import read_pdf_pages

WIDTH, HEIGHT = A4
CHAR, SPACE, TEXT_HEIGHT = 5.0, 2.8, 9.0  # a 10 pt Helvetica-like word, for token pages

# Column positions shared by the layouts below: words start at a left edge, numbers end at a
# right edge, as invoice tables print them.
CODE, TEXT, QTY, UNIT, PRICE, VAT, AMOUNT = 40, 100, 330, 340, 420, 470, 550


# --- builders -----------------------------------------------------------------------------------


def left(x, text):
    return (x, text, "left")


def right(x, text):
    return (x, text, "right")


def a_token_page(*lines, number=1, source=TokenSource.TEXT, jitter=0.0):
    """A page of words: each line is ``(top, cell, cell, ...)``, a cell ``left(x, text)`` or
    ``right(x, text)``; the words of a cell are a space apart. ``jitter`` moves every other word
    down a little, as OCR baselines wander."""
    tokens = []
    for top, *cells in lines:
        for x, text, align in cells:
            words = text.split(" ")
            width = sum(len(w) * CHAR for w in words) + SPACE * (len(words) - 1)
            x0 = x if align == "left" else x - width
            for word in words:
                y = top + (jitter if len(tokens) % 2 else 0.0)
                box = Box(x0, y, x0 + len(word) * CHAR, y + TEXT_HEIGHT)
                tokens.append(Token(word, box, number, 0.9, source))
                x0 = box.x1 + SPACE
    return PageTokens(number, WIDTH, HEIGHT, source, tokens)


def a_pdf(*pages, margin_note=None):
    """A PDF whose pages hold ``(top, cell, ...)`` lines like :func:`a_token_page`, drawn in
    9 pt Helvetica, numbers right-aligned on their x; ``margin_note`` is printed upwards along
    the left edge, as some invoice software prints its name."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    for lines in pages:
        canvas.setFont("Helvetica", 9)
        for top, *cells in lines:
            for x, text, align in cells:
                draw = canvas.drawString if align == "left" else canvas.drawRightString
                draw(x, HEIGHT - top - 9, text)
        if margin_note:
            canvas.saveState()
            canvas.translate(25, HEIGHT - 152)
            canvas.rotate(90)
            canvas.drawString(0, 0, margin_note)
            canvas.restoreState()
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def items_in_pdf(*pages, margin_note=None):
    data = a_pdf(*pages, margin_note=margin_note)
    return extract_line_items(read_pdf_pages(data, max_pages=10))


def amounts(items):
    return [item.amount for item in items]


NORWEGIAN_HEADER = (
    100,
    left(CODE, "Varenr"),
    left(TEXT, "Beskrivelse"),
    right(QTY, "Antall"),
    left(UNIT, "Enhet"),
    right(PRICE, "Pris"),
    right(VAT, "Mva"),
    right(AMOUNT, "Beløp"),
)


def a_norwegian_row(top, code, text, qty, unit, price, amount):
    return (
        top,
        left(CODE, code),
        left(TEXT, text),
        right(QTY, qty),
        left(UNIT, unit),
        right(PRICE, price),
        right(VAT, "25 %"),
        right(AMOUNT, amount),
    )


NORWEGIAN_TOTALS = (
    (168, left(PRICE - 60, "Sum eks. mva"), right(AMOUNT, "9 775,00")),
    (181, left(PRICE - 60, "Mva 25 %"), right(AMOUNT, "2 443,75")),
    (194, left(PRICE - 60, "Å betale"), right(AMOUNT, "12 218,75")),
)


def a_norwegian_invoice():
    return [
        (40, left(CODE, "Faktura 10042"), left(400, "Fakturadato 03.11.2026")),
        NORWEGIAN_HEADER,
        a_norwegian_row(125, "10023", "Kontorstol ergonomisk", "2", "stk", "1 250,00", "2 500,00"),
        a_norwegian_row(140, "20045", "Konsulenttimer", "7,5", "timer", "950,00", "7 125,00"),
        a_norwegian_row(155, "30001", "Frakt", "1", "stk", "150,00", "150,00"),
        *NORWEGIAN_TOTALS,
    ]


# --- the text-layer path ------------------------------------------------------------------------


def test_a_norwegian_table_is_read_column_by_column():
    # given a Norwegian invoice with item numbers, units and a VAT column
    # when its line items are extracted from the PDF's text layer
    items = items_in_pdf(a_norwegian_invoice())
    # then every row is read with every field
    assert items[0] == LineItem(
        description="Kontorstol ergonomisk",
        item_code="10023",
        quantity=Decimal("2"),
        unit="stk",
        unit_price=Decimal("1250.00"),
        vat_rate=Decimal("25"),
        amount=Decimal("2500.00"),
        page=1,
        box=items[0].box,
    )
    assert [(i.item_code, i.description, i.quantity, i.unit) for i in items] == [
        ("10023", "Kontorstol ergonomisk", Decimal("2"), "stk"),
        ("20045", "Konsulenttimer", Decimal("7.5"), "timer"),
        ("30001", "Frakt", Decimal("1"), "stk"),
    ]


def test_a_totals_block_right_under_the_table_is_not_a_line():
    # given the Norwegian invoice, whose sums stand in the amount column right under the rows
    # when its line items are extracted
    items = items_in_pdf(a_norwegian_invoice())
    # then the table ends at "Sum eks. mva"
    assert amounts(items) == [Decimal("2500.00"), Decimal("7125.00"), Decimal("150.00")]


def test_an_item_box_covers_its_row():
    # given the Norwegian invoice
    # when its line items are extracted
    first = items_in_pdf(a_norwegian_invoice())[0]
    # then the box spans the row from item number to amount, and only that row
    assert first.box.x0 < CODE + 1 and first.box.x1 > AMOUNT - 1
    assert first.box.top > 124 and first.box.bottom < 140


def test_text_printed_up_the_margin_does_not_join_the_rows():
    # given the Norwegian invoice with a vertical note in the left margin beside its table
    note = "Kopi"
    # when its line items are extracted
    items = items_in_pdf(a_norwegian_invoice(), margin_note=note)
    # then the rows read as without the note
    assert [(i.item_code, i.description) for i in items] == [
        ("10023", "Kontorstol ergonomisk"),
        ("20045", "Konsulenttimer"),
        ("30001", "Frakt"),
    ]


def test_an_english_table_without_a_unit_column():
    # given an English invoice with description, quantity, unit price and amount only
    page = [
        (
            100,
            left(TEXT, "Description"),
            right(QTY, "Qty"),
            right(PRICE, "Unit price"),
            right(AMOUNT, "Amount"),
        ),
        (120, left(TEXT, "Consulting services"), right(QTY, "10"), right(PRICE, "120.00"),
         right(AMOUNT, "1,200.00")),
        (135, left(TEXT, "Travel expenses"), right(QTY, "1"), right(PRICE, "345.50"),
         right(AMOUNT, "345.50")),
        (160, left(PRICE - 40, "Subtotal"), right(AMOUNT, "1,545.50")),
        (173, left(PRICE - 40, "VAT 25%"), right(AMOUNT, "386.38")),
        (186, left(PRICE - 40, "Total due"), right(AMOUNT, "1,931.88")),
    ]  # fmt: skip
    # when its line items are extracted
    items = items_in_pdf(page)
    # then both rows are read, with no unit, code or VAT rate to report
    assert [(i.description, i.quantity, i.unit_price, i.amount) for i in items] == [
        ("Consulting services", Decimal("10"), Decimal("120.00"), Decimal("1200.00")),
        ("Travel expenses", Decimal("1"), Decimal("345.50"), Decimal("345.50")),
    ]
    assert {(i.unit, i.item_code, i.vat_rate) for i in items} == {(None, None, None)}


def test_a_table_continues_under_a_repeated_header():
    # given a table whose rows run over two pages, the header printed again on the second
    first = [
        NORWEGIAN_HEADER,
        a_norwegian_row(125, "1", "Papir A4", "10", "pk", "50,00", "500,00"),
        a_norwegian_row(140, "2", "Penner", "20", "stk", "10,00", "200,00"),
        (800, left(CODE, "Side 1 av 2")),
    ]
    second = [
        (50, left(CODE, "Faktura 10042")),
        NORWEGIAN_HEADER,
        a_norwegian_row(125, "3", "Tonerkassett", "2", "stk", "900,00", "1 800,00"),
        *NORWEGIAN_TOTALS,
        (800, left(CODE, "Side 2 av 2")),
    ]
    # when its line items are extracted
    items = items_in_pdf(first, second)
    # then all rows are found, each on its page
    assert [(i.description, i.page) for i in items] == [
        ("Papir A4", 1),
        ("Penner", 1),
        ("Tonerkassett", 2),
    ]


def test_a_table_continues_overleaf_without_a_header():
    # given a table whose rows run on at the top of the next page without a header, after a
    # carried-forward sum
    first = [
        NORWEGIAN_HEADER,
        a_norwegian_row(125, "1", "Papir A4", "10", "pk", "50,00", "500,00"),
        a_norwegian_row(140, "2", "Penner", "20", "stk", "10,00", "200,00"),
        (800, left(CODE, "Side 1 av 2")),
    ]
    second = [
        (50, left(CODE, "Faktura 10042")),
        (100, left(TEXT, "Overført"), right(AMOUNT, "700,00")),
        a_norwegian_row(115, "3", "Tonerkassett", "2", "stk", "900,00", "1 800,00"),
        a_norwegian_row(130, "4", "Stiftemaskin", "1", "stk", "249,00", "249,00"),
        *NORWEGIAN_TOTALS,
    ]
    # when its line items are extracted
    items = items_in_pdf(first, second)
    # then the rows overleaf are read under the first page's columns, and the carried sum is not
    assert [(i.item_code, i.amount, i.page) for i in items] == [
        ("1", Decimal("500.00"), 1),
        ("2", Decimal("200.00"), 1),
        ("3", Decimal("1800.00"), 2),
        ("4", Decimal("249.00"), 2),
    ]


def test_a_discount_column_is_used_and_not_taken_for_vat():
    # given a table with a discount percentage between price and amount
    page = [
        (100, left(TEXT, "Beskrivelse"), right(QTY, "Antall"), right(PRICE, "Pris"),
         right(VAT + 10, "Rabatt %"), right(AMOUNT, "Beløp")),
        (120, left(TEXT, "Skrivebord"), right(QTY, "2"), right(PRICE, "4 000,00"),
         right(VAT + 10, "10 %"), right(AMOUNT, "7 200,00")),
        (135, left(TEXT, "Kontorstol"), right(QTY, "4"), right(PRICE, "1 500,00"),
         right(VAT + 10, "0 %"), right(AMOUNT, "6 000,00")),
        (160, left(PRICE - 40, "Sum"), right(AMOUNT, "13 200,00")),
    ]  # fmt: skip
    # when its line items are extracted
    items = items_in_pdf(page)
    # then the discounted amount is the line's amount, and no VAT rate is invented
    assert [(i.quantity, i.unit_price, i.amount, i.vat_rate) for i in items] == [
        (Decimal("2"), Decimal("4000.00"), Decimal("7200.00"), None),
        (Decimal("4"), Decimal("1500.00"), Decimal("6000.00"), None),
    ]


# --- token pages: layouts and OCR ---------------------------------------------------------------


def test_a_wrapped_description_is_joined_with_single_spaces():
    # given a row whose description wraps onto the next line
    page = a_token_page(
        (100, left(TEXT, "Beskrivelse"), right(QTY, "Antall"), right(PRICE, "Pris"),
         right(AMOUNT, "Beløp")),
        (120, left(TEXT, "Årsavgift programvarelisens"), right(QTY, "1"),
         right(PRICE, "12 000,00"), right(AMOUNT, "12 000,00")),
        (130, left(TEXT, "for perioden 01.01.2027 - 31.12.2027")),
        (145, left(TEXT, "Support"), right(QTY, "3"), right(PRICE, "800,00"),
         right(AMOUNT, "2 400,00")),
        (170, left(PRICE - 40, "Sum"), right(AMOUNT, "14 400,00")),
    )  # fmt: skip
    # when its line items are extracted
    items = extract_line_items([page])
    # then the continuation line belongs to the first row, not to a row of its own
    assert [i.description for i in items] == [
        "Årsavgift programvarelisens for perioden 01.01.2027 - 31.12.2027",
        "Support",
    ]
    assert items[0].box.bottom >= 130 + TEXT_HEIGHT


def test_a_header_word_broken_over_two_lines_names_one_column():
    # given a header printing "Unit" over "price", and "Amount excl. VAT" beside a VAT column
    page = a_token_page(
        (100, left(TEXT, "Description"), right(QTY, "Qty"), right(PRICE, "Unit"),
         right(VAT, "VAT"), right(AMOUNT, "Amount excl. VAT")),
        (110, right(PRICE, "price")),
        (130, left(TEXT, "Licence"), right(QTY, "3"), right(PRICE, "99.00"),
         right(VAT, "25%"), right(AMOUNT, "297.00")),
        (145, left(TEXT, "Onboarding"), right(QTY, "1"), right(PRICE, "500.00"),
         right(VAT, "25%"), right(AMOUNT, "500.00")),
    )  # fmt: skip
    # when its line items are extracted
    items = extract_line_items([page])
    # then "Unit price" is the price column, not a unit, and the amount keeps its column
    assert [(i.unit, i.unit_price, i.vat_rate, i.amount) for i in items] == [
        (None, Decimal("99.00"), Decimal("25"), Decimal("297.00")),
        (None, Decimal("500.00"), Decimal("25"), Decimal("500.00")),
    ]


def test_an_ocr_amount_split_in_two_words_is_read_whole():
    # given an OCR'd table: "1 234,56" read as two words further apart than a space, "25 %" as
    # two words, a stray "|" from a table rule, and baselines that wander
    page = a_token_page(
        (100, left(TEXT, "Beskrivelse"), right(QTY, "Antall"), right(PRICE, "Pris"),
         right(VAT, "Mva"), right(AMOUNT, "Beløp")),
        (120, left(TEXT, "Rengjøring | kontor"), right(QTY, "2"), right(PRICE, "617,28"),
         right(VAT, "25 %"), right(AMOUNT - 38, "1"), right(AMOUNT, "234,56")),
        (135, left(TEXT, "Vindusvask"), right(QTY, "1"), right(PRICE, "2 000,00"),
         right(VAT, "25 %"), right(AMOUNT, "2 000,00")),
        (160, left(PRICE - 40, "Sum eks. mva"), right(AMOUNT, "3 234,56")),
        source=TokenSource.OCR,
        jitter=1.2,
    )  # fmt: skip
    # when its line items are extracted
    items = extract_line_items([page])
    # then the split amount and rate are read as one number each, and the rule is no word
    assert [(i.description, i.amount, i.vat_rate) for i in items] == [
        ("Rengjøring kontor", Decimal("1234.56"), Decimal("25")),
        ("Vindusvask", Decimal("2000.00"), Decimal("25")),
    ]


def test_a_table_without_header_is_found_by_its_arithmetic():
    # given rows with no header row, whose amounts are quantity x price on one right edge
    page = a_token_page(
        (60, left(TEXT, "Takk for handelen!")),
        (100, left(TEXT, "Vedlikeholdsavtale"), right(QTY, "12"), right(PRICE, "450,00"),
         right(AMOUNT, "5 400,00")),
        (115, left(TEXT, "Servicebesøk"), right(QTY, "2"), right(PRICE, "1 100,00"),
         right(AMOUNT, "2 200,00")),
        (140, left(PRICE - 40, "Sum"), right(AMOUNT, "7 600,00")),
    )  # fmt: skip
    # when its line items are extracted
    items = extract_line_items([page])
    # then the two rows are items and the sum is not
    assert [(i.description, i.quantity, i.unit_price, i.amount) for i in items] == [
        ("Vedlikeholdsavtale", Decimal("12"), Decimal("450.00"), Decimal("5400.00")),
        ("Servicebesøk", Decimal("2"), Decimal("1100.00"), Decimal("2200.00")),
    ]


def test_descriptions_printed_over_their_numbers_join_the_row_below():
    # given a layout that prints each description on the line above its numbers
    page = a_token_page(
        (100, left(TEXT, "Beskrivelse"), right(QTY, "Antall"), right(PRICE, "Pris"),
         right(AMOUNT, "Beløp")),
        (120, left(TEXT, "Konsulenttimer mars")),
        (130, right(QTY, "10"), right(PRICE, "950,00"), right(AMOUNT, "9 500,00")),
        (150, left(TEXT, "Reisekostnader")),
        (160, right(QTY, "1"), right(PRICE, "2 300,00"), right(AMOUNT, "2 300,00")),
        (185, left(PRICE - 40, "Sum"), right(AMOUNT, "11 800,00")),
    )  # fmt: skip
    # when its line items are extracted
    items = extract_line_items([page])
    # then each description belongs to the numbers under it
    assert [(i.description, i.amount) for i in items] == [
        ("Konsulenttimer mars", Decimal("9500.00")),
        ("Reisekostnader", Decimal("2300.00")),
    ]


def test_arithmetic_corrects_a_header_that_names_the_wrong_column():
    # given an English header calling the quantity column "Amount"
    page = a_token_page(
        (100, right(TEXT - 20, "Amount"), left(TEXT, "Product"), right(PRICE, "Price"),
         right(AMOUNT, "Total")),
        (120, right(TEXT - 20, "3.00"), left(TEXT, "Design hours"), right(PRICE, "160.00"),
         right(AMOUNT, "480.00")),
        (135, right(TEXT - 20, "400.00"), left(TEXT, "Balloons"), right(PRICE, "0.79"),
         right(AMOUNT, "316.00")),
    )  # fmt: skip
    # when its line items are extracted
    items = extract_line_items([page])
    # then quantity x price = amount decides which column is which
    assert [(i.quantity, i.unit_price, i.amount) for i in items] == [
        (Decimal("3.00"), Decimal("160.00"), Decimal("480.00")),
        (Decimal("400.00"), Decimal("0.79"), Decimal("316.00")),
    ]


def test_line_totals_including_vat_are_reported_net():
    # given a table whose line totals include VAT
    page = a_token_page(
        (100, left(TEXT, "Beskrivelse"), right(QTY, "Antall"), right(PRICE, "Pris"),
         right(VAT, "Mva"), right(AMOUNT, "Beløp inkl. mva")),
        (120, left(TEXT, "Hodetelefoner"), right(QTY, "2"), right(PRICE, "800,00"),
         right(VAT, "25 %"), right(AMOUNT, "2 000,00")),
        (135, left(TEXT, "Kabel"), right(QTY, "4"), right(PRICE, "100,00"), right(VAT, "25 %"),
         right(AMOUNT, "500,00")),
        (150, left(TEXT, "Frakt"), right(VAT, "25 %"), right(AMOUNT, "125,00")),
    )  # fmt: skip
    # when its line items are extracted
    items = extract_line_items([page])
    # then each amount is the net: quantity x price, or the total less VAT without them
    assert amounts(items) == [Decimal("1600.00"), Decimal("400.00"), Decimal("100.00")]


def test_a_page_without_a_table_has_no_items():
    # given a letter: prose, an address and a total, but no item table
    page = a_token_page(
        (60, left(CODE, "Purring på faktura 10042")),
        (80, left(CODE, "Vi har ikke mottatt betaling for fakturaen nedenfor.")),
        (100, left(CODE, "Å betale"), right(AMOUNT, "12 500,00")),
    )
    # when line items are extracted
    # then there are none
    assert extract_line_items([page]) == []


def test_a_typical_page_is_read_in_a_few_milliseconds():
    # given a page of about three hundred words: forty rows of seven
    rows = [
        a_norwegian_row(120 + 15 * n, str(1000 + n), f"Vare {n}", "2", "stk", "10,00", "20,00")
        for n in range(40)
    ]
    page = a_token_page(NORWEGIAN_HEADER, *rows)
    # when its line items are extracted, many times over
    start = time.perf_counter()
    for _ in range(20):
        items = extract_line_items([page])
    elapsed = (time.perf_counter() - start) / 20
    # then every row is found, well inside the budget (a loose bound, so a busy machine passes)
    assert len(items) == 40
    assert elapsed < 0.05
