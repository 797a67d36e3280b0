"""EHF / Peppol BIS UBL ``Order`` and ``ReceiptAdvice`` to the ERP records Bilag stores.

An ERP that speaks EHF can send its purchase orders (Peppol Order 3 / EHF Ordering and Advanced
Ordering) and goods receipts (Peppol Receipt Advice) as the XML it already produces, instead of
the API's JSON. Both become the records of :mod:`models.master_data`, so one upsert path stores
them whatever the wire format.

Unlike the invoice readers, these are strict: a field that is present but unreadable refuses the
whole document with :class:`OrderDocumentError` (a :class:`PermanentError`) rather than leaving
it empty. The document comes from the ERP, which can correct and resend it at once, while a
purchase order with a guessed quantity or price would silently skew every match against it.
The API turns the error into a 422 problem; ``code`` is one of ``xml_too_large``,
``xml_forbidden_construct``, ``unreadable_xml`` (from :func:`parse_xml_safely`),
``not_an_order_document`` (another root element) or ``invalid_order_document``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, DecimalException
from typing import Literal

from lxml import etree

from models.errors import PermanentError
from models.identifiers import normalize_org_number
from models.master_data import (
    GoodsReceiptLineRecord,
    GoodsReceiptRecord,
    OrderStatus,
    PurchaseOrderLineRecord,
    PurchaseOrderRecord,
)
from workers.readers.ubl import NS
from workers.readers.xml_safety import DEFAULT_MAX_XML_BYTES, XmlReader, parse_xml_safely, where

ORDER_NS = "urn:oasis:names:specification:ubl:schema:xsd:Order-2"
RECEIPT_ADVICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:ReceiptAdvice-2"

OrderDocumentKind = Literal["order", "receipt_advice"]

_ROOTS: dict[tuple[str, str], OrderDocumentKind] = {
    (ORDER_NS, "Order"): "order",
    (RECEIPT_ADVICE_NS, "ReceiptAdvice"): "receipt_advice",
}
_ROOT_NAMES: dict[OrderDocumentKind, str] = {
    "order": f"UBL Order ({ORDER_NS})",
    "receipt_advice": f"UBL ReceiptAdvice ({RECEIPT_ADVICE_NS})",
}
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?")
# Line numbers are stored as integers; the largest a 32-bit database column holds.
_LINE_NUMBER = re.compile(r"[0-9]{1,10}")
_MAX_LINE_NUMBER = 2**31 - 1
_UNIT_PRICE_PLACES = Decimal("0.0001")
# Schemes whose identifier is a Norwegian organisation number: the Peppol ICD for
# Enhetsregisteret, and the legacy EHF 2 name for it. A CompanyID without a scheme is tried too.
_ORG_NUMBER_SCHEMES = frozenset({"0192", "NO:ORGNR"})

_Node = etree._Element


class OrderDocumentError(PermanentError):
    """The XML is not an order or receipt advice Bilag can store; ``message`` says why."""

    def __init__(self, message: str, code: str = "invalid_order_document") -> None:
        super().__init__(code, message)


def root_kind(data: bytes, max_bytes: int = DEFAULT_MAX_XML_BYTES) -> OrderDocumentKind | None:
    """``"order"`` or ``"receipt_advice"`` by the root element, ``None`` for any other XML.

    Lets one endpoint accept either document. XML that is unsafe or not well-formed raises
    :class:`OrderDocumentError`, as the parsers do.
    """
    return document_kind(_parse(data, max_bytes))


def document_kind(root: _Node) -> OrderDocumentKind | None:
    """What :func:`root_kind` answers, for an already parsed root element."""
    if not isinstance(root.tag, str):
        return None
    name = etree.QName(root)
    return _ROOTS.get((name.namespace or "", name.localname))


def parse_order_document(
    data: bytes, max_bytes: int = DEFAULT_MAX_XML_BYTES
) -> PurchaseOrderRecord | GoodsReceiptRecord:
    """The order or goods receipt in ``data``, whichever it is; parses the XML once."""
    root = _parse(data, max_bytes)
    kind = document_kind(root)
    if kind == "order":
        return read_order(root)
    if kind == "receipt_advice":
        return read_receipt_advice(root)
    raise _wrong_root(root, "a UBL Order or ReceiptAdvice")


def parse_order_xml(data: bytes, max_bytes: int = DEFAULT_MAX_XML_BYTES) -> PurchaseOrderRecord:
    """The purchase order in a UBL ``Order`` (Peppol Order 3, EHF (Advanced) Ordering)."""
    return read_order(_parse(data, max_bytes))


def parse_receipt_advice_xml(
    data: bytes, max_bytes: int = DEFAULT_MAX_XML_BYTES
) -> GoodsReceiptRecord:
    """The goods receipt in a UBL ``ReceiptAdvice`` (Peppol Receipt Advice)."""
    return read_receipt_advice(_parse(data, max_bytes))


def read_order(root: _Node) -> PurchaseOrderRecord:
    """:func:`parse_order_xml` for an already parsed root element."""
    _expect(root, "order")
    return _OrderReader().order(root)


def read_receipt_advice(root: _Node) -> GoodsReceiptRecord:
    """:func:`parse_receipt_advice_xml` for an already parsed root element."""
    _expect(root, "receipt_advice")
    return _OrderReader().receipt_advice(root)


def _parse(data: bytes, max_bytes: int) -> _Node:
    """The safe parser's root; its errors re-raised as :class:`OrderDocumentError`, same code."""
    try:
        return parse_xml_safely(data, max_bytes=max_bytes)
    except PermanentError as error:
        raise OrderDocumentError(error.message, error.code) from error


def _expect(root: _Node, kind: OrderDocumentKind) -> None:
    if document_kind(root) != kind:
        raise _wrong_root(root, f"a {_ROOT_NAMES[kind]}")


def _wrong_root(root: _Node, expected: str) -> OrderDocumentError:
    if not isinstance(root.tag, str):  # pragma: no cover - lxml roots are elements
        return OrderDocumentError(f"Expected {expected}.", "not_an_order_document")
    name = etree.QName(root)
    namespace = f" in namespace {name.namespace}" if name.namespace else " (no namespace)"
    return OrderDocumentError(
        f"Expected {expected}, but the XML is a {name.localname}{namespace}.",
        "not_an_order_document",
    )


class _OrderReader(XmlReader):
    """UBL reads that refuse the document on the first unreadable or missing value."""

    def __init__(self) -> None:
        super().__init__(NS)

    def unreadable(self, element: _Node, text: str, problem: str) -> None:
        """Called by :meth:`XmlReader.amount` for a malformed number: refuse, never skip."""
        raise _unreadable(element, text, problem)

    def required_text(self, node: _Node, path: str, what: str) -> str:
        text = self.text(node, path)
        if text is None:
            raise OrderDocumentError(f"{_at(node)} has no {what} ({path}).")
        return text

    def required_amount(self, node: _Node, path: str, what: str) -> Decimal:
        value = self.amount(node, path)
        if value is None:
            raise OrderDocumentError(f"{_at(node)} has no {what} ({path}).")
        return value

    def day(self, node: _Node, path: str) -> date | None:
        """An xsd:date (``YYYY-MM-DD``, optional zone) or ``None`` when absent."""
        element = self.node(node, path)
        text = None if element is None else self.text(element, ".")
        if element is None or text is None:
            return None
        match = _ISO_DATE.fullmatch(text)
        try:
            if match is not None:
                return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass  # shaped like a date but not one, such as 2026-02-30
        raise _unreadable(element, text, "is not a YYYY-MM-DD date")

    # -- Order ------------------------------------------------------------------------------

    def order(self, root: _Node) -> PurchaseOrderRecord:
        number = self.required_text(root, "cbc:ID", "order number")
        seller = self.node(root, "cac:SellerSupplierParty/cac:Party")
        org_number = self.org_number(seller)
        name = self.text(seller, "cac:PartyName/cbc:Name") or self.text(
            seller, "cac:PartyLegalEntity/cbc:RegistrationName"
        )
        if org_number is None and name is None:
            raise OrderDocumentError(
                f"Order {number!r} names no seller: cac:SellerSupplierParty/cac:Party has no "
                "Norwegian organisation number and no name."
            )
        return PurchaseOrderRecord(
            external_id=number,
            number=number,
            currency=self.currency(root, number),
            lines=self.order_lines(root, number),
            order_date=self.day(root, "cbc:IssueDate"),
            supplier_org_number=org_number,
            supplier_name=name,
            status=OrderStatus.OPEN,
            three_way=None,
        )

    def currency(self, root: _Node, number: str) -> str:
        """BT-5 style DocumentCurrencyCode; else the currencyID the amounts are stated in."""
        currency = self.text(root, "cbc:DocumentCurrencyCode") or self.attribute(
            root,
            "cac:AnticipatedMonetaryTotal/cbc:LineExtensionAmount"
            "|cac:OrderLine/cac:LineItem/cbc:LineExtensionAmount",
            "currencyID",
        )
        if currency is None:
            raise OrderDocumentError(
                f"Order {number!r} states no currency (cbc:DocumentCurrencyCode or the "
                "currencyID of cbc:LineExtensionAmount)."
            )
        return currency.upper()

    def org_number(self, party: _Node | None) -> str | None:
        """The seller's nine-digit organisation number, from the first identifier that is one.

        Tried in order: PartyLegalEntity/CompanyID, EndpointID, PartyIdentification/ID (each
        without a scheme or under scheme 0192), then a ``NO…MVA`` VAT number. A value that fails
        the MOD11 check is passed over, so a foreign or mistyped id never becomes an org number.
        """
        if party is None:
            return None
        for path in (
            "cac:PartyLegalEntity/cbc:CompanyID",
            "cbc:EndpointID",
            "cac:PartyIdentification/cbc:ID",
        ):
            for element in self.nodes(party, path):
                scheme = element.get("schemeID")
                text = self.text(element, ".")
                if text and (scheme is None or scheme.strip().upper() in _ORG_NUMBER_SCHEMES):
                    found = normalize_org_number(text)
                    if found is not None:
                        return found
        for text in self.texts(party, "cac:PartyTaxScheme/cbc:CompanyID"):
            if text.upper().startswith("NO"):
                found = normalize_org_number(text)
                if found is not None:
                    return found
        return None

    def order_lines(self, root: _Node, number: str) -> tuple[PurchaseOrderLineRecord, ...]:
        """The LineItems in document order.

        Line numbers are the LineItem IDs when every one is a positive whole number; if any is
        not (Peppol allows any text), all lines are numbered by position 1..n instead, so
        numbers never collide. A receipt advice refers to lines by the same IDs.
        """
        items = self.nodes(root, "cac:OrderLine/cac:LineItem")
        if not items:
            raise OrderDocumentError(f"Order {number!r} has no lines (cac:OrderLine/cac:LineItem).")
        ids = [_line_number(self.text(item, "cbc:ID")) for item in items]
        if any(line_id is None for line_id in ids):
            numbers = list(range(1, len(items) + 1))
        else:
            numbers = [line_id for line_id in ids if line_id is not None]
            repeated = sorted({n for n in numbers if numbers.count(n) > 1})
            if repeated:
                raise OrderDocumentError(
                    f"Order {number!r} has more than one line numbered {repeated[0]}."
                )
        return tuple(
            self.order_line(item, line_number)
            for item, line_number in zip(items, numbers, strict=True)
        )

    def order_line(self, item: _Node, line_number: int) -> PurchaseOrderLineRecord:
        quantity = self.required_amount(item, "cbc:Quantity", "quantity")
        if quantity < 0:
            raise OrderDocumentError(f"{where(item)}: the quantity {quantity} is negative.")
        article = self.node(item, "cac:Item")
        return PurchaseOrderLineRecord(
            line_number=line_number,
            description=self.description(item, article),
            quantity=quantity,
            unit_price=self.unit_price(item),
            item_code=self.text(article, "cac:SellersItemIdentification/cbc:ID")
            or self.text(article, "cac:StandardItemIdentification/cbc:ID"),
            unit=self.attribute(item, "cbc:Quantity", "unitCode"),
            vat_rate=self.amount(article, "cac:ClassifiedTaxCategory/cbc:Percent"),
            account=self.text(item, "cbc:AccountingCost"),
        )

    def description(self, item: _Node, article: _Node | None) -> str:
        """Item name, and the description after it when it says something the name does not."""
        name = self.text(article, "cbc:Name")
        description = self.text(article, "cbc:Description")
        if name is None and description is None:
            raise OrderDocumentError(f"{where(item)} has no item name (cac:Item/cbc:Name).")
        if name is None or description is None or description == name:
            return name or description or ""
        return f"{name} - {description}"

    def unit_price(self, item: _Node) -> Decimal:
        """Net price per one unit of the ordered quantity.

        UBL states the price per BaseQuantity units (BT-149 on invoices), e.g. 120.00 per 12
        pieces; dividing gives what the invoice line's unit price is compared with. The division
        need not end within the four decimals a unit price is kept with, so it is rounded to
        them, half up.
        """
        price = self.required_amount(item, "cac:Price/cbc:PriceAmount", "price")
        base = self.amount(item, "cac:Price/cbc:BaseQuantity")
        if base is None or base == 1:
            return _unit_price_places(price)
        if base <= 0:
            raise OrderDocumentError(
                f"{where(item)}: the price's base quantity {base} is not positive."
            )
        try:
            return _unit_price_places(price / base)
        except DecimalException as error:  # pragma: no cover - base is a positive decimal
            raise OrderDocumentError(f"{where(item)}: the price cannot be divided.") from error

    # -- ReceiptAdvice ----------------------------------------------------------------------

    def receipt_advice(self, root: _Node) -> GoodsReceiptRecord:
        number = self.required_text(root, "cbc:ID", "receipt advice number")
        receipt_date = self.day(
            root,
            "cac:Shipment/cac:Delivery/cbc:ActualDeliveryDate|cac:Delivery/cbc:ActualDeliveryDate",
        ) or self.day(root, "cbc:IssueDate")
        if receipt_date is None:
            raise OrderDocumentError(
                f"Receipt advice {number!r} has no date (cac:Shipment/cac:Delivery/"
                "cbc:ActualDeliveryDate or cbc:IssueDate)."
            )
        order_number = self.text(root, "cac:OrderReference/cbc:ID")
        lines = self.nodes(root, "cac:ReceiptLine")
        if not lines:
            raise OrderDocumentError(f"Receipt advice {number!r} has no lines (cac:ReceiptLine).")
        return GoodsReceiptRecord(
            external_id=number,
            order_number=order_number,
            receipt_date=receipt_date,
            lines=tuple(self.receipt_line(line, order_number) for line in lines),
        )

    def receipt_line(self, line: _Node, order_number: str | None) -> GoodsReceiptLineRecord:
        """One received order line; the quantity is what was received and kept.

        ``ReceivedQuantity`` counts everything that arrived, rejected goods included (the
        Peppol example receives 90, rejects 1 of them, and is 10 short of 100 despatched), so
        what may be invoiced is received minus rejected. Short and oversupplied quantities are
        already reflected in what was received.
        """
        reference = self.node(line, "cac:OrderLineReference")
        line_text = self.text(reference, "cbc:LineID")
        line_number = _line_number(line_text)
        if line_number is None:
            shown = "no order line number" if line_text is None else f"order line {line_text!r}"
            raise OrderDocumentError(
                f"{where(line)} refers to {shown}; cac:OrderLineReference/cbc:LineID must be "
                "the number of a line of the order."
            )
        line_order = self.text(reference, "cac:OrderReference/cbc:ID")
        if line_order is None and order_number is None:
            raise OrderDocumentError(
                f"{where(line)} names no order: neither cac:OrderReference/cbc:ID nor the line's "
                "cac:OrderLineReference/cac:OrderReference/cbc:ID is given."
            )
        return GoodsReceiptLineRecord(
            order_line_number=line_number,
            quantity=self.kept_quantity(line),
            order_number=line_order,
        )

    def kept_quantity(self, line: _Node) -> Decimal:
        received = self.required_amount(line, "cbc:ReceivedQuantity", "received quantity")
        rejected = self.amount(line, "cbc:RejectedQuantity") or Decimal(0)
        if received < 0 or rejected < 0:
            raise OrderDocumentError(f"{where(line)}: a received or rejected quantity is negative.")
        if rejected > received:
            raise OrderDocumentError(
                f"{where(line)}: {rejected} rejected is more than the {received} received."
            )
        units = {
            self.attribute(line, "cbc:ReceivedQuantity", "unitCode"),
            self.attribute(line, "cbc:RejectedQuantity", "unitCode") if rejected else None,
        } - {None}
        if len(units) > 1:
            raise OrderDocumentError(
                f"{where(line)}: received and rejected quantities are in different units "
                f"({', '.join(sorted(u for u in units if u))})."
            )
        return received - rejected


def _line_number(text: str | None) -> int | None:
    """A LineItem/LineID as a line number: a positive whole number that fits the column."""
    if text is None or not _LINE_NUMBER.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= _MAX_LINE_NUMBER else None


def _unreadable(element: _Node, text: str, problem: str) -> OrderDocumentError:
    return OrderDocumentError(f"{where(element)} is {text[:40]!r}, which {problem}.")


def _at(node: _Node) -> str:
    """Where a missing value was looked for: the document, or the element's path."""
    return "The document" if node.getparent() is None else where(node)


def _unit_price_places(price: Decimal) -> Decimal:
    """At most the four decimals Bilag keeps a unit price with, rounded half up."""
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        return price.quantize(_UNIT_PRICE_PLACES, rounding=ROUND_HALF_UP)
    return price
