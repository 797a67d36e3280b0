"""Wire schemas for master data: what an ERP sends, and the stored records as the API shows them.

Each record is validated on its own (a bulk request keeps its good records), so every rule a
value must meet is here, and what needs the database (does the supplier exist?) is in
:mod:`workers.master_data_store`. Amounts and quantities are parsed to ``Decimal`` from JSON
strings or numbers, never through float; they are shown back as strings without the database's
padding ("12.5", not "12.5000").
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from models.chart import LedgerKind
from models.decimals import plain_decimal
from models.identifiers import (
    normalize_bank_account,
    normalize_iban,
    normalize_org_number,
    normalize_vat_number,
)
from models.master_data import (
    GoodsReceiptLineRecord,
    GoodsReceiptRecord,
    LedgerCodeRecord,
    MatchPolicyRecord,
    OrderStatus,
    PurchaseOrderLineRecord,
    PurchaseOrderRecord,
    SupplierRecord,
)
from models.matching.records import Tolerances
from models.matching.tolerance import merge_tolerances, tolerances_from_mapping
from models.tables import GoodsReceipt, LedgerCode, MatchPolicy, PurchaseOrder, Supplier
from models.vat_codes import load_standard_vat_codes
from workers.master_data_store import (
    FieldProblem,
    OrderLineView,
    ReceiptLineView,
    UpsertResult,
    canonical_tolerances,
)

MAX_LINE_NUMBER = 2**31 - 1

# -- Value types ------------------------------------------------------------------------------


def _blank_to_none(value: Any) -> Any:
    """An ERP export writes an empty cell as "" as often as null; both mean "not given"."""
    return None if isinstance(value, str) and not value.strip() else value


Text16 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
Text20 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Text40 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalText16 = Annotated[Text16 | None, BeforeValidator(_blank_to_none)]
OptionalText20 = Annotated[Text20 | None, BeforeValidator(_blank_to_none)]
OptionalText40 = Annotated[Text40 | None, BeforeValidator(_blank_to_none)]
OptionalText100 = Annotated[Text100 | None, BeforeValidator(_blank_to_none)]


def _whole_digits(limit: int) -> AfterValidator:
    """The database keeps ``limit`` digits before the point; 1e400 is a valid JSON number."""

    def check(value: Decimal) -> Decimal:
        if abs(value) >= Decimal(10) ** limit:
            raise ValueError(f"must be less than 10^{limit} in size")
        return value

    return AfterValidator(check)


def _not_zero(value: Decimal) -> Decimal:
    if value == 0:
        raise ValueError("must not be 0 (negative returns goods)")
    return value


ExternalId = Text100
# NUMERIC(18, 4) columns: 4 decimals, 14 digits before the point.
Quantity = Annotated[Decimal, Field(allow_inf_nan=False, decimal_places=4, gt=0), _whole_digits(14)]
ReceivedQuantity = Annotated[
    Decimal,
    Field(allow_inf_nan=False, decimal_places=4),
    _whole_digits(14),
    AfterValidator(_not_zero),
]
Price = Annotated[Decimal, Field(allow_inf_nan=False, decimal_places=4, ge=0), _whole_digits(14)]
# A VAT rate is a percentage with at most 2 decimals (NUMERIC(18, 2)).
Percent = Annotated[Decimal, Field(allow_inf_nan=False, decimal_places=2, ge=0, le=100)]
Country = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z]{2}$", to_upper=True)
]
Currency = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z]{3}$", to_upper=True)
]
LineNumber = Annotated[int, Field(ge=1, le=MAX_LINE_NUMBER)]


def _bank_account(text: str) -> str:
    number = normalize_bank_account(text) or normalize_iban(text)
    if number is None:
        raise ValueError(
            f"{text!r} is neither a Norwegian account number (11 digits, MOD11) nor a valid IBAN"
        )
    return number


BankAccount = Annotated[str, AfterValidator(_bank_account)]


@lru_cache(maxsize=1)
def standard_vat_codes() -> frozenset[str]:
    return frozenset(code.code for code in load_standard_vat_codes())


def problems_of(error: ValidationError) -> list[FieldProblem]:
    """Pydantic's errors as ``lines[2].quantity: message`` pairs, one per bad value."""
    problems = []
    for item in error.errors(include_url=False):
        path = ""
        for part in item["loc"]:
            path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
        message = item["msg"].removeprefix("Value error, ")
        problems.append(FieldProblem(path or None, message))
    return problems


class _Record(BaseModel):
    """Unknown fields are refused: a misspelt ``po_requierd`` must not pass as "not given"."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


# -- Suppliers --------------------------------------------------------------------------------


class DefaultCoding(_Record):
    account: OptionalText100 = None
    vat_code: OptionalText100 = None
    department: OptionalText100 = None
    project: OptionalText100 = None


class SupplierIn(_Record):
    """A supplier; ``PUT`` replaces it as a whole (fields not given take their defaults)."""

    external_id: ExternalId = Field(description="The ERP's supplier id")
    name: Text200
    country: Country = Field(default="NO", description="ISO 3166 alpha-2")
    org_number: OptionalText20 = Field(
        default=None, description="Norwegian organisation number (9 digits) when country is NO"
    )
    vat_number: OptionalText40 = Field(default=None, examples=["NO923609016MVA"])
    bank_accounts: list[BankAccount] | None = Field(
        default=None,
        description="Norwegian account numbers (11 digits) or IBANs. A list replaces the "
        "supplier's accounts; leaving it out keeps them.",
    )
    default_coding: DefaultCoding | None = None
    payment_terms_days: Annotated[int, Field(ge=0, le=365)] | None = None
    match_tolerances: dict[str, Any] | None = Field(
        default=None,
        description="Overrides of the company's matching tolerances, e.g. "
        '{"price_over": {"percent": "5"}, "fee_amount": "250"}',
    )
    po_required: bool = Field(default=False, description="Its invoices must match an order")
    active: bool = True

    @field_validator("org_number")
    @classmethod
    def _org_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if info.data.get("country", "NO") != "NO":
            return "".join(value.split())
        number = normalize_org_number(value)
        if number is None:
            raise ValueError(
                f"{value!r} is not a Norwegian organisation number (9 digits, MOD11 check)"
            )
        return number

    @field_validator("vat_number")
    @classmethod
    def _vat_number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        number = normalize_vat_number(value)
        if number is None:
            raise ValueError(f"{value!r} is not a valid VAT number (such as NO923609016MVA)")
        return number

    @field_validator("match_tolerances")
    @classmethod
    def _tolerances(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if not value:
            return None
        return canonical_tolerances(merge_tolerances(Tolerances(), value), value.keys())

    def record(self) -> SupplierRecord:
        coding = self.default_coding.model_dump(exclude_none=True) if self.default_coding else {}
        accounts = None if self.bank_accounts is None else tuple(dict.fromkeys(self.bank_accounts))
        return SupplierRecord(
            external_id=self.external_id,
            name=self.name,
            org_number=self.org_number,
            vat_number=self.vat_number,
            country=self.country,
            bank_accounts=accounts,
            default_coding=coding or None,
            payment_terms_days=self.payment_terms_days,
            match_tolerances=self.match_tolerances,
            po_required=self.po_required,
            active=self.active,
        )


# -- Ledger codes -----------------------------------------------------------------------------


class LedgerCodeIn(_Record):
    """A GL account, department or project: the path's code is the ERP's id."""

    code: ExternalId
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    active: bool = True

    def record(self, kind: LedgerKind) -> LedgerCodeRecord:
        return LedgerCodeRecord(kind=kind, code=self.code, name=self.name, active=self.active)


class VatCodeIn(LedgerCodeIn):
    """A VAT code of the ERP; ``standard_code`` is the SAF-T code it reports under."""

    rate: Percent | None = Field(default=None, description="Percentage, 0 to 100")
    standard_code: OptionalText16 = None
    deductible: bool | None = Field(default=None, description="Input VAT that may be deducted")

    @field_validator("standard_code")
    @classmethod
    def _standard(cls, value: str | None) -> str | None:
        if value is not None and value not in standard_vat_codes():
            raise ValueError(f"{value!r} is not a SAF-T standard VAT code")
        return value

    def record(self, kind: LedgerKind = LedgerKind.VAT_CODE) -> LedgerCodeRecord:
        return LedgerCodeRecord(
            kind=kind,
            code=self.code,
            name=self.name,
            active=self.active,
            vat_rate=self.rate,
            standard_code=self.standard_code,
            deductible=self.deductible,
        )


# -- Purchase orders --------------------------------------------------------------------------


class PurchaseOrderLineIn(_Record):
    line_number: LineNumber
    item_code: OptionalText100 = None
    description: Annotated[str, StringConstraints(strip_whitespace=True)] = ""
    quantity: Quantity
    unit: OptionalText16 = None
    unit_price: Price
    vat_rate: Percent | None = None
    account: OptionalText100 = None

    def record(self) -> PurchaseOrderLineRecord:
        return PurchaseOrderLineRecord(
            line_number=self.line_number,
            description=self.description,
            quantity=self.quantity,
            unit_price=self.unit_price,
            item_code=self.item_code,
            unit=self.unit,
            vat_rate=self.vat_rate,
            account=self.account,
        )


class PurchaseOrderIn(_Record):
    """A purchase order; the supplier is named by its external id or its org number."""

    external_id: ExternalId
    number: OptionalText100 = Field(default=None, description="Default: the external id")
    supplier: OptionalText100 = Field(default=None, description="The supplier's external_id")
    supplier_org_number: OptionalText20 = None
    currency: Currency
    order_date: date | None = None
    status: OrderStatus = OrderStatus.OPEN
    three_way: bool | None = Field(default=None, description="null: the company's default")
    lines: Annotated[list[PurchaseOrderLineIn], Field(min_length=1)]

    @field_validator("supplier_org_number")
    @classmethod
    def _org_number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        number = normalize_org_number(value)
        if number is None:
            raise ValueError(f"{value!r} is not a Norwegian organisation number")
        return number

    @field_validator("lines")
    @classmethod
    def _unique_lines(cls, lines: list[PurchaseOrderLineIn]) -> list[PurchaseOrderLineIn]:
        seen: set[int] = set()
        for line in lines:
            if line.line_number in seen:
                raise ValueError(f"line_number {line.line_number} appears more than once")
            seen.add(line.line_number)
        return lines

    def record(self, supplier_name: str | None = None) -> PurchaseOrderRecord:
        return PurchaseOrderRecord(
            external_id=self.external_id,
            number=self.number or self.external_id,
            currency=self.currency,
            lines=tuple(line.record() for line in self.lines),
            order_date=self.order_date,
            supplier_external_id=self.supplier,
            supplier_org_number=self.supplier_org_number,
            supplier_name=supplier_name,
            status=self.status,
            three_way=self.three_way,
        )


# -- Goods receipts ---------------------------------------------------------------------------


class GoodsReceiptLineIn(_Record):
    order_line_number: LineNumber
    quantity: ReceivedQuantity = Field(description="Received; negative returns goods")
    order_number: OptionalText100 = Field(
        default=None, description="When one receipt covers several orders"
    )


class GoodsReceiptIn(_Record):
    """A goods receipt; sending it again replaces its lines."""

    external_id: ExternalId
    receipt_date: date
    order_number: OptionalText100 = Field(
        default=None, description="The order's number or external id"
    )
    lines: Annotated[list[GoodsReceiptLineIn], Field(min_length=1)]

    def record(self) -> GoodsReceiptRecord:
        return GoodsReceiptRecord(
            external_id=self.external_id,
            order_number=self.order_number,
            receipt_date=self.receipt_date,
            lines=tuple(
                GoodsReceiptLineRecord(line.order_line_number, line.quantity, line.order_number)
                for line in self.lines
            ),
        )


# -- Matching policy --------------------------------------------------------------------------


class MatchPolicyIn(_Record):
    tolerances: dict[str, Any] = Field(
        default_factory=dict,
        description="price_over, price_under, quantity_over, total_over, total_under (each "
        '{"percent": ..., "amount": ...}) and fee_amount; missing ones allow no deviation',
    )
    three_way_default: bool = True
    duplicate_window_days: Annotated[int, Field(ge=0, le=90)] = 7

    @field_validator("tolerances")
    @classmethod
    def _tolerances(cls, value: dict[str, Any]) -> dict[str, Any]:
        tolerances_from_mapping(value)
        return value

    def record(self) -> MatchPolicyRecord:
        return MatchPolicyRecord(
            tolerances=tolerances_from_mapping(self.tolerances),
            three_way_default=self.three_way_default,
            duplicate_window_days=self.duplicate_window_days,
        )


# -- What the API shows -----------------------------------------------------------------------

DecimalText = Annotated[Decimal, PlainSerializer(plain_decimal, return_type=str)]
ItemT = TypeVar("ItemT")


class ListOut(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end"
    )


class DefaultCodingOut(BaseModel):
    account: str | None = None
    vat_code: str | None = None
    department: str | None = None
    project: str | None = None


class SupplierOut(BaseModel):
    id: uuid.UUID
    external_id: str | None = Field(description="null: met on an invoice, not yet from the ERP")
    name: str
    org_number: str | None
    vat_number: str | None
    country: str
    bank_accounts: list[str]
    default_coding: DefaultCodingOut | None
    payment_terms_days: int | None
    match_tolerances: dict[str, Any] | None
    po_required: bool
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, supplier: Supplier, bank_accounts: list[str]) -> SupplierOut:
        return cls(
            id=supplier.id,
            external_id=supplier.external_id,
            name=supplier.name,
            org_number=supplier.org_number,
            vat_number=supplier.vat_number,
            country=supplier.country,
            bank_accounts=bank_accounts,
            default_coding=(
                DefaultCodingOut.model_validate(supplier.default_coding)
                if supplier.default_coding
                else None
            ),
            payment_terms_days=supplier.payment_terms_days,
            match_tolerances=supplier.match_tolerances,
            po_required=supplier.po_required,
            active=supplier.active,
            created_at=supplier.created_at,
            updated_at=supplier.updated_at,
        )


class LedgerCodeOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: LedgerCode) -> LedgerCodeOut:
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            active=row.active,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class VatCodeOut(LedgerCodeOut):
    rate: DecimalText | None
    standard_code: str | None
    deductible: bool | None

    @classmethod
    def of(cls, row: LedgerCode) -> VatCodeOut:
        return cls(
            **LedgerCodeOut.of(row).model_dump(),
            rate=row.vat_rate,
            standard_code=row.standard_code,
            deductible=row.deductible,
        )


class PurchaseOrderLineOut(BaseModel):
    line_number: int
    item_code: str | None
    description: str
    quantity: DecimalText
    unit: str | None
    unit_price: DecimalText
    vat_rate: DecimalText | None
    account: str | None
    closed: bool = Field(description="Dropped by the ERP but kept: goods were received on it")
    received_quantity: DecimalText = Field(description="Sum over the goods receipts")
    invoiced_quantity: DecimalText = Field(description="Sum over the matched invoices")

    @classmethod
    def of(cls, view: OrderLineView) -> PurchaseOrderLineOut:
        line = view.line
        return cls(
            line_number=line.line_number,
            item_code=line.item_code,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            account=line.account,
            closed=line.closed,
            received_quantity=view.received_quantity,
            invoiced_quantity=view.invoiced_quantity,
        )


class PurchaseOrderOut(BaseModel):
    id: uuid.UUID
    external_id: str
    number: str
    supplier: str | None = Field(description="The supplier's external_id")
    supplier_org_number: str | None
    supplier_id: uuid.UUID | None
    currency: str
    order_date: date | None
    status: OrderStatus
    three_way: bool | None
    source: str = Field(description="api or ehf")
    lines: list[PurchaseOrderLineOut]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(
        cls, order: PurchaseOrder, supplier: Supplier | None, lines: list[OrderLineView]
    ) -> PurchaseOrderOut:
        return cls(
            id=order.id,
            external_id=order.external_id,
            number=order.number,
            supplier=supplier.external_id if supplier else order.supplier_external_id,
            supplier_org_number=supplier.org_number if supplier else None,
            supplier_id=order.supplier_id,
            currency=order.currency,
            order_date=order.order_date,
            status=OrderStatus(order.status),
            three_way=order.three_way,
            source=order.source,
            lines=[PurchaseOrderLineOut.of(view) for view in lines],
            created_at=order.created_at,
            updated_at=order.updated_at,
        )


class GoodsReceiptLineOut(BaseModel):
    order_number: str
    order_external_id: str
    order_line_number: int
    quantity: DecimalText


class GoodsReceiptOut(BaseModel):
    id: uuid.UUID
    external_id: str
    receipt_date: date
    order_number: str | None = Field(description="The order, when all lines are of one order")
    source: str
    lines: list[GoodsReceiptLineOut]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, receipt: GoodsReceipt, lines: list[ReceiptLineView]) -> GoodsReceiptOut:
        orders = {view.order.id: view.order for view in lines}
        return cls(
            id=receipt.id,
            external_id=receipt.external_id,
            receipt_date=receipt.receipt_date,
            order_number=next(iter(orders.values())).number if len(orders) == 1 else None,
            source=receipt.source,
            lines=[
                GoodsReceiptLineOut(
                    order_number=view.order.number,
                    order_external_id=view.order.external_id,
                    order_line_number=view.line_number,
                    quantity=view.quantity,
                )
                for view in lines
            ],
            created_at=receipt.created_at,
            updated_at=receipt.updated_at,
        )


class MatchPolicyOut(BaseModel):
    tolerances: dict[str, Any] = Field(description="Decimals as strings; null: does not apply")
    three_way_default: bool
    duplicate_window_days: int
    updated_at: datetime | None = Field(description="null: never set, the defaults apply")

    @classmethod
    def of(cls, policy: MatchPolicy | None) -> MatchPolicyOut:
        if policy is None:
            return cls(
                tolerances=canonical_tolerances(Tolerances()),
                three_way_default=True,
                duplicate_window_days=7,
                updated_at=None,
            )
        return cls(
            tolerances=policy.tolerances,
            three_way_default=policy.three_way_default,
            duplicate_window_days=policy.duplicate_window_days,
            updated_at=policy.updated_at,
        )


class _Result(BaseModel):
    result: UpsertResult = Field(description="created, updated or unchanged")


class SupplierUpserted(SupplierOut, _Result):
    pass


class LedgerCodeUpserted(LedgerCodeOut, _Result):
    pass


class VatCodeUpserted(VatCodeOut, _Result):
    pass


class PurchaseOrderUpserted(PurchaseOrderOut, _Result):
    pass


class GoodsReceiptUpserted(GoodsReceiptOut, _Result):
    pass


class MatchPolicyUpserted(MatchPolicyOut, _Result):
    pass


class FieldProblemOut(BaseModel):
    field: str | None = Field(description="Path of the bad value, e.g. lines[2].quantity")
    message: str


class RecordErrorOut(BaseModel):
    index: int = Field(description="Position in records, from 0")
    external_id: str | None = Field(description="The record's external_id (code), when given")
    problems: list[FieldProblemOut]


class BulkOut(BaseModel):
    created: int
    updated: int
    unchanged: int
    errors: list[RecordErrorOut] = Field(description="Records not stored, and why")
