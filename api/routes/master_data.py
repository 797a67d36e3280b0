"""Master data: the ERP pushes its suppliers, chart, purchase orders and goods receipts, and
sets the company's matching policy; everything is listed back.

Every resource works alike. ``PUT /{resource}/{id}`` upserts one record (201 created, 200
updated or unchanged); ``POST /{resource}/bulk`` upserts up to :data:`MAX_RECORDS`, validating
each record on its own so the good ones are stored and the bad ones listed with the path of
every bad value; ``GET /{resource}`` lists (keyset cursor) and ``GET /{resource}/{id}`` reads
one. Sending the same data again changes nothing and writes no audit event.

Bodies are read here rather than by FastAPI so that numbers are parsed straight to ``Decimal``
(``0.1`` stays 0.1, ``1e400`` is refused as too large instead of becoming infinity) and so that
one bad record does not fail a whole bulk request. Orders and receipts may also come as EHF
(Peppol) XML. Invoices waiting for an order or a receipt are matched again once the data they
waited for is committed.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from api.deps import MasterReadKey, MasterWriteKey, SessionDep, SettingsDep, actor_of
from api.problems import Problem
from api.schemas_master_data import (
    BulkOut,
    FieldProblemOut,
    GoodsReceiptIn,
    GoodsReceiptOut,
    GoodsReceiptUpserted,
    LedgerCodeIn,
    LedgerCodeOut,
    LedgerCodeUpserted,
    ListOut,
    MatchPolicyIn,
    MatchPolicyOut,
    MatchPolicyUpserted,
    PurchaseOrderIn,
    PurchaseOrderOut,
    PurchaseOrderUpserted,
    RecordErrorOut,
    SupplierIn,
    SupplierOut,
    SupplierUpserted,
    VatCodeIn,
    VatCodeOut,
    VatCodeUpserted,
    problems_of,
)
from models.chart import LedgerKind
from models.cursor import InvalidCursorError
from models.master_data import GoodsReceiptRecord, OrderStatus, PurchaseOrderRecord
from models.tables import ApiKey, GoodsReceipt, LedgerCode, MatchPolicy, PurchaseOrder, Supplier
from workers.master_data_store import (
    FieldProblem,
    Page,
    Rejected,
    Stored,
    StoredBatch,
    UpsertResult,
    bank_accounts_of,
    keyset_page,
    order_lines_of,
    receipt_lines_of,
    store_goods_receipts,
    store_ledger_codes,
    store_match_policy,
    store_purchase_orders,
    store_suppliers,
    suppliers_by_id,
)
from workers.matching_jobs import rematch_held_invoices, rematch_waiting_invoices
from workers.readers.ubl_order import (
    OrderDocumentError,
    parse_order_xml,
    parse_receipt_advice_xml,
)

log = logging.getLogger(__name__)

MAX_RECORDS = 5_000
MAX_XML_BYTES = 5 * 1024 * 1024
_JSON_TYPES = ("application/json",)
_XML_TYPES = ("application/xml", "text/xml")
_FOUR_PLACES = Decimal("0.0001")

InT = TypeVar("InT", bound=BaseModel)
RowT = TypeVar("RowT")

# -- Reading bodies ---------------------------------------------------------------------------


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _require_json(request: Request) -> None:
    media_type = _media_type(request)
    if media_type not in _JSON_TYPES and not media_type.endswith("+json"):
        raise Problem(
            415,
            "unsupported_media_type",
            f"Send the record as application/json, not {media_type or 'without a Content-Type'}.",
            accepted_types=list(_JSON_TYPES),
        )


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    too_large = Problem(
        413,
        "payload_too_large",
        f"The body is larger than the limit of {limit} bytes.",
        max_bytes=limit,
    )
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    if not body.strip():
        raise Problem(400, "empty_body", "The request has no body.")
    return bytes(body)


def _not_json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _parse_json(body: bytes) -> Any:
    """JSON with every number that has a fraction or exponent parsed as a Decimal."""
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_not_json_constant)
    except (ValueError, RecursionError) as error:
        raise Problem(400, "unreadable_body", f"The body is not valid JSON: {error}.") from None


async def _json_body(request: Request, limit: int) -> Any:
    _require_json(request)
    return _parse_json(await _read_body(request, limit))


# -- What differs between resources -----------------------------------------------------------


@dataclass(frozen=True)
class _Resource(Generic[InT, RowT]):
    """One kind of master data: its wire model, how to store it and how to show it."""

    noun: str
    id_field: str
    model: type[InT]
    store: Callable[[Session, uuid.UUID, list[InT], str], StoredBatch[RowT]]
    show: Callable[[Session, list[RowT]], list[BaseModel]]
    upserted: type[BaseModel]


def _show_suppliers(session: Session, rows: list[Supplier]) -> list[BaseModel]:
    accounts = bank_accounts_of(session, [row.id for row in rows])
    return [SupplierOut.of(row, accounts[row.id]) for row in rows]


def _show_orders(session: Session, rows: list[PurchaseOrder]) -> list[BaseModel]:
    lines = order_lines_of(session, [row.id for row in rows])
    suppliers = suppliers_by_id(session, [row.supplier_id for row in rows])
    return [
        PurchaseOrderOut.of(
            row, suppliers.get(row.supplier_id) if row.supplier_id else None, lines[row.id]
        )
        for row in rows
    ]


def _show_receipts(session: Session, rows: list[GoodsReceipt]) -> list[BaseModel]:
    lines = receipt_lines_of(session, [row.id for row in rows])
    return [GoodsReceiptOut.of(row, lines.get(row.id, [])) for row in rows]


def _ledger_resource(kind: LedgerKind, noun: str) -> _Resource[Any, LedgerCode]:
    model: type[LedgerCodeIn] = VatCodeIn if kind is LedgerKind.VAT_CODE else LedgerCodeIn
    out = VatCodeOut if kind is LedgerKind.VAT_CODE else LedgerCodeOut
    return _Resource(
        noun=noun,
        id_field="code",
        model=model,
        store=lambda session, company_id, items, actor: store_ledger_codes(
            session, company_id, [item.record(kind) for item in items], actor=actor
        ),
        show=lambda _session, rows: [out.of(row) for row in rows],
        upserted=VatCodeUpserted if kind is LedgerKind.VAT_CODE else LedgerCodeUpserted,
    )


def _store_orders(
    session: Session, company_id: uuid.UUID, items: list[PurchaseOrderIn], actor: str
) -> StoredBatch[PurchaseOrder]:
    records = [item.record() for item in items]
    return store_purchase_orders(session, company_id, records, actor=actor)


def _store_ehf_orders(
    session: Session, company_id: uuid.UUID, records: list[PurchaseOrderRecord], actor: str
) -> StoredBatch[PurchaseOrder]:
    """The reader's records, once checked against :class:`PurchaseOrderIn`: unlike the JSON
    record they carry the seller's name, for a seller that becomes a new supplier."""
    return store_purchase_orders(session, company_id, records, actor=actor, source="ehf")


def _receipt_store(source: str) -> Callable[..., StoredBatch[GoodsReceipt]]:
    def store(
        session: Session, company_id: uuid.UUID, items: list[GoodsReceiptIn], actor: str
    ) -> StoredBatch[GoodsReceipt]:
        records = [item.record() for item in items]
        return store_goods_receipts(session, company_id, records, actor=actor, source=source)

    return store


SUPPLIERS: _Resource[SupplierIn, Supplier] = _Resource(
    noun="supplier",
    id_field="external_id",
    model=SupplierIn,
    store=lambda session, company_id, items, actor: store_suppliers(
        session, company_id, [item.record() for item in items], actor=actor
    ),
    show=_show_suppliers,
    upserted=SupplierUpserted,
)
ORDERS: _Resource[PurchaseOrderIn, PurchaseOrder] = _Resource(
    noun="purchase order",
    id_field="external_id",
    model=PurchaseOrderIn,
    store=_store_orders,
    show=_show_orders,
    upserted=PurchaseOrderUpserted,
)
RECEIPTS: _Resource[GoodsReceiptIn, GoodsReceipt] = _Resource(
    noun="goods receipt",
    id_field="external_id",
    model=GoodsReceiptIn,
    store=_receipt_store("api"),
    show=_show_receipts,
    upserted=GoodsReceiptUpserted,
)

# -- Storing ----------------------------------------------------------------------------------


def _commit(session: Session) -> None:
    """Commit, turning a clash with a concurrent request (the same new id twice) into a 409."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Problem(
            409,
            "conflict",
            "Another request changed the same records at the same time; send this one again.",
        ) from None


def _store_batch(
    session: Session, resource: _Resource[InT, RowT], items: list[Any], key: ApiKey
) -> StoredBatch[RowT]:
    try:
        batch = resource.store(session, key.company_id, items, actor_of(key))
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Problem(
            409,
            "conflict",
            "Another request changed the same records at the same time; send this one again.",
        ) from None
    return batch


def _after_commit(session: Session, company_id: uuid.UUID, batch: StoredBatch[Any]) -> None:
    """Invoices waiting for these suppliers' orders or receipts are matched again; the data
    they wait for is committed, so the match job sees it."""
    if batch.affected_suppliers:
        queued = rematch_waiting_invoices(session, company_id, batch.affected_suppliers)
        if queued:
            log.info("queued %d waiting invoices for matching again", queued)
    if batch.rules_changed:
        queued = rematch_held_invoices(session, company_id, batch.rules_changed)
        if queued:
            log.info("queued %d held invoices for matching under new tolerances", queued)


def _problems_out(problems: Sequence[FieldProblem]) -> list[FieldProblemOut]:
    return [FieldProblemOut(field=p.field, message=p.message) for p in problems]


def _invalid_record(resource: _Resource[Any, Any], problems: Sequence[FieldProblem]) -> Problem:
    shown = "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in problems)
    return Problem(
        422,
        "invalid_record",
        f"The {resource.noun} cannot be stored: {shown}",
        problems=[p.model_dump() for p in _problems_out(problems)],
    )


def _store_one(
    session: Session,
    resource: _Resource[InT, RowT],
    item: Any,
    key: ApiKey,
    response: Response,
) -> BaseModel:
    batch = _store_batch(session, resource, [item], key)
    outcome = batch.outcomes[0]
    if isinstance(outcome, Rejected):
        session.rollback()
        raise _invalid_record(resource, outcome.problems)
    _commit(session)
    _after_commit(session, key.company_id, batch)
    response.status_code = 201 if outcome.result is UpsertResult.CREATED else 200
    shown = resource.show(session, [outcome.row])[0]
    return resource.upserted.model_validate({**dict(shown), "result": outcome.result})


def _validated(resource: _Resource[InT, Any], raw: Any) -> InT:
    try:
        return resource.model.model_validate(raw)
    except ValidationError as error:
        raise _invalid_record(resource, problems_of(error)) from None


async def _put(
    request: Request,
    record_id: str,
    key: ApiKey,
    session: Session,
    response: Response,
    resource: _Resource[InT, RowT],
    limit: int,
) -> BaseModel:
    """PUT: the path's id is the record's; a different id in the body is refused."""
    raw = await _json_body(request, limit)
    if not isinstance(raw, dict):
        raise Problem(422, "validation_error", f"The body must be one {resource.noun} object.")
    given = raw.get(resource.id_field)
    if given is not None and str(given).strip() != record_id.strip():
        raise Problem(
            422,
            "id_mismatch",
            f"The body's {resource.id_field} {given!r} is not the path's {record_id!r}.",
        )
    item = _validated(resource, {**raw, resource.id_field: record_id})
    return await run_in_threadpool(_store_one, session, resource, item, key, response)


def _record_id(raw: Any, id_field: str) -> str | None:
    value = raw.get(id_field) if isinstance(raw, dict) else None
    if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
        return str(value).strip() or None
    return None


def _store_bulk(
    session: Session, resource: _Resource[InT, RowT], raws: list[Any], key: ApiKey
) -> BulkOut:
    """Validate each record alone, store the good ones in one transaction.

    When an id appears more than once the last record with it is the one that counts (as if
    the records had been sent one after another) and the earlier ones are reported, unstored:
    applying them all would store a version that the batch itself replaces, and a second
    post of the batch would not be a no-op.
    """
    ids = [_record_id(raw, resource.id_field) for raw in raws]
    last = {record_id: index for index, record_id in enumerate(ids) if record_id is not None}
    errors: dict[int, RecordErrorOut] = {}
    valid: list[tuple[int, Any]] = []
    for index, raw in enumerate(raws):
        record_id = ids[index]
        if record_id is not None and last[record_id] != index:
            problem = FieldProblem(
                resource.id_field,
                f"{record_id} appears again at index {last[record_id]}; "
                "only the last record with it is stored",
            )
            errors[index] = RecordErrorOut(
                index=index, external_id=record_id, problems=_problems_out([problem])
            )
            continue
        try:
            valid.append((index, resource.model.model_validate(raw)))
        except ValidationError as error:
            errors[index] = RecordErrorOut(
                index=index, external_id=record_id, problems=_problems_out(problems_of(error))
            )
    batch = (
        _store_batch(session, resource, [item for _, item in valid], key)
        if valid
        else StoredBatch([])
    )
    counts = dict.fromkeys(UpsertResult, 0)
    for (index, _), outcome in zip(valid, batch.outcomes, strict=True):
        if isinstance(outcome, Stored):
            counts[outcome.result] += 1
        else:
            errors[index] = RecordErrorOut(
                index=index, external_id=ids[index], problems=_problems_out(outcome.problems)
            )
    shown = [errors[index] for index in sorted(errors)]
    if errors and sum(counts.values()) == 0:
        session.rollback()
        raise Problem(
            422,
            "no_valid_records",
            f"None of the {len(raws)} records can be stored; the errors say why.",
            errors=[error.model_dump() for error in shown],
        )
    _commit(session)
    _after_commit(session, key.company_id, batch)
    return BulkOut(
        created=counts[UpsertResult.CREATED],
        updated=counts[UpsertResult.UPDATED],
        unchanged=counts[UpsertResult.UNCHANGED],
        errors=shown,
    )


async def _bulk(
    request: Request,
    key: ApiKey,
    session: Session,
    resource: _Resource[InT, RowT],
    limit: int,
) -> BulkOut:
    body = await _json_body(request, limit)
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list):
        raise Problem(
            422, "validation_error", 'The body must be an object {"records": [...]} with a list.'
        )
    if len(records) > MAX_RECORDS:
        raise Problem(
            413,
            "too_many_records",
            f"At most {MAX_RECORDS} records per request; this one has {len(records)}. "
            "Split it into several requests.",
            max_records=MAX_RECORDS,
        )
    return await run_in_threadpool(_store_bulk, session, resource, records, key)


# -- Reading ----------------------------------------------------------------------------------

Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
Limit = Annotated[int, Query(ge=1, le=500)]
ActiveFilter = Annotated[bool | None, Query(description="Only active (true) or inactive")]


def _listed(
    session: Session,
    resource: _Resource[Any, RowT],
    query: Any,
    sort_key: Any,
    row_id: Any,
    key_of: Callable[[RowT], str],
    cursor: str | None,
    limit: int,
) -> ListOut[Any]:
    try:
        page: Page[RowT] = keyset_page(
            session, query, sort_key, row_id, key_of, cursor=cursor, limit=limit
        )
    except InvalidCursorError as error:
        raise Problem(400, "invalid_cursor", str(error)) from error
    return ListOut(items=resource.show(session, page.items), next_cursor=page.next_cursor)


def _one(session: Session, resource: _Resource[Any, RowT], row: RowT | None, shown_id: str) -> Any:
    """The row shown, or a 404: another company's record does not exist."""
    if row is None:
        raise Problem(404, "not_found", f"No {resource.noun} {shown_id} in your company.")
    return resource.show(session, [row])[0]


def _request_body(model: type[BaseModel], *, bulk: bool = False) -> dict[str, Any]:
    """The body as OpenAPI shows it; the routes read it themselves (see the module docs)."""
    schema = _inline(model.model_json_schema())
    if bulk:
        schema = {
            "type": "object",
            "required": ["records"],
            "properties": {"records": {"type": "array", "maxItems": MAX_RECORDS, "items": schema}},
        }
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with its ``$defs`` references replaced by the definitions."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {name: resolve(value) for name, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)


_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Empty body or not JSON"},
    409: {"description": "A concurrent request changed the same records; send it again"},
    413: {"description": "Body over the size limit, or more than 5,000 records"},
    415: {"description": "Not application/json"},
    422: {"description": "The record (bulk: every record) is invalid; the problems say why"},
}

# -- Routes every resource has ----------------------------------------------------------------

Finder = Callable[[Session, ApiKey, str], Any]


def _by_external_id(table: type[Supplier] | type[PurchaseOrder] | type[GoodsReceipt]) -> Finder:
    def find(session: Session, key: ApiKey, external_id: str) -> Any:
        return session.exec(
            select(table).where(
                table.company_id == key.company_id, table.external_id == external_id
            )
        ).first()

    return find


def _keyed_routes(
    router: APIRouter,
    resource: _Resource[Any, Any],
    out: type[BaseModel],
    find: Finder,
    *,
    name: str,
    plural: str,
    put_description: str | None = None,
) -> None:
    """Bulk upsert, one record by its id, and upsert by it: alike for every kind of master data,
    keyed by the ERP's own id (a chart code is its own id)."""

    @router.post(
        "/bulk",
        response_model=BulkOut,
        summary=f"Upsert up to 5,000 {plural}",
        responses=_WRITE_ERRORS,
        openapi_extra=_request_body(resource.model, bulk=True),
        operation_id=f"bulk_{name}",
    )
    async def bulk(
        request: Request, key: MasterWriteKey, session: SessionDep, settings: SettingsDep
    ) -> BulkOut:
        return await _bulk(request, key, session, resource, settings.max_upload_bytes)

    @router.get(
        "/{external_id:path}",
        response_model=out,
        summary=f"One {resource.noun}",
        operation_id=f"get_{name}",
    )
    def one(external_id: str, key: MasterReadKey, session: SessionDep) -> Any:
        return _one(session, resource, find(session, key, external_id), external_id)

    @router.put(
        "/{external_id:path}",
        response_model=resource.upserted,
        summary=f"Create or replace a {resource.noun}",
        description=put_description,
        responses={201: {"model": resource.upserted, "description": "Created"}, **_WRITE_ERRORS},
        openapi_extra=_request_body(resource.model),
        operation_id=f"put_{name}",
    )
    async def put(
        external_id: str,
        request: Request,
        response: Response,
        key: MasterWriteKey,
        session: SessionDep,
        settings: SettingsDep,
    ) -> Any:
        return await _put(
            request, external_id, key, session, response, resource, settings.max_upload_bytes
        )


# -- Suppliers --------------------------------------------------------------------------------

suppliers = APIRouter(prefix="/suppliers", tags=["master data"])


@suppliers.get("", response_model=ListOut[SupplierOut], summary="The company's suppliers")
def list_suppliers(
    key: MasterReadKey,
    session: SessionDep,
    active: ActiveFilter = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> ListOut[Any]:
    """By external id; suppliers Bilag met on invoices and the ERP has not claimed come first,
    with ``external_id`` null."""
    query = select(Supplier).where(Supplier.company_id == key.company_id)
    if active is not None:
        query = query.where(Supplier.active == active)
    sort_key = func.coalesce(col(Supplier.external_id), "")
    return _listed(
        session,
        SUPPLIERS,
        query,
        sort_key,
        col(Supplier.id),
        lambda row: row.external_id or "",
        cursor,
        limit,
    )


_keyed_routes(
    suppliers,
    SUPPLIERS,
    SupplierOut,
    _by_external_id(Supplier),
    name="supplier",
    plural="suppliers",
    put_description=(
        "Upserts by the ERP's id. A supplier Bilag created from an invoice (same org number, "
        "no external id) is claimed rather than duplicated. `bank_accounts` replaces the "
        "supplier's accounts; leave it out to keep them."
    ),
)


# -- Ledger codes -----------------------------------------------------------------------------


def _ledger_router(kind: LedgerKind, path: str, noun: str) -> APIRouter:
    """The four kinds of the chart share one table and therefore one set of routes."""
    resource = _ledger_resource(kind, noun)
    out: type[BaseModel] = VatCodeOut if kind is LedgerKind.VAT_CODE else LedgerCodeOut
    router = APIRouter(prefix=f"/{path}", tags=["master data"])
    plural = path.replace("-", " ")

    def company_codes(key: ApiKey) -> Any:
        return select(LedgerCode).where(
            LedgerCode.company_id == key.company_id, LedgerCode.kind == kind.value
        )

    @router.get(
        "",
        response_model=ListOut[out],  # type: ignore[valid-type]
        summary=f"The company's {plural}, by code",
        operation_id=f"list_{kind.value}",
    )
    def listing(
        key: MasterReadKey,
        session: SessionDep,
        active: ActiveFilter = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> ListOut[Any]:
        query = company_codes(key)
        if active is not None:
            query = query.where(LedgerCode.active == active)
        return _listed(
            session,
            resource,
            query,
            col(LedgerCode.code),
            col(LedgerCode.id),
            lambda row: row.code,
            cursor,
            limit,
        )

    def find(session: Session, key: ApiKey, code: str) -> Any:
        return session.exec(company_codes(key).where(LedgerCode.code == code)).first()

    _keyed_routes(router, resource, out, find, name=kind.value, plural=plural)
    return router


# -- Purchase orders --------------------------------------------------------------------------

purchase_orders = APIRouter(prefix="/purchase-orders", tags=["master data"])


def _order_fields(record: PurchaseOrderRecord) -> dict[str, Any]:
    """An EHF order as the JSON record it stands for, so it meets the same rules."""
    return {
        "external_id": record.external_id,
        "number": record.number,
        "supplier": record.supplier_external_id,
        "supplier_org_number": record.supplier_org_number,
        "currency": record.currency,
        "order_date": record.order_date,
        "status": record.status.value,
        "three_way": record.three_way,
        "lines": [
            {
                "line_number": line.line_number,
                "item_code": line.item_code,
                "description": line.description,
                "quantity": line.quantity,
                "unit": line.unit,
                "unit_price": line.unit_price,
                "vat_rate": line.vat_rate,
                "account": line.account,
            }
            for line in record.lines
        ],
    }


def _receipt_fields(record: GoodsReceiptRecord) -> dict[str, Any]:
    """An EHF receipt advice as the JSON record it stands for. A line whose goods were all
    rejected received nothing, and is left out."""
    return {
        "external_id": record.external_id,
        "receipt_date": record.receipt_date,
        "order_number": record.order_number,
        "lines": [
            {
                "order_line_number": line.order_line_number,
                "quantity": line.quantity,
                "order_number": line.order_number,
            }
            for line in record.lines
            if line.quantity != 0
        ],
    }


def _xml_problem(error: OrderDocumentError) -> Problem:
    if error.code == "xml_too_large":
        return Problem(413, "payload_too_large", error.message, max_bytes=MAX_XML_BYTES)
    return Problem(422, error.code, error.message)


def _store_order_xml(session: Session, data: bytes, key: ApiKey, response: Response) -> BaseModel:
    try:
        parsed = parse_order_xml(data, max_bytes=MAX_XML_BYTES)
    except OrderDocumentError as error:
        raise _xml_problem(error) from None
    item = _validated(ORDERS, _order_fields(parsed))
    record = item.record(supplier_name=parsed.supplier_name)
    return _store_one(session, _EHF_ORDERS, record, key, response)


def _store_receipt_xml(session: Session, data: bytes, key: ApiKey, response: Response) -> BaseModel:
    try:
        parsed = parse_receipt_advice_xml(data, max_bytes=MAX_XML_BYTES)
    except OrderDocumentError as error:
        raise _xml_problem(error) from None
    item = _validated(RECEIPTS, _receipt_fields(parsed))
    return _store_one(session, _EHF_RECEIPTS, item, key, response)


_EHF_ORDERS = replace(ORDERS, store=_store_ehf_orders)
_EHF_RECEIPTS = replace(RECEIPTS, store=_receipt_store("ehf"))


def _xml_or_json_body(model: type[BaseModel], xml_name: str) -> dict[str, Any]:
    extra = _request_body(model)
    extra["requestBody"]["content"]["application/xml"] = {
        "schema": {"type": "string", "description": f"An EHF / Peppol {xml_name} document"}
    }
    return extra


async def _post_xml_or_json(
    request: Request,
    key: ApiKey,
    session: Session,
    response: Response,
    resource: _Resource[Any, Any],
    store_xml: Callable[[Session, bytes, ApiKey, Response], BaseModel],
    json_limit: int,
) -> BaseModel:
    if _media_type(request) in _XML_TYPES:
        data = await _read_body(request, MAX_XML_BYTES)
        return await run_in_threadpool(store_xml, session, data, key, response)
    raw = await _json_body(request, json_limit)
    if not isinstance(raw, dict):
        raise Problem(422, "validation_error", f"The body must be one {resource.noun} object.")
    item = _validated(resource, raw)
    return await run_in_threadpool(_store_one, session, resource, item, key, response)


@purchase_orders.post(
    "",
    response_model=PurchaseOrderUpserted,
    summary="Upsert a purchase order sent as EHF Order XML (or as a JSON record)",
    description=(
        "`application/xml` (or `text/xml`): one EHF / Peppol BIS Order 3 document, at most "
        "5 MB. The seller is found by organisation number; a seller Bilag does not know "
        "becomes a supplier (without external id, for the ERP to claim). The order's `cbc:ID` "
        "is its external id and number. `application/json`: one record, as for PUT."
    ),
    responses={201: {"model": PurchaseOrderUpserted, "description": "Created"}, **_WRITE_ERRORS},
    openapi_extra=_xml_or_json_body(PurchaseOrderIn, "Order"),
)
async def post_purchase_order(
    request: Request,
    response: Response,
    key: MasterWriteKey,
    session: SessionDep,
    settings: SettingsDep,
) -> Any:
    return await _post_xml_or_json(
        request, key, session, response, ORDERS, _store_order_xml, settings.max_upload_bytes
    )


@purchase_orders.get(
    "", response_model=ListOut[PurchaseOrderOut], summary="The company's purchase orders"
)
def list_purchase_orders(
    key: MasterReadKey,
    session: SessionDep,
    status: Annotated[OrderStatus | None, Query(description="Only this status")] = None,
    supplier: Annotated[str | None, Query(description="Only this supplier's (external id)")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> ListOut[Any]:
    """By external id, each with its lines' received and invoiced quantities."""
    query = select(PurchaseOrder).where(PurchaseOrder.company_id == key.company_id)
    if status is not None:
        query = query.where(PurchaseOrder.status == status.value)
    if supplier is not None:
        suppliers_named = select(Supplier.id).where(
            Supplier.company_id == key.company_id, Supplier.external_id == supplier
        )
        query = query.where(col(PurchaseOrder.supplier_id).in_(suppliers_named))
    return _listed(
        session,
        ORDERS,
        query,
        col(PurchaseOrder.external_id),
        col(PurchaseOrder.id),
        lambda row: row.external_id,
        cursor,
        limit,
    )


_keyed_routes(
    purchase_orders,
    ORDERS,
    PurchaseOrderOut,
    _by_external_id(PurchaseOrder),
    name="purchase_order",
    plural="purchase orders",
    put_description=(
        "Lines are upserted by `line_number`. A line left out is deleted, unless goods were "
        "received or invoiced against it: then it is kept with `closed: true`."
    ),
)


# -- Goods receipts ---------------------------------------------------------------------------

goods_receipts = APIRouter(prefix="/goods-receipts", tags=["master data"])


@goods_receipts.post(
    "",
    response_model=GoodsReceiptUpserted,
    summary="Upsert a goods receipt sent as EHF ReceiptAdvice XML (or as a JSON record)",
    description=(
        "`application/xml` (or `text/xml`): one EHF / Peppol Receipt Advice, at most 5 MB; "
        "each line's quantity is what was received minus what was rejected. "
        "`application/json`: one record, as for PUT."
    ),
    responses={201: {"model": GoodsReceiptUpserted, "description": "Created"}, **_WRITE_ERRORS},
    openapi_extra=_xml_or_json_body(GoodsReceiptIn, "ReceiptAdvice"),
)
async def post_goods_receipt(
    request: Request,
    response: Response,
    key: MasterWriteKey,
    session: SessionDep,
    settings: SettingsDep,
) -> Any:
    return await _post_xml_or_json(
        request, key, session, response, RECEIPTS, _store_receipt_xml, settings.max_upload_bytes
    )


@goods_receipts.get("", response_model=ListOut[GoodsReceiptOut], summary="Goods receipts")
def list_goods_receipts(
    key: MasterReadKey, session: SessionDep, cursor: Cursor = None, limit: Limit = 50
) -> ListOut[Any]:
    """By external id."""
    query = select(GoodsReceipt).where(GoodsReceipt.company_id == key.company_id)
    return _listed(
        session,
        RECEIPTS,
        query,
        col(GoodsReceipt.external_id),
        col(GoodsReceipt.id),
        lambda row: row.external_id,
        cursor,
        limit,
    )


_keyed_routes(
    goods_receipts,
    RECEIPTS,
    GoodsReceiptOut,
    _by_external_id(GoodsReceipt),
    name="goods_receipt",
    plural="goods receipts",
    put_description="Sending a receipt again replaces its lines.",
)


# -- Matching policy --------------------------------------------------------------------------

matching_policy = APIRouter(prefix="/matching/policy", tags=["master data"])
_POLICY_BYTES = 64 * 1024


@matching_policy.get("", response_model=MatchPolicyOut, summary="The company's matching policy")
def get_matching_policy(key: MasterReadKey, session: SessionDep) -> MatchPolicyOut:
    """The defaults (no deviation allowed, 3-way, 7 days) until the policy is set."""
    return MatchPolicyOut.of(session.get(MatchPolicy, key.company_id))


def _store_policy(session: Session, item: MatchPolicyIn, key: ApiKey) -> MatchPolicyUpserted:
    stored = store_match_policy(session, key.company_id, item.record(), actor=actor_of(key))
    _commit(session)
    if stored.result is not UpsertResult.UNCHANGED:
        rematch_held_invoices(session, key.company_id, None)
    shown = MatchPolicyOut.of(stored.row)
    return MatchPolicyUpserted.model_validate({**dict(shown), "result": stored.result})


@matching_policy.put(
    "",
    response_model=MatchPolicyUpserted,
    summary="Set the company's matching policy",
    description=(
        "Replaces the policy as a whole: tolerances left out allow no deviation. Decimals may "
        "be strings or numbers."
    ),
    responses={400: _WRITE_ERRORS[400], 415: _WRITE_ERRORS[415], 422: _WRITE_ERRORS[422]},
    openapi_extra=_request_body(MatchPolicyIn),
)
async def put_matching_policy(
    request: Request, key: MasterWriteKey, session: SessionDep
) -> MatchPolicyUpserted:
    raw = await _json_body(request, _POLICY_BYTES)
    try:
        item = MatchPolicyIn.model_validate(raw)
    except ValidationError as error:
        problems = problems_of(error)
        shown = "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in problems)
        raise Problem(
            422,
            "invalid_record",
            f"The matching policy cannot be stored: {shown}",
            problems=[p.model_dump() for p in _problems_out(problems)],
        ) from None
    return await run_in_threadpool(_store_policy, session, item, key)


routers = [
    suppliers,
    _ledger_router(LedgerKind.ACCOUNT, "accounts", "account"),
    _ledger_router(LedgerKind.VAT_CODE, "vat-codes", "VAT code"),
    _ledger_router(LedgerKind.DEPARTMENT, "departments", "department"),
    _ledger_router(LedgerKind.PROJECT, "projects", "project"),
    purchase_orders,
    goods_receipts,
    matching_policy,
]
