"""A company's chart: GL accounts, VAT codes, departments and projects, as one kind of record.

Every company starts with the SAF-T standard VAT codes (Skatteetaten's list, shipped in
``data/saft``), so VAT on invoices can be coded before the ERP has pushed its own codes; the
ERP's codes then upsert over them by code.
"""

import uuid
from enum import StrEnum
from typing import Any

from sqlmodel import Session, select

from models.column_types import utc_now
from models.tables import LedgerCode
from models.vat_codes import load_standard_vat_codes


class LedgerKind(StrEnum):
    ACCOUNT = "account"
    VAT_CODE = "vat_code"
    DEPARTMENT = "department"
    PROJECT = "project"


def standard_vat_code_rows(company_id: uuid.UUID) -> list[dict[str, Any]]:
    """The SAF-T standard VAT codes as ``ledgercode`` rows of one company."""
    now = utc_now()
    return [
        {
            "id": uuid.uuid4(),
            "company_id": company_id,
            "kind": LedgerKind.VAT_CODE.value,
            "code": code.code,
            "name": code.description_nob,
            "active": True,
            "vat_rate": code.rate,
            "standard_code": code.code,
            "created_at": now,
            "updated_at": now,
        }
        for code in load_standard_vat_codes()
    ]


def seed_standard_vat_codes(session: Session, company_id: uuid.UUID) -> int:
    """Add the standard codes the company does not have yet; returns how many were added."""
    have = set(
        session.exec(
            select(LedgerCode.code).where(
                LedgerCode.company_id == company_id, LedgerCode.kind == LedgerKind.VAT_CODE.value
            )
        )
    )
    added = 0
    for row in standard_vat_code_rows(company_id):
        if row["code"] not in have:
            session.add(LedgerCode(**row))
            added += 1
    return added
