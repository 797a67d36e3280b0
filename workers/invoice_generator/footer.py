"""The foot of every page: a one-line company imprint, a band of company, contact and bank
columns, or nothing; and "page n of m" when there is more than one page.
"""

from workers.invoice_generator.pen import PAGE_HEIGHT
from workers.invoice_generator.sheet import Sheet
from workers.invoice_generator.style import NBSP

FOOTER_HEIGHT = {"line": 34.0, "columns": 70.0, "none": 0.0}


def draw_footer(sheet: Sheet) -> None:
    if sheet.family.footer == "line":
        _imprint(sheet)
    elif sheet.family.footer == "columns":
        _columns(sheet)


def draw_page_number(sheet: Sheet) -> None:
    if sheet.pages > 1:
        text = sheet.style.labels["page"].format(page=sheet.page, pages=sheet.pages)
        y = PAGE_HEIGHT - FOOTER_HEIGHT[sheet.family.footer] - 18
        sheet.pen.text(sheet.right, y, text, size=sheet.size - 1, align="right")


def _imprint(sheet: Sheet) -> None:
    pen, style, supplier = sheet.pen, sheet.style, sheet.content.supplier
    parts = [supplier.name, f"{supplier.street}, {supplier.postcode_city}"]
    parts += sheet.supplier_org_lines()
    parts += [f"{style.labels['phone']} {supplier.phone}", supplier.email]
    if style.show_bank_in_footer and sheet.prints_account:
        parts.append(
            f"{style.labels['footer_bank']} {style.account(sheet.content.payment.bank_account)}"
        )
        sheet.show("bank_account")
    size = max(sheet.size - 2, 6.5)
    # Each part is kept whole (no-break spaces), so lines break only between parts.
    lines = pen.wrap(
        "  ·  ".join(part.replace(" ", NBSP) for part in parts), sheet.width, size=size
    )
    y = PAGE_HEIGHT - 24 - (len(lines) - 1) * size * 1.3
    pen.line(sheet.left, y - size - 5, sheet.right, y - size - 5, width=0.4, gray=0.5)
    for line in lines:
        pen.text((sheet.left + sheet.right) / 2, y, line, size=size, align="centre", gray=0.2)
        y += size * 1.3


def _columns(sheet: Sheet) -> None:
    """Address, contact, bank and registration in four columns on a shaded band."""
    pen, style, content = sheet.pen, sheet.style, sheet.content
    supplier, payment = content.supplier, content.payment
    top = PAGE_HEIGHT - FOOTER_HEIGHT["columns"] - 8
    pen.rect(0, top, 600, FOOTER_HEIGHT["columns"] + 8, fill=0.93, stroke=False)
    pen.line(0, top, 600, top, width=1.2, gray=style.accent)
    bank: list[str] = []
    if sheet.prints_account:
        bank.append(f"{style.label('account', colon=True)} {style.account(payment.bank_account)}")
        sheet.show("bank_account")
    if sheet.prints_iban:
        bank += [f"IBAN {style.iban(payment.iban)}", f"BIC {payment.bic}"]
        sheet.show("iban", "bic")
    columns = [
        (style.labels["footer_address"], [supplier.name, supplier.street, supplier.postcode_city]),
        (style.labels["footer_contact"], [supplier.phone, supplier.email, supplier.website]),
        (style.labels["footer_bank"], bank),
        (style.labels["footer_company"], sheet.supplier_org_lines()),
    ]
    size = max(sheet.size - 1.5, 6.5)
    while True:
        widths = [
            max(
                [
                    pen.width(heading, bold=True, size=size),
                    *(pen.width(t, size=size) for t in lines),
                ]
            )
            + 10
            for heading, lines in columns
        ]
        if sum(widths) <= sheet.width or size <= 6:
            break
        size -= 0.5
    extra = (sheet.width - sum(widths)) / len(columns)
    x = sheet.left
    for (heading, lines), width in zip(columns, widths, strict=True):
        y = top + 16
        pen.text(x, y, heading, bold=True, size=size)
        for line in lines:
            y += size * 1.3
            pen.text(x, y, line, size=size)
        x += width + extra
