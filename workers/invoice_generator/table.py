"""The line table: columns in the family's order, descriptions wrapped, pages broken between
rows with the header repeated, as invoicing systems print long invoices.
"""

from workers.invoice_generator.content import Line
from workers.invoice_generator.sheet import Sheet

_RIGHT_ALIGNED = frozenset({"qty", "price", "discount", "vat", "amount"})
_GAP = 12.0
_MIN_DESCRIPTION = 130.0


def line_cells(sheet: Sheet, line: Line) -> dict[str, str]:
    style = sheet.style
    return {
        "item": line.item_code,
        "desc": line.description,
        "qty": style.number(line.quantity),
        "unit": line.unit,
        "price": style.money(line.unit_price),
        "discount": f"{style.number(line.discount)} %" if line.discount else "",
        "vat": style.rate(line.vat_rate),
        "amount": sheet.money(line.amount),
    }


def draw_table(sheet: Sheet, y: float) -> float:
    """Draws every line from ``y`` on, starting new pages as needed; returns the y below."""
    pen, style = sheet.pen, sheet.style
    columns = style.columns
    headers = {column: style.labels[f"col_{column}"] for column in columns}
    rows = [line_cells(sheet, line) for line in sheet.content.lines]
    size = sheet.size
    while True:
        widths = {
            column: max(
                pen.width(headers[column], bold=True, size=size),
                *(pen.width(row[column], size=size) for row in rows),
            )
            + _GAP
            for column in columns
            if column != "desc"
        }
        widths["desc"] = sheet.width - sum(widths.values())
        if widths["desc"] >= _MIN_DESCRIPTION or size <= 7:
            break
        size -= 0.5
    edges: dict[str, tuple[float, float]] = {}
    x = sheet.left
    for column in columns:
        edges[column] = (x, x + widths[column])
        x += widths[column]
    table = _Table(sheet, columns, headers, edges, size)
    y = table.header(y)
    for index, row in enumerate(rows):
        wrapped = pen.wrap(row["desc"], widths["desc"] - 8, size=size)
        height = table.row_height(len(wrapped))
        if y + height > sheet.bottom:
            table.close(y)
            y = table.header(sheet.new_page())
        table.row(y, row, wrapped, index)
        y += height
    sheet.show("lines")
    table.close(y)
    return y + 16 + sheet.size


class _Table:
    def __init__(
        self,
        sheet: Sheet,
        columns: tuple[str, ...],
        headers: dict[str, str],
        edges: dict[str, tuple[float, float]],
        size: float,
    ) -> None:
        self.sheet = sheet
        self.columns = columns
        self.headers = headers
        self.edges = edges
        self.size = size
        self.kind = sheet.family.table
        self.leading = size * 1.25
        self.pad = size * 0.45

    def row_height(self, lines: int) -> float:
        return 2 * self.pad + lines * self.leading

    def _cell(self, column: str, y: float, text: str, bold: bool = False, gray: float = 0) -> None:
        left, right = self.edges[column]
        if column in _RIGHT_ALIGNED:
            self.sheet.pen.text(
                right - 4, y, text, bold=bold, size=self.size, align="right", gray=gray
            )
        else:
            self.sheet.pen.text(left + 4, y, text, bold=bold, size=self.size, gray=gray)

    def header(self, y: float) -> float:
        pen, sheet = self.sheet.pen, self.sheet
        height = self.size * 2.0
        left, right = sheet.left, sheet.right
        gray = 0.0
        if self.kind == "filled":
            pen.rect(left, y, right - left, height, fill=sheet.style.header_gray, stroke=False)
        elif self.kind == "zebra":
            pen.rect(left, y, right - left, height, fill=sheet.style.accent, stroke=False)
            gray = 1.0
        elif self.kind == "grid":
            pen.rect(left, y, right - left, height, fill=0.92)
        elif self.kind in ("rules", "dashes"):
            pen.line(left, y, right, y, width=0.8, dash=self.kind == "dashes")
        for column in self.columns:
            self._cell(column, y + self.size * 1.35, self.headers[column], bold=True, gray=gray)
        if self.kind in ("rules", "plain", "dashes"):
            pen.line(left, y + height, right, y + height, width=0.6, dash=self.kind == "dashes")
        return y + height

    def row(self, y: float, cells: dict[str, str], wrapped: list[str], index: int) -> None:
        pen = self.sheet.pen
        height = self.row_height(len(wrapped))
        if self.kind == "zebra" and index % 2:
            pen.rect(self.sheet.left, y, self.sheet.width, height, fill=0.94, stroke=False)
        if self.kind == "grid":
            for left, right in self.edges.values():
                pen.rect(left, y, right - left, height, line_width=0.4)
        baseline = y + self.pad + self.size * 0.85
        for column in self.columns:
            if column != "desc":
                self._cell(column, baseline, cells[column])
        for number, text in enumerate(wrapped):
            self._cell("desc", baseline + number * self.leading, text)

    def close(self, y: float) -> None:
        if self.kind in ("rules", "filled", "plain", "zebra", "dashes"):
            self.sheet.pen.line(
                self.sheet.left,
                y + 2,
                self.sheet.right,
                y + 2,
                width=0.6,
                dash=self.kind == "dashes",
            )
