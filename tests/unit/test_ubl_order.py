from datetime import date
from decimal import Decimal

import pytest

from models.errors import PermanentError
from models.master_data import (
    GoodsReceiptLineRecord,
    GoodsReceiptRecord,
    OrderStatus,
    PurchaseOrderLineRecord,
    PurchaseOrderRecord,
)
from tests.shared_data import shared_path
from workers.readers.ubl_order import (
    OrderDocumentError,
    parse_order_document,
    parse_order_xml,
    parse_receipt_advice_xml,
    root_kind,
)

EXAMPLES = ("einvoice", "examples", "ehf-g3", "src")
NAMESPACES = (
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)
ORDER_NS = "urn:oasis:names:specification:ubl:schema:xsd:Order-2"
RECEIPT_NS = "urn:oasis:names:specification:ubl:schema:xsd:ReceiptAdvice-2"

SELLER = """
  <cac:SellerSupplierParty><cac:Party>
    <cbc:EndpointID schemeID="0192">923609016</cbc:EndpointID>
    <cac:PartyLegalEntity><cbc:RegistrationName>Leverandør AS</cbc:RegistrationName>
    </cac:PartyLegalEntity>
  </cac:Party></cac:SellerSupplierParty>"""

LINE = """
  <cac:OrderLine><cac:LineItem>
    <cbc:ID>{line_id}</cbc:ID>
    <cbc:Quantity unitCode="EA">{quantity}</cbc:Quantity>
    <cac:Price><cbc:PriceAmount currencyID="NOK">{price}</cbc:PriceAmount>{base}</cac:Price>
    <cac:Item><cbc:Name>Kopipapir A4</cbc:Name></cac:Item>
  </cac:LineItem></cac:OrderLine>"""


def _order(
    lines: str | None = None,
    *,
    header: str = "<cbc:ID>PO-1001</cbc:ID><cbc:IssueDate>2026-03-01</cbc:IssueDate>"
    "<cbc:DocumentCurrencyCode>NOK</cbc:DocumentCurrencyCode>",
    seller: str = SELLER,
) -> bytes:
    if lines is None:
        lines = _line()
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Order xmlns="{ORDER_NS}" {NAMESPACES}>'
        f"{header}{seller}{lines}</Order>"
    ).encode()


def _line(line_id: str = "1", quantity: str = "10", price: str = "49.90", base: str = "") -> str:
    return LINE.format(line_id=line_id, quantity=quantity, price=price, base=base)


def _receipt(lines: str, header: str = "") -> bytes:
    return (
        f'<ubl:ReceiptAdvice xmlns:ubl="{RECEIPT_NS}" {NAMESPACES}>'
        "<cbc:ID>GR-77</cbc:ID><cbc:IssueDate>2026-03-05</cbc:IssueDate>"
        f"<cac:OrderReference><cbc:ID>PO-1001</cbc:ID></cac:OrderReference>{header}{lines}"
        "</ubl:ReceiptAdvice>"
    ).encode()


def _receipt_line(line_id: str, received: str, extra: str = "", order: str = "") -> str:
    reference = f"<cac:OrderReference><cbc:ID>{order}</cbc:ID></cac:OrderReference>"
    return (
        f'<cac:ReceiptLine><cbc:ID>x</cbc:ID><cbc:ReceivedQuantity unitCode="EA">{received}'
        f"</cbc:ReceivedQuantity>{extra}<cac:OrderLineReference><cbc:LineID>{line_id}</cbc:LineID>"
        f"{reference if order else ''}</cac:OrderLineReference></cac:ReceiptLine>"
    )


def _refused(call: object, data: bytes, code: str = "invalid_order_document") -> str:
    with pytest.raises(OrderDocumentError) as raised:
        call(data)  # type: ignore[operator]
    assert isinstance(raised.value, PermanentError)
    assert raised.value.code == code
    return raised.value.message


# -- shared examples -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ("ordering-3.0", "rules", "example", "Order_Example.xml"),
        ("advanced-ordering-3.0", "rules", "example", "Advanced_Order_Example.xml"),
    ],
)
def test_ehf_order_examples(path: tuple[str, ...]) -> None:
    data = shared_path(*EXAMPLES, *path).read_bytes()
    assert root_kind(data) == "order"
    order = parse_order_xml(data)
    assert order.external_id == order.number == "34"
    assert order.order_date == date(2018, 9, 1)
    assert order.currency == "NOK"
    # CompanyID 123456789 (scheme 0082) fails MOD11; the 0192 endpoint is the org number.
    assert order.supplier_org_number == "123456785"
    assert order.supplier_name == "Medical"
    assert order.supplier_external_id is None
    assert order.status is OrderStatus.OPEN
    assert order.three_way is None
    assert order.lines == (
        PurchaseOrderLineRecord(
            line_number=1,
            description="Needle 4mm",
            quantity=Decimal("120"),
            unit_price=Decimal("50.000"),
            item_code="121212",
            unit="EA",
            vat_rate=Decimal("25"),
            account="12345678",
        ),
        PurchaseOrderLineRecord(
            line_number=2,
            description="Wet tissues - Wet tissues for children",
            quantity=Decimal("15"),
            unit_price=Decimal("15.000"),
            item_code="SItemNo011",
            unit="EA",
            vat_rate=Decimal("25"),
            account="ProjectID123",
        ),
    )


def test_peppol_receipt_advice_example() -> None:
    path = ("receipt-advice-1.1", "rules", "example", "ReceiptAdvice_Example_Full.xml")
    data = shared_path(*EXAMPLES, *path).read_bytes()
    assert root_kind(data) == "receipt_advice"
    receipt = parse_receipt_advice_xml(data)
    assert receipt == GoodsReceiptRecord(
        external_id="5658999",
        order_number="AEG0123456",
        receipt_date=date(2021, 9, 26),  # Shipment/Delivery/ActualDeliveryDate, not IssueDate
        # 90 received, 1 of them rejected.
        lines=(GoodsReceiptLineRecord(1, Decimal("89"), order_number="AEG012345"),),
    )


def test_transportation_status_is_not_a_receipt_advice() -> None:
    path = ("receipt-advice-1.1", "rules", "example", "TransportationStatus_Example_UseCase_04.xml")
    data = shared_path(*EXAMPLES, *path).read_bytes()
    assert root_kind(data) is None
    message = _refused(parse_receipt_advice_xml, data, "not_an_order_document")
    assert "TransportationStatus" in message
    _refused(parse_order_document, data, "not_an_order_document")


# -- orders ----------------------------------------------------------------------------------


def test_minimal_order() -> None:
    order = parse_order_xml(_order())
    assert order == PurchaseOrderRecord(
        external_id="PO-1001",
        number="PO-1001",
        currency="NOK",
        lines=(
            PurchaseOrderLineRecord(1, "Kopipapir A4", Decimal("10"), Decimal("49.90"), unit="EA"),
        ),
        order_date=date(2026, 3, 1),
        supplier_org_number="923609016",
        supplier_name="Leverandør AS",
    )
    assert parse_order_document(_order()) == order


def test_price_per_base_quantity_is_divided() -> None:
    base = '<cbc:BaseQuantity unitCode="EA">12</cbc:BaseQuantity>'
    order = parse_order_xml(_order(_line(quantity="24", price="120.00", base=base)))
    assert order.lines[0].unit_price == Decimal("10")


def test_currency_falls_back_to_the_amounts() -> None:
    header = "<cbc:ID>7</cbc:ID>"
    lines = _line().replace(
        "<cbc:Quantity",
        '<cbc:LineExtensionAmount currencyID="sek">1</cbc:LineExtensionAmount><cbc:Quantity',
    )
    order = parse_order_xml(_order(lines, header=header))
    assert order.currency == "SEK"
    assert order.order_date is None


def test_org_number_from_vat_number_and_name_from_party_name() -> None:
    seller = """<cac:SellerSupplierParty><cac:Party>
      <cac:PartyName><cbc:Name>Kontorland</cbc:Name></cac:PartyName>
      <cac:PartyTaxScheme><cbc:CompanyID>NO 923 609 016 MVA</cbc:CompanyID></cac:PartyTaxScheme>
      <cac:PartyLegalEntity><cbc:RegistrationName>Kontorland AS</cbc:RegistrationName>
      </cac:PartyLegalEntity></cac:Party></cac:SellerSupplierParty>"""
    order = parse_order_xml(_order(seller=seller))
    assert order.supplier_org_number == "923609016"
    assert order.supplier_name == "Kontorland"


def test_non_numeric_line_ids_are_numbered_by_position() -> None:
    order = parse_order_xml(_order(_line("A") + _line("7")))
    assert [line.line_number for line in order.lines] == [1, 2]


def test_standard_item_id_when_no_sellers_id() -> None:
    lines = _line().replace(
        "<cbc:Name>Kopipapir A4</cbc:Name>",
        "<cbc:Name>Kopipapir A4</cbc:Name><cac:StandardItemIdentification>"
        '<cbc:ID schemeID="0160">7311111111111</cbc:ID></cac:StandardItemIdentification>',
    )
    assert parse_order_xml(_order(lines)).lines[0].item_code == "7311111111111"


@pytest.mark.parametrize(
    ("lines", "fragment"),
    [
        (_line(quantity="ti"), "'ti', which is not a decimal number"),
        (_line(quantity="1e3"), "not a decimal number"),
        (_line(quantity="-1"), "negative"),
        (_line().replace('<cbc:Quantity unitCode="EA">10</cbc:Quantity>', ""), "no quantity"),
        (_line(price="12,50"), "not a decimal number"),
        (
            _line().replace("<cbc:PriceAmount", "<cbc:Other").replace("PriceAmount>", "Other>"),
            "no price",
        ),
        (_line(base="<cbc:BaseQuantity>0</cbc:BaseQuantity>"), "base quantity 0"),
        (_line("3") + _line("3"), "more than one line numbered 3"),
        ("", "has no lines"),
    ],
)
def test_bad_order_lines_are_refused(lines: str, fragment: str) -> None:
    assert fragment in _refused(parse_order_xml, _order(lines))


def test_order_without_number_is_refused() -> None:
    message = _refused(parse_order_xml, _order(header="<cbc:ID> </cbc:ID>"))
    assert "no order number" in message


def test_order_with_bad_date_is_refused() -> None:
    header = (
        "<cbc:ID>1</cbc:ID><cbc:IssueDate>2026-02-30</cbc:IssueDate>"
        "<cbc:DocumentCurrencyCode>NOK</cbc:DocumentCurrencyCode>"
    )
    assert "not a YYYY-MM-DD date" in _refused(parse_order_xml, _order(header=header))


def test_order_without_seller_is_refused() -> None:
    assert "names no seller" in _refused(parse_order_xml, _order(seller=""))


# -- receipt advices -------------------------------------------------------------------------


def test_receipt_advice_with_two_lines() -> None:
    rejected = (
        '<cbc:RejectedQuantity unitCode="EA">2</cbc:RejectedQuantity>'
        "<cbc:RejectReason>Knust</cbc:RejectReason>"
    )
    data = _receipt(_receipt_line("1", "10", rejected) + _receipt_line("2", "5.5", order="PO-9"))
    assert root_kind(data) == "receipt_advice"
    receipt = parse_receipt_advice_xml(data)
    assert receipt == GoodsReceiptRecord(
        external_id="GR-77",
        order_number="PO-1001",
        receipt_date=date(2026, 3, 5),  # no delivery date: the issue date
        lines=(
            GoodsReceiptLineRecord(1, Decimal("8")),
            GoodsReceiptLineRecord(2, Decimal("5.5"), order_number="PO-9"),
        ),
    )
    assert parse_order_document(data) == receipt


@pytest.mark.parametrize(
    ("lines", "fragment"),
    [
        (_receipt_line("1", "mange"), "not a decimal number"),
        (_receipt_line("1", ""), "no received quantity"),
        (_receipt_line("1", "-2"), "negative"),
        (
            _receipt_line("1", "1", "<cbc:RejectedQuantity>3</cbc:RejectedQuantity>"),
            "3 rejected is more than the 1 received",
        ),
        (
            _receipt_line(
                "1", "5", '<cbc:RejectedQuantity unitCode="KGM">1</cbc:RejectedQuantity>'
            ),
            "different units",
        ),
        (_receipt_line("A1", "1"), "order line 'A1'"),
        (_receipt_line("", "1"), "no order line number"),
        ("", "has no lines"),
    ],
)
def test_bad_receipt_lines_are_refused(lines: str, fragment: str) -> None:
    assert fragment in _refused(parse_receipt_advice_xml, _receipt(lines))


def test_receipt_line_without_any_order_is_refused() -> None:
    data = _receipt(_receipt_line("1", "1")).replace(
        b"<cac:OrderReference><cbc:ID>PO-1001</cbc:ID></cac:OrderReference>", b""
    )
    assert "names no order" in _refused(parse_receipt_advice_xml, data)


# -- what is refused before reading ----------------------------------------------------------


def test_doctype_and_entities_are_refused() -> None:
    data = b'<?xml version="1.0"?>\n<!DOCTYPE Order [<!ENTITY x "boom">]>\n' + _order().split(
        b"\n", 1
    )[1].replace(b"PO-1001", b"&x;")
    for parse in (parse_order_xml, parse_receipt_advice_xml, root_kind, parse_order_document):
        _refused(parse, data, "xml_forbidden_construct")


def test_external_entity_is_refused() -> None:
    data = b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>'
    assert "external entity" in _refused(parse_order_xml, data, "xml_forbidden_construct")


def test_wrong_root_is_refused() -> None:
    assert "Expected a UBL Order" in _refused(
        parse_order_xml, _receipt(_receipt_line("1", "1")), "not_an_order_document"
    )
    assert "Expected a UBL ReceiptAdvice" in _refused(
        parse_receipt_advice_xml, _order(), "not_an_order_document"
    )
    invoice = b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'
    assert root_kind(invoice) is None
    _refused(parse_order_xml, invoice, "not_an_order_document")
    # The right local name in the wrong namespace is not an order either.
    assert root_kind(b"<Order/>") is None


def test_malformed_xml_is_refused() -> None:
    _refused(parse_order_xml, b"<Order><cbc:ID>1</Order>", "unreadable_xml")
    _refused(root_kind, b"not xml at all", "unreadable_xml")
