"""How to pay: a boxed block of payment details, a sentence, or the Norwegian giro slip that
older invoicing systems still print at the foot of the last page.
"""

from workers.invoice_generator.pen import PAGE_HEIGHT
from workers.invoice_generator.sheet import Sheet

GIRO_HEIGHT = 214.0

Field = tuple[str, str, str | None]


def payment_fields(sheet: Sheet) -> list[Field]:
    style, content = sheet.style, sheet.content
    payment = content.payment
    fields: list[Field] = []
    if sheet.prints_account:
        fields.append((style.label("account"), style.account(payment.bank_account), "bank_account"))
    if sheet.prints_iban:
        fields.append((style.label("iban"), style.iban(payment.iban), "iban"))
        fields.append((style.label("bic"), payment.bic, "bic"))
    if payment.kid:
        fields.append((style.label("kid"), payment.kid, "kid"))
    fields.append((style.label("due"), style.date(content.due_date), "due_date"))
    fields.append(
        (style.label("due_amount"), sheet.money(content.amount_due, mark=True), "amount_due")
    )
    return fields


def payment_block_width(sheet: Sheet) -> float:
    """The narrowest frame that holds the block's longest label and value."""
    pen, colon = sheet.pen, sheet.style.colon
    fields = payment_fields(sheet)
    label_width = max(pen.width(label + colon) for label, _, _ in fields) + 8
    value_width = max(pen.width(value, bold=True) for _, value, _ in fields)
    heading = pen.width(sheet.style.labels["payment_heading"], bold=True)
    return max(label_width + value_width, heading) + 16


def draw_payment_block(sheet: Sheet, x: float, y: float, width: float) -> float:
    """A framed block: heading, then label and value on each row."""
    pen, style = sheet.pen, sheet.style
    fields = payment_fields(sheet)
    top = y - sheet.size - 4
    pen.text(x + 6, y, style.labels["payment_heading"], bold=True)
    y += sheet.leading + 3
    label_width = max(pen.width(label + style.colon) for label, _, _ in fields) + 8
    for label, value, key in fields:
        pen.text(x + 6, y, label + style.colon, size=sheet.size)
        pen.text(x + 6 + label_width, y, value, bold=key in ("kid", "amount_due"))
        if key:
            sheet.show(key)
        y += sheet.leading
    pen.rect(x, top, width, y - top - sheet.leading + 8, line_width=0.6)
    return y + 8


def draw_payment_sentence(sheet: Sheet, y: float) -> float:
    """Payment instructions as running text, or what happens to a credit."""
    style, content = sheet.style, sheet.content
    labels, payment = style.labels, content.payment
    sentences: list[str] = []
    if content.is_credit_note:
        sentences.append(labels["credit_sentence"])
    else:
        values = {
            "amount": sheet.money(content.amount_due, mark=True),
            "account": style.account(payment.bank_account),
            "iban": style.iban(payment.iban),
            "bic": payment.bic,
            "due": style.date(content.due_date),
            "currency": content.currency,
        }
        keys = {
            "amount": "amount_due",
            "account": "bank_account",
            "iban": "iban",
            "bic": "bic",
            "due": "due_date",
        }
        template = labels["pay_sentence" if content.currency == "NOK" else "pay_sentence_foreign"]
        sentences.append(template.format(**values))
        sheet.show(*(key for name, key in keys.items() if "{" + name + "}" in template))
        if payment.kid:
            sentences.append(labels["kid_sentence"].format(kid=payment.kid))
            sheet.show("kid")
        sentences.append(labels["late_fee"])
    sentences.append(labels["thanks"])
    for sentence in filter(None, sentences):
        for part in sheet.pen.wrap(sentence, sheet.width):
            sheet.pen.text(sheet.left, y, part)
            y += sheet.leading
    return y + 6


def draw_giro(sheet: Sheet, footer_height: float) -> None:
    """The giro at the foot of the page, above any footer: who pays whom, by when, the KID, and
    the amount split into kroner and øre in separate boxes. Its captions are the fixed Norwegian
    wording printed on bank giro forms, not the invoicing system's own labels."""
    pen, style, content = sheet.pen, sheet.style, sheet.content
    payment, left, right = content.payment, sheet.left, sheet.right
    top = PAGE_HEIGHT - footer_height - 22 - GIRO_HEIGHT
    pen.line(0, top, 600, top, dash=True, gray=0.3)
    pen.rect(left - 10, top + 10, right - left + 20, GIRO_HEIGHT - 16, fill=0.965, stroke=False)
    small = max(sheet.size - 2.5, 6.5)
    title = style.labels["giro_title"]
    pen.text(left, top + 26, title, bold=True, size=sheet.size + 2)
    middle = left + (right - left) * 0.55

    def box(x: float, y: float, width: float, height: float, label: str, lines: list[str]) -> None:
        pen.rect(x, y, width, height, line_width=0.5)
        pen.text(x + 4, y + small + 2, label, size=small, gray=0.3)
        for number, text in enumerate(lines):
            pen.text(x + 6, y + small + 4 + (number + 1) * sheet.leading, text)

    box(
        left,
        top + 36,
        middle - left - 8,
        46,
        "Betalingsinformasjon",
        [f"{style.label('number', colon=True)} {content.invoice_number}"],
    )
    box(middle, top + 36, right - middle, 46, "Betalingsfrist", [style.date(content.due_date)])
    buyer, supplier = content.buyer, content.supplier
    box(
        left,
        top + 88,
        middle - left - 8,
        62,
        "Betalt av",
        [buyer.name, buyer.street, buyer.postcode_city],
    )
    box(
        middle,
        top + 88,
        right - middle,
        62,
        "Betalt til",
        [supplier.name, supplier.street, supplier.postcode_city],
    )
    strip = top + 158
    whole, ore = f"{content.amount_due:.2f}".split(".")
    kroner = f"{int(whole):,}".replace(",", style.thousands or " ")
    width = right - left
    box(left, strip, width * 0.36, 34, "Kundeidentifikasjon (KID)", [payment.kid or ""])
    box(left + width * 0.36, strip, width * 0.2, 34, "Kroner", [kroner])
    box(left + width * 0.56, strip, width * 0.09, 34, "Øre", [ore])
    box(
        left + width * 0.65,
        strip,
        width * 0.35,
        34,
        "Til konto",
        [style.account(payment.bank_account)],
    )
    sheet.show("due_date", "bank_account")
    if payment.kid:
        sheet.show("kid")
