"""The layout families: how one kind of invoicing system arranges a page.

A family fixes the structure (where the letterhead, the header fields, the totals and the
payment details go, and which line-table column orders the system can print); the style drawn
per invoice varies what a family leaves open (font, sizes, label wordings, number and date
formats, optional fields). An evaluation can therefore report accuracy per family and see which
arrangements an extractor has not learned.
"""

from dataclasses import dataclass

Columns = tuple[str, ...]

# Column orders seen on Norwegian invoices; "desc" wraps, the rest are one line each.
FULL: Columns = ("item", "desc", "qty", "unit", "price", "vat", "amount")
DISCOUNTED: Columns = ("desc", "qty", "price", "discount", "amount")
WITH_UNIT: Columns = ("desc", "qty", "unit", "price", "amount")
CODE_AND_VAT: Columns = ("item", "desc", "qty", "price", "vat", "amount")
MINIMAL: Columns = ("desc", "qty", "price", "amount")
VAT_FIRST: Columns = ("desc", "vat", "qty", "unit", "price", "amount")
EVERYTHING: Columns = ("item", "desc", "qty", "unit", "price", "discount", "vat", "amount")
UNIT_FIRST: Columns = ("item", "desc", "unit", "qty", "price", "amount")


@dataclass(frozen=True)
class Family:
    """One family's structure. Values are the block variants the renderer knows:

    masthead: left | centre | band | logo_only | sidebar | plain
    meta: label_right | label_below | boxes | dotted;  meta_side: right | left | full
    table: filled | rules | grid | plain | dashes | zebra
    totals: block | boxed | row
    payment: block | giro | sentence | footer | sidebar
    footer: line | columns | none
    """

    description: str
    masthead: str
    meta: str
    meta_side: str
    columns: tuple[Columns, ...]
    table: str
    totals: str
    payment: str
    footer: str
    fonts: tuple[str, ...]
    sizes: tuple[float, float]
    language: str = "no"
    framed_meta: bool = False
    breakdown_table: bool = False


FAMILIES: dict[str, Family] = {
    "letterhead_left": Family(
        "Logo and company details top-left, label: value box on the right, totals block with "
        "payment details beside it",
        masthead="left",
        meta="label_right",
        meta_side="right",
        columns=(FULL, CODE_AND_VAT),
        table="rules",
        totals="block",
        payment="block",
        footer="line",
        fonts=("Helvetica",),
        sizes=(9, 10.5),
    ),
    "labels_below": Family(
        "Header fields as a grid with each value below its label, discount column, totals as a "
        "summary row, payment as a sentence",
        masthead="left",
        meta="label_below",
        meta_side="full",
        columns=(DISCOUNTED, ("item", "desc", "qty", "price", "discount", "amount")),
        table="filled",
        totals="row",
        payment="sentence",
        footer="line",
        fonts=("Helvetica", "Times-Roman"),
        sizes=(9, 10.5),
    ),
    "centred_letterhead": Family(
        "Centred letterhead, header box on the left and buyer on the right, full grid table, "
        "boxed totals",
        masthead="centre",
        meta="label_right",
        meta_side="left",
        columns=(("desc", "qty", "unit", "price", "vat", "amount"), WITH_UNIT),
        table="grid",
        totals="boxed",
        payment="block",
        footer="none",
        fonts=("Times-Roman", "Helvetica"),
        sizes=(9.5, 11),
        framed_meta=True,
    ),
    "footer_details": Family(
        "Only a logo at the top; address, org number and bank details in a footer band; boxed "
        "header fields; KID among the header fields",
        masthead="logo_only",
        meta="boxes",
        meta_side="right",
        columns=(FULL, UNIT_FIRST),
        table="zebra",
        totals="block",
        payment="footer",
        footer="columns",
        fonts=("Helvetica", "Times-Roman"),
        sizes=(8.5, 10),
    ),
    "giro_slip": Family(
        "Classic Norwegian invoice with a giro payment slip (KID, account, kroner and øre) at "
        "the bottom of the last page",
        masthead="left",
        meta="label_right",
        meta_side="right",
        columns=(WITH_UNIT, MINIMAL, FULL),
        table="plain",
        totals="block",
        payment="giro",
        footer="none",
        fonts=("Helvetica", "Times-Roman"),
        sizes=(9, 10.5),
    ),
    "boxed_fields": Family(
        "Every header field in its own ruled box (label small at the top, value below), grid "
        "table, boxed totals",
        masthead="left",
        meta="boxes",
        meta_side="full",
        columns=(FULL, VAT_FIRST),
        table="grid",
        totals="boxed",
        payment="block",
        footer="line",
        fonts=("Helvetica",),
        sizes=(8.5, 10),
    ),
    "typewriter": Family(
        "Old ERP printout in Courier: dotted label leaders, dashed rules, payment as a sentence",
        masthead="plain",
        meta="dotted",
        meta_side="full",
        columns=(
            ("item", "desc", "qty", "price", "amount"),
            ("desc", "qty", "unit", "price", "vat", "amount"),
        ),
        table="dashes",
        totals="block",
        payment="sentence",
        footer="none",
        fonts=("Courier",),
        sizes=(8, 9.5),
    ),
    "banded_header": Family(
        "Dark band across the top with the company name in white, header fields below their "
        "labels on the right, filled table header, boxed totals",
        masthead="band",
        meta="label_below",
        meta_side="right",
        columns=(VAT_FIRST, FULL),
        table="filled",
        totals="boxed",
        payment="block",
        footer="line",
        fonts=("Helvetica",),
        sizes=(9, 10.5),
    ),
    "compact_summary": Family(
        "Small print, header box left and buyer right, no unit or VAT column, totals as a "
        "summary row",
        masthead="left",
        meta="label_right",
        meta_side="left",
        columns=(MINIMAL, WITH_UNIT),
        table="plain",
        totals="row",
        payment="sentence",
        footer="line",
        fonts=("Helvetica", "Times-Roman"),
        sizes=(8, 8.5),
    ),
    "formal_times": Family(
        "Formal letter in Times with a centred letterhead, every column including discount, a "
        "separate VAT breakdown table",
        masthead="centre",
        meta="label_right",
        meta_side="right",
        columns=(EVERYTHING, ("desc", "qty", "unit", "price", "vat", "amount")),
        table="rules",
        totals="block",
        payment="block",
        footer="line",
        fonts=("Times-Roman",),
        sizes=(9.5, 11),
        breakdown_table=True,
    ),
    "english_modern": Family(
        "English labels, letterhead left, label: value box right, IBAN and BIC in the payment "
        "block",
        masthead="left",
        meta="label_right",
        meta_side="right",
        columns=(FULL, ("desc", "qty", "price", "vat", "amount")),
        table="rules",
        totals="block",
        payment="block",
        footer="line",
        fonts=("Helvetica", "Times-Roman"),
        sizes=(9, 10.5),
        language="en",
        framed_meta=True,
    ),
    "english_boxed": Family(
        "English labels, centred letterhead, boxed header fields across the page, summary-row "
        "totals, company and bank details in a footer band",
        masthead="centre",
        meta="boxes",
        meta_side="full",
        columns=(WITH_UNIT, ("item", "desc", "qty", "price", "discount", "amount")),
        table="grid",
        totals="row",
        payment="footer",
        footer="columns",
        fonts=("Times-Roman", "Helvetica"),
        sizes=(9, 10.5),
        language="en",
    ),
    "sidebar_en": Family(
        "English labels, a shaded sidebar holding company, contact and payment details, the "
        "document on the right",
        masthead="sidebar",
        meta="label_below",
        meta_side="right",
        columns=(("desc", "qty", "price", "vat", "amount"), WITH_UNIT),
        table="zebra",
        totals="block",
        payment="sidebar",
        footer="none",
        fonts=("Helvetica",),
        sizes=(8.5, 10),
        language="en",
    ),
}

LAYOUTS: tuple[str, ...] = tuple(FAMILIES)
