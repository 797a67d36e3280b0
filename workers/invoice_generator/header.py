"""The top of an invoice: letterhead, title, buyer address and the header fields.

Each function draws one block at a given height and returns the height below it, so a family
is a choice of blocks, not a copy of a template.
"""

from workers.invoice_generator.pen import PAGE_HEIGHT, PAGE_WIDTH
from workers.invoice_generator.sheet import Sheet

SIDEBAR_WIDTH = 168.0
_TOP = 38.0

Field = tuple[str, str, str | None]  # label, printed value, truth key (None: not a truth field)


def draw_masthead(sheet: Sheet) -> float:
    return {
        "left": _letterhead_left,
        "centre": _letterhead_centre,
        "band": _band,
        "logo_only": _logo_only,
        "sidebar": _sidebar,
        "plain": _plain,
    }[sheet.family.masthead](sheet)


def draw_sidebar_background(sheet: Sheet) -> None:
    if sheet.family.masthead == "sidebar":
        sheet.pen.rect(0, 0, SIDEBAR_WIDTH, PAGE_HEIGHT, fill=0.93, stroke=False)


def draw_continuation(sheet: Sheet) -> float:
    """The slim header of a second page: whose invoice, which one, and that it continues."""
    pen, content, style = sheet.pen, sheet.content, sheet.style
    number_key = "credit_number" if content.is_credit_note else "number"
    pen.text(sheet.left, _TOP + 10, content.supplier.name, bold=True, size=sheet.size + 2)
    pen.text(
        sheet.right,
        _TOP + 10,
        f"{style.label(number_key, colon=True)} {content.invoice_number}",
        align="right",
    )
    pen.text(
        sheet.right,
        _TOP + 10 + sheet.leading,
        style.labels["continued"],
        align="right",
        size=sheet.size - 1,
    )
    pen.line(sheet.left, _TOP + 30, sheet.right, _TOP + 30, gray=0.4)
    return _TOP + 48


def draw_parties(sheet: Sheet, y: float) -> float:
    """Buyer address and header fields side by side (or stacked), then a credit reference."""
    fields = meta_fields(sheet)
    side = sheet.family.meta_side
    left, width = sheet.left, sheet.width
    if side == "right":
        bottom = max(
            _buyer(sheet, left, y), _meta(sheet, fields, left + width * 0.52, y, width * 0.48)
        )
    elif side == "left":
        bottom = max(
            _meta(sheet, fields, left, y, width * 0.5), _buyer(sheet, left + width * 0.6, y)
        )
    else:
        bottom = _buyer(sheet, left, y)
        bottom = _meta(sheet, fields, left, bottom + 12, width)
    y = bottom + sheet.leading
    content = sheet.content
    if content.is_credit_note and content.credited_invoice_number:
        text = sheet.style.labels["credited_ref"].format(number=content.credited_invoice_number)
        sheet.pen.text(left, y, text, bold=True)
        y += sheet.leading * 1.5
    return y + 4


def meta_fields(sheet: Sheet) -> list[Field]:
    content, style = sheet.content, sheet.style
    credit = content.is_credit_note
    fields: list[Field] = [
        (
            style.label("credit_number" if credit else "number"),
            content.invoice_number,
            "invoice_number",
        ),
        (
            style.label("credit_date" if credit else "date"),
            style.date(content.invoice_date),
            "invoice_date",
        ),
    ]
    if not credit:
        fields.append((style.label("due"), style.date(content.due_date), "due_date"))
    if style.show_delivery_date:
        fields.append((style.label("delivery"), style.date(content.delivery_date), "delivery_date"))
    if style.show_customer_no:
        fields.append((style.label("customer_no"), content.customer_number, None))
    if content.buyer_reference:
        fields.append((style.label("buyer_ref"), content.buyer_reference, "buyer_reference"))
    if style.show_our_ref:
        fields.append((style.label("our_ref"), content.our_reference, None))
    if content.po_number:
        fields.append((style.label("po"), content.po_number, "po_number"))
    if style.show_terms and not credit:
        fields.append((style.label("terms"), style.terms(content.terms_days), "payment_terms"))
    if content.currency != "NOK":
        fields.append((style.label("currency"), content.currency, None))
    if sheet.kid_in_meta:
        fields.append((style.label("kid"), content.payment.kid or "", "kid"))
    return fields


def _fitted(sheet: Sheet, text: str, width: float, size: float, bold: bool = True) -> float:
    """The largest size up to ``size`` at which ``text`` fits ``width`` (down to 6 pt), so a
    long company name shrinks rather than running into the title."""
    while size > 6 and sheet.pen.width(text, bold=bold, size=size) > width:
        size -= 0.5
    return size


def _title_width(sheet: Sheet, size: float) -> float:
    return sheet.pen.width(_title(sheet), bold=True, size=size) + 18


def _title(sheet: Sheet) -> str:
    return sheet.style.labels["credit_title" if sheet.content.is_credit_note else "title"]


def _contact_line(sheet: Sheet) -> str:
    supplier = sheet.content.supplier
    return f"{sheet.style.labels['phone']} {supplier.phone} · {supplier.email}"


def _letterhead_left(sheet: Sheet) -> float:
    pen, style, supplier = sheet.pen, sheet.style, sheet.content.supplier
    logo = style.name_size * 1.6
    pen.logo(style.logo_shape, sheet.left, _TOP, logo, style.accent)
    room = sheet.width - logo - 10 - _title_width(sheet, style.title_size)
    size = _fitted(sheet, supplier.name, room, style.name_size)
    pen.text(sheet.left + logo + 10, _TOP + logo * 0.68, supplier.name, bold=True, size=size)
    sheet.show("supplier_name")
    pen.text(
        sheet.right,
        _TOP + style.title_size,
        _title(sheet),
        bold=True,
        size=style.title_size,
        align="right",
    )
    y = _TOP + logo + 16
    details = [f"{supplier.street}, {supplier.postcode_city}", _contact_line(sheet)]
    for text in details + sheet.supplier_org_lines():
        pen.text(sheet.left, y, text, size=sheet.size - 0.5)
        y += sheet.leading
    return y + 18


def _letterhead_centre(sheet: Sheet) -> float:
    pen, style, supplier = sheet.pen, sheet.style, sheet.content.supplier
    middle = (sheet.left + sheet.right) / 2
    logo = style.name_size * 1.4
    pen.logo(style.logo_shape, middle - logo / 2, _TOP - 8, logo, style.accent)
    y = _TOP - 8 + logo + style.name_size + 2
    size = _fitted(sheet, supplier.name, sheet.width, style.name_size)
    pen.text(middle, y, supplier.name, bold=True, size=size, align="centre")
    sheet.show("supplier_name")
    y += sheet.leading + 2
    pen.text(
        middle,
        y,
        f"{supplier.street} · {supplier.postcode_city} · {_contact_line(sheet)}",
        size=sheet.size - 1,
        align="centre",
    )
    y += sheet.leading
    pen.text(middle, y, "   ".join(sheet.supplier_org_lines()), size=sheet.size - 1, align="centre")
    y += 8
    pen.line(sheet.left, y, sheet.right, y, width=0.8, gray=style.accent)
    y += style.title_size + 10
    pen.text(sheet.left, y, _title(sheet), bold=True, size=style.title_size)
    return y + 24


def _band(sheet: Sheet) -> float:
    pen, style, supplier = sheet.pen, sheet.style, sheet.content.supplier
    height = 96.0
    pen.rect(0, 0, PAGE_WIDTH, height, fill=style.accent, stroke=False)
    logo = style.name_size * 1.3
    pen.logo(style.logo_shape, sheet.left, 22, logo, 1.0)
    x = sheet.left + logo + 10
    contact = pen.width(_contact_line(sheet), size=sheet.size - 1) + 18
    room = sheet.right - x - max(_title_width(sheet, style.title_size), contact)
    size = _fitted(sheet, supplier.name, room, style.name_size)
    pen.text(x, 22 + logo * 0.7, supplier.name, bold=True, size=size, gray=1)
    sheet.show("supplier_name")
    pen.text(
        x,
        22 + logo + 14,
        f"{supplier.street}, {supplier.postcode_city}",
        size=sheet.size - 1,
        gray=1,
    )
    pen.text(
        x,
        22 + logo + 14 + sheet.leading,
        "  ·  ".join(sheet.supplier_org_lines()),
        size=sheet.size - 1,
        gray=1,
    )
    pen.text(
        sheet.right,
        22 + style.title_size,
        _title(sheet),
        bold=True,
        size=style.title_size,
        align="right",
        gray=1,
    )
    pen.text(
        sheet.right,
        22 + style.title_size + sheet.leading + 4,
        _contact_line(sheet),
        size=sheet.size - 1,
        align="right",
        gray=1,
    )
    return height + 28


def _logo_only(sheet: Sheet) -> float:
    pen, style, supplier = sheet.pen, sheet.style, sheet.content.supplier
    logo = style.name_size * 2
    pen.logo(style.logo_shape, sheet.left, _TOP, logo, style.accent)
    room = sheet.width - logo - 12 - _title_width(sheet, style.title_size)
    size = _fitted(sheet, supplier.name, room, style.name_size + 2)
    pen.text(sheet.left + logo + 12, _TOP + logo * 0.62, supplier.name, bold=True, size=size)
    sheet.show("supplier_name")
    pen.text(
        sheet.right,
        _TOP + logo * 0.62,
        _title(sheet),
        bold=True,
        size=style.title_size,
        align="right",
    )
    return _TOP + logo + 30


def _plain(sheet: Sheet) -> float:
    pen, style, supplier = sheet.pen, sheet.style, sheet.content.supplier
    y = _TOP + style.name_size
    title_size = min(style.title_size, 18)
    room = sheet.width - _title_width(sheet, title_size)
    size = _fitted(sheet, supplier.name, room, min(style.name_size, 16))
    pen.text(sheet.left, y, supplier.name, bold=True, size=size)
    sheet.show("supplier_name")
    pen.text(
        sheet.right, y, _title(sheet), bold=True, size=min(style.title_size, 18), align="right"
    )
    y += sheet.leading + 6
    lines = [supplier.street, supplier.postcode_city, _contact_line(sheet)]
    for text in lines + sheet.supplier_org_lines():
        pen.text(sheet.left, y, text)
        y += sheet.leading
    return y + 20


def _sidebar(sheet: Sheet) -> float:
    """Company, contact and (for this family) payment details stacked in a shaded column."""
    pen, style, content = sheet.pen, sheet.style, sheet.content
    supplier, payment = content.supplier, content.payment
    x, width = 20.0, SIDEBAR_WIDTH - 34
    logo = 34.0
    pen.logo(style.logo_shape, x, _TOP, logo, style.accent)
    y = _TOP + logo + 16 + style.name_size * 0.4
    name_size = min(style.name_size, 15)
    for part in pen.wrap(supplier.name, width, bold=True, size=name_size):
        pen.text(x, y, part, bold=True, size=name_size)
        y += name_size * 1.2
    sheet.show("supplier_name")
    small = sheet.size - 1
    sections: list[tuple[str, list[str]]] = [
        (style.labels["footer_address"], [supplier.street, supplier.postcode_city]),
        (style.labels["footer_contact"], [supplier.phone, supplier.email, supplier.website]),
        (style.labels["footer_company"], sheet.supplier_org_lines()),
    ]
    payment_lines: list[str] = []
    if sheet.prints_account:
        payment_lines.append(
            f"{style.label('account', colon=True)} {style.account(payment.bank_account)}"
        )
        sheet.show("bank_account")
    if sheet.prints_iban:
        payment_lines += [f"IBAN {style.iban(payment.iban)}", f"BIC {payment.bic}"]
        sheet.show("iban", "bic")
    if payment.kid and not sheet.kid_in_meta:
        payment_lines.append(f"{style.label('kid', colon=True)} {payment.kid}")
        sheet.show("kid")
    sections.append((style.labels["payment_heading"], payment_lines))
    y += 12
    for heading, lines in sections:
        pen.text(x, y, heading.upper(), bold=True, size=small - 0.5, gray=0.35)
        y += small * 1.4
        for line in lines:
            pen.text(x, y, line, size=_fitted(sheet, line, width + 12, small, bold=False))
            y += small * 1.3
        y += 10
    pen.text(sheet.left, _TOP + style.title_size, _title(sheet), bold=True, size=style.title_size)
    return _TOP + style.title_size + 28


def _buyer(sheet: Sheet, x: float, y: float) -> float:
    pen, style, buyer = sheet.pen, sheet.style, sheet.content.buyer
    small = sheet.size - 1
    pen.text(x, y, style.labels["bill_to"], bold=True, size=small, gray=0.3)
    y += sheet.leading + 2
    pen.text(x, y, buyer.name, bold=True)
    sheet.show("buyer_name")
    for text in (buyer.street, buyer.postcode_city):
        y += sheet.leading
        pen.text(x, y, text)
    if style.show_buyer_org:
        y += sheet.leading
        pen.text(x, y, f"{style.label('buyer_org', colon=True)} {style.org(buyer.org_number)}")
        sheet.show("buyer_org_number")
    return y + 6


def _meta(sheet: Sheet, fields: list[Field], x: float, y: float, width: float) -> float:
    for _, _, key in fields:
        if key:
            sheet.show(key)
    return {
        "label_right": _label_right,
        "label_below": _label_below,
        "boxes": _boxes,
        "dotted": _dotted,
    }[sheet.family.meta](sheet, fields, x, y, width)


def _label_right(sheet: Sheet, fields: list[Field], x: float, y: float, width: float) -> float:
    pen = sheet.pen
    label_width = max(pen.width(label + sheet.style.colon, bold=True) for label, _, _ in fields)
    label_width = min(label_width + 10, width * 0.55)
    top = y - sheet.size - 4
    row = sheet.leading + 1
    for label, value, _ in fields:
        pen.text(x + 6, y, label + sheet.style.colon, bold=True)
        pen.text(x + 6 + label_width, y, value)
        y += row
    if sheet.family.framed_meta:
        pen.rect(x, top, width, y - top - row + 8, line_width=0.6)
    return y


def _label_below(sheet: Sheet, fields: list[Field], x: float, y: float, width: float) -> float:
    pen = sheet.pen
    per_row = 4 if width > 400 else 2
    cell = width / per_row
    row_height = sheet.leading * 2.6
    places = _flow(sheet, fields, per_row, cell, bold=False)
    for (label, value, _), (column, row, _) in zip(fields, places, strict=True):
        cx, cy = x + column * cell, y + row * row_height
        pen.text(cx, cy, label, bold=True, size=sheet.size - 1, gray=0.35)
        pen.text(cx, cy + sheet.leading, value)
    rows = places[-1][1] + 1
    return y + rows * row_height


def _boxes(sheet: Sheet, fields: list[Field], x: float, y: float, width: float) -> float:
    pen = sheet.pen
    per_row = 4 if width > 400 else 2
    cell = width / per_row
    height = sheet.size * 2.8 + 6
    top = y - sheet.size
    places = _flow(sheet, fields, per_row, cell, bold=True)
    for (label, value, _), (column, row, span) in zip(fields, places, strict=True):
        cx, cy = x + column * cell, top + row * height
        pen.rect(cx, cy, cell * span, height, line_width=0.5)
        pen.text(cx + 4, cy + sheet.size - 0.5, label, size=sheet.size - 2, gray=0.3)
        pen.text(cx + 4, cy + height - 6, value, bold=True)
    rows = places[-1][1] + 1
    return top + rows * height + 4


def _flow(
    sheet: Sheet, fields: list[Field], per_row: int, cell: float, bold: bool
) -> list[tuple[int, int, int]]:
    """(column, row, span) per field, left to right: a value wider than one cell takes as many
    cells as it needs, and starts a new row if the current one has too few left."""
    places: list[tuple[int, int, int]] = []
    column = row = 0
    for label, value, _ in fields:
        need = max(sheet.pen.width(value, bold=bold), sheet.pen.width(label, size=sheet.size - 1))
        span = min(per_row, int((need + 10) // cell) + 1)
        if column + span > per_row:
            column, row = 0, row + 1
        places.append((column, row, span))
        column += span
    return places


def _dotted(sheet: Sheet, fields: list[Field], x: float, y: float, width: float) -> float:
    """Typewriter style: labels padded with dots to one width, then ": value"."""
    pen = sheet.pen
    pad = max(len(label) for label, _, _ in fields) + 3
    for label, value, _ in fields:
        pen.text(x, y, f"{label.rstrip('.:').ljust(pad, '.')}: {value}")
        y += sheet.leading
    return y
