"""The totals: net, VAT (per rate when the system prints a breakdown), total, any prepayment or
øre rounding, and the amount to pay, drawn as a right-aligned block, a boxed table or a summary
row across the page.
"""

from decimal import Decimal

from workers.invoice_generator.sheet import Sheet

Row = tuple[str, str, tuple[str, ...], bool]  # label, printed amount, truth keys, emphasised


def breakdown_form(sheet: Sheet) -> str:
    """How VAT per rate is printed: table, inline, rate_label (one rate) or none (one rate)."""
    style = sheet.style
    return style.breakdown_multi if len(sheet.content.net_by_rate) > 1 else style.breakdown_single


def _rate(rate: Decimal) -> str:
    return f"{rate.normalize():f} %"


def totals_rows(sheet: Sheet) -> list[Row]:
    content, style = sheet.content, sheet.style

    def amount(value: Decimal, mark: bool = False) -> str:
        return sheet.money(value, mark=mark or style.mark_all_totals)

    rows: list[Row] = [(style.label("net"), amount(content.net_amount), ("net_amount",), False)]
    form = breakdown_form(sheet)
    nets, vats = content.net_by_rate, content.vat_by_rate
    vat_word = style.labels["vat"]
    if form == "inline":
        for rate, base in nets.items():
            label = f"{vat_word} {_rate(rate)} {style.labels['of']} {amount(base)}"
            keys = ("vat_amount",) if len(nets) == 1 else ()
            rows.append((label, amount(vats[rate]), keys, False))
        if len(nets) > 1:
            rows.append(
                (style.label("vat_sum"), amount(content.vat_amount), ("vat_amount",), False)
            )
        sheet.show("vat_breakdown")
    elif form == "rate_label":
        (rate,) = nets
        rows.append(
            (f"{vat_word} {_rate(rate)}", amount(content.vat_amount), ("vat_amount",), False)
        )
        sheet.show("vat_breakdown")
    else:
        rows.append((vat_word, amount(content.vat_amount), ("vat_amount",), False))
    due_keys: tuple[str, ...] = ("amount_due",)
    if content.amount_due == content.total_amount and style.skip_total_row:
        due_keys = ("total_amount", "amount_due")
    else:
        rows.append((style.label("total"), amount(content.total_amount), ("total_amount",), False))
    if content.prepaid:
        prepaid = style.money(-content.prepaid)
        rows.append((style.label("prepaid"), prepaid, (), False))
    if content.rounds_to_krone:
        rows.append((style.label("rounding"), style.money(content.rounding), (), False))
    due_label = style.label("credit_amount" if content.is_credit_note else "due_amount")
    rows.append((due_label, sheet.money(content.amount_due, mark=True), due_keys, True))
    return rows


def draw_totals_block(sheet: Sheet, y: float) -> tuple[float, float]:
    """Label left, amount right-aligned at the margin; returns (bottom y, left x used)."""
    pen, rows = sheet.pen, totals_rows(sheet)
    x = _left_edge(sheet, rows, 24)
    for label, value, keys, bold in rows:
        if bold:
            pen.line(x, y - sheet.size - 1, sheet.right, y - sheet.size - 1, width=0.8)
            y += 4
        pen.text(x, y, label, bold=bold)
        pen.text(sheet.right, y, value, bold=bold, align="right")
        sheet.show(*keys)
        y += sheet.leading + (2 if bold else 0)
    return y, x


def draw_totals_boxed(sheet: Sheet, y: float) -> tuple[float, float]:
    """A ruled two-column table; the amount to pay on a shaded row."""
    pen, rows = sheet.pen, totals_rows(sheet)
    x = _left_edge(sheet, rows, 30)
    split = sheet.right - max(pen.width(value, bold=True) for _, value, _, _ in rows) - 16
    height = sheet.leading + 5
    top = y - sheet.size - 3
    for label, value, keys, bold in rows:
        fill = sheet.style.header_gray if bold else None
        pen.rect(x, top, split - x, height, fill=fill, line_width=0.5)
        pen.rect(split, top, sheet.right - split, height, fill=fill, line_width=0.5)
        baseline = top + sheet.size + 3
        pen.text(x + 5, baseline, label, bold=bold)
        pen.text(sheet.right - 5, baseline, value, bold=bold, align="right")
        sheet.show(*keys)
        top += height
    return top + sheet.size + 8, x


def draw_totals_row(sheet: Sheet, y: float) -> float:
    """Every total as a cell across the page, its label above its amount."""
    pen, rows = sheet.pen, totals_rows(sheet)
    size = sheet.size
    while True:
        needs = [
            max(pen.width(label, bold=True, size=size - 1), pen.width(value, bold=True, size=size))
            + 14
            for label, value, _, _ in rows
        ]
        if sum(needs) <= sheet.width or size <= 6.5:
            break
        size -= 0.5
    extra = (sheet.width - sum(needs)) / len(rows)
    height = size * 3.2
    x = sheet.left
    for (label, value, keys, bold), need in zip(rows, needs, strict=True):
        width = need + extra
        pen.rect(x, y, width, height, fill=sheet.style.header_gray if bold else None)
        pen.text(x + width - 6, y + size + 2, label, bold=True, size=size - 1, align="right")
        pen.text(x + width - 6, y + height - 6, value, bold=bold, size=size, align="right")
        sheet.show(*keys)
        x += width
    return y + height + 14


def breakdown_table_width(sheet: Sheet) -> float:
    return sum(_breakdown_layout(sheet)[2])


def draw_breakdown_table(sheet: Sheet, x: float, y: float) -> float:
    """Rate, base and VAT per rate as a small ruled table."""
    pen = sheet.pen
    headers, rows, widths = _breakdown_layout(sheet)
    pen.line(x, y - sheet.size - 2, x + sum(widths), y - sheet.size - 2, width=0.6)
    for row_index, cells in enumerate([headers, *rows]):
        right = x
        for width, cell in zip(widths, cells, strict=True):
            right += width
            pen.text(right - 6, y, cell, bold=row_index == 0, align="right")
        if row_index == 0:
            pen.line(x, y + 4, x + sum(widths), y + 4, width=0.4)
        y += sheet.leading
    pen.line(x, y - sheet.size + 2, x + sum(widths), y - sheet.size + 2, width=0.6)
    sheet.show("vat_breakdown")
    return y + 8


def _breakdown_layout(
    sheet: Sheet,
) -> tuple[tuple[str, str, str], list[tuple[str, str, str]], list[float]]:
    pen, style, content = sheet.pen, sheet.style, sheet.content
    headers = (style.labels["bd_rate"], style.labels["bd_base"], style.labels["bd_vat"])
    rows = [
        (_rate(rate), sheet.money(base), sheet.money(content.vat_by_rate[rate]))
        for rate, base in content.net_by_rate.items()
    ]
    widths = [
        max(pen.width(headers[i], bold=True), *(pen.width(row[i]) for row in rows)) + 16
        for i in range(3)
    ]
    return headers, rows, widths


def _left_edge(sheet: Sheet, rows: list[Row], gap: float) -> float:
    pen = sheet.pen
    label = max(pen.width(label, bold=True) for label, _, _, _ in rows)
    value = max(pen.width(value, bold=True) for _, value, _, _ in rows)
    return min(sheet.right - label - value - gap, sheet.left + sheet.width * 0.55)
