"""Renders invoice content in a family's layout and style as a text-layer PDF.

Rendering runs twice: a dry pass (a pen without a canvas) counts the pages so every page can
print "page n of m", then the real pass draws. Both return which truth fields were printed.
"""

import io
from dataclasses import replace

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from workers.invoice_generator.content import InvoiceContent
from workers.invoice_generator.footer import FOOTER_HEIGHT, draw_footer, draw_page_number
from workers.invoice_generator.header import (
    SIDEBAR_WIDTH,
    draw_continuation,
    draw_masthead,
    draw_parties,
    draw_sidebar_background,
)
from workers.invoice_generator.layouts import Family
from workers.invoice_generator.payment import (
    GIRO_HEIGHT,
    draw_giro,
    draw_payment_block,
    draw_payment_sentence,
    payment_block_width,
)
from workers.invoice_generator.pen import PAGE_HEIGHT, PAGE_WIDTH, Pen
from workers.invoice_generator.sheet import Sheet
from workers.invoice_generator.style import Style
from workers.invoice_generator.table import draw_table
from workers.invoice_generator.totals import (
    breakdown_form,
    breakdown_table_width,
    draw_breakdown_table,
    draw_totals_block,
    draw_totals_boxed,
    draw_totals_row,
)

_MARGIN = 45.0


def render_invoice_pdf(
    content: InvoiceContent, style: Style, family: Family
) -> tuple[bytes, frozenset[str]]:
    """The PDF and the names of the truth fields it prints."""
    pages = _Pass(content, style, family, None, pages=1).run()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    drawing = _Pass(content, style, family, canvas, pages=pages)
    drawn = drawing.run()
    assert drawn == pages, "the dry pass and the drawing pass disagree on the page count"
    canvas.showPage()
    canvas.save()
    return buffer.getvalue(), frozenset(drawing.sheet.shown)


def draw_tail(sheet: Sheet, y: float) -> float:
    """Totals, any VAT breakdown table and the payment details, below the line table: the
    breakdown and payment block beside the totals where they fit, else below them."""
    mode = sheet.payment_mode
    credit = sheet.content.is_credit_note
    with_table = breakdown_form(sheet) == "table"
    payment_block = mode == "block" and not credit
    table_width = breakdown_table_width(sheet) if with_table else 0.0
    block_width = payment_block_width(sheet) if payment_block else 0.0
    if sheet.family.totals == "row":
        y = draw_totals_row(sheet, y) + sheet.size
        left_y = draw_breakdown_table(sheet, sheet.left, y) if with_table else y
        if payment_block:
            half = sheet.width * 0.5
            if table_width + 16 <= half and block_width <= half:
                left_y = max(left_y, draw_payment_block(sheet, sheet.left + half, y, half))
            else:
                width = max(block_width, min(260.0, sheet.width))
                left_y = draw_payment_block(sheet, sheet.left, left_y + 6, width)
        y = left_y
    else:
        draw = draw_totals_boxed if sheet.family.totals == "boxed" else draw_totals_block
        right_y, totals_x = draw(sheet, y)
        room = totals_x - sheet.left - 18
        left_y = y if max(table_width, block_width) <= room else right_y + 10
        if with_table:
            left_y = draw_breakdown_table(sheet, sheet.left, left_y) + 6
        if payment_block:
            width = max(block_width, min(260.0, room))
            left_y = draw_payment_block(sheet, sheet.left, left_y + (6 if with_table else 0), width)
        y = max(left_y, right_y)
    if mode == "sentence" or credit:
        y = draw_payment_sentence(sheet, y + 8)
    return y


class _Pass:
    def __init__(
        self,
        content: InvoiceContent,
        style: Style,
        family: Family,
        canvas: Canvas | None,
        pages: int,
    ) -> None:
        self.canvas = canvas
        self.footer = FOOTER_HEIGHT[family.footer]
        left = SIDEBAR_WIDTH + 22 if family.masthead == "sidebar" else _MARGIN
        self.sheet = Sheet(
            pen=Pen(canvas, style.font, style.size),
            content=content,
            style=style,
            family=family,
            left=left,
            right=PAGE_WIDTH - _MARGIN,
            bottom=PAGE_HEIGHT - self.footer - 40,
            new_page=self._new_page,
            pages=pages,
        )

    def run(self) -> int:
        """Draws the whole document and returns its page count."""
        sheet = self.sheet
        draw_sidebar_background(sheet)
        y = draw_masthead(sheet)
        y = draw_parties(sheet, y)
        y = draw_table(sheet, y)
        limit = sheet.bottom - (GIRO_HEIGHT if sheet.has_giro else 0)
        if y + self._tail_height(y) > limit:
            y = self._new_page()
        draw_tail(sheet, y)
        if sheet.has_giro:
            draw_giro(sheet, self.footer)
        self._finish_page()
        return sheet.page

    def _tail_height(self, y: float) -> float:
        dry = replace(
            self.sheet, pen=Pen(None, self.sheet.style.font, self.sheet.size), shown=set()
        )
        return draw_tail(dry, y) - y

    def _new_page(self) -> float:
        self._finish_page()
        if self.canvas is not None:
            self.canvas.showPage()
        self.sheet.page += 1
        draw_sidebar_background(self.sheet)
        return draw_continuation(self.sheet)

    def _finish_page(self) -> None:
        draw_footer(self.sheet)
        draw_page_number(self.sheet)
