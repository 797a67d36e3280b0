"""`bilag extract` and `bilag teach`: extraction from the command line, no server needed.

Both use the configured database (a local SQLite file by default) for the company's layout
memory and scorer, so what `teach` records, `extract` uses, exactly as a correction in the
inbox teaches the pipeline. `teach` goes through the same stages and correction service as a
document uploaded and corrected over the API.
"""

import json
from pathlib import Path
from typing import Any

from sqlmodel import Session

from api.read_command import read_file
from ml.extraction.extractor import Extraction
from models.canonical_fields import canonical_truth
from models.db import session_scope
from models.documents import set_status
from models.einvoice_fields import fields_from_einvoice
from models.ingest import ingest_document, stage_bytes
from models.migrate import upgrade_to_head
from models.settings import get_settings
from models.sniff import sniff_media_type
from models.status import Channel
from models.storage import get_blob_store
from models.tables import Company
from models.tenants import company_by_org_number, create_company
from workers.company_extraction import extract_for_company
from workers.corrections import correct_fields
from workers.pipeline import PIPELINE
from workers.scorer_training import retrain_candidate_scorer
from workers.stages import StageContext

LOCAL_COMPANY_ORG = "000000000"
ACTOR = "cli"


def local_company(session: Session, org_number: str | None) -> Company:
    """The company named, or the local one `bilag extract` uses when none is given."""
    if org_number:
        company = company_by_org_number(session, org_number)
        if company is None:
            raise LookupError(f"No company with org number {org_number}.")
        return company
    return company_by_org_number(session, LOCAL_COMPANY_ORG) or create_company(
        session, name="Local (bilag CLI)", org_number=LOCAL_COMPANY_ORG, actor=ACTOR
    )


def extract_file(path: Path, company_org: str | None) -> dict[str, Any]:
    """One file's fields as `bilag extract --json` prints them."""
    _, result = read_file(path)
    if result.einvoice is not None:
        stated = fields_from_einvoice(result.einvoice)
        return {
            "file": str(path),
            "fields": {name: {"value": v, "confidence": 1.0} for name, v in stated.items()},
            "lines": [_einvoice_line(line) for line in result.einvoice.lines],
        }
    upgrade_to_head()
    with session_scope() as session:
        company = local_company(session, company_org)
        found = extract_for_company(
            session, company.id, [page.tokens for page in result.pages], company.base_currency
        )
    return {"file": str(path), **describe_extraction(found.extraction)}


def describe_extraction(extraction: Extraction) -> dict[str, Any]:
    fields: dict[str, Any] = {
        name: {"value": value.value, "confidence": value.confidence}
        for name, value in sorted(extraction.fields.items())
    }
    if extraction.vat_breakdown:
        fields["vat_breakdown"] = {
            "value": [row.to_json() for row in extraction.vat_breakdown],
            "confidence": 0.9,
        }
    return {
        "fields": fields,
        "lines": [item.to_record() for item in extraction.lines],
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _einvoice_line(line: Any) -> dict[str, str | None]:
    return {
        "description": line.description or line.item_description,
        "item_code": line.item_code,
        "quantity": _text(line.quantity),
        "unit": line.unit,
        "unit_price": _text(line.unit_price),
        "vat_rate": _text(line.vat_rate),
        "amount": _text(line.net_amount),
    }


def teach_file(path: Path, truth_path: Path, company_org: str | None) -> dict[str, Any]:
    """Record ``truth`` as a person's correction of ``path``, then retrain the scorer."""
    truth = canonical_truth(json.loads(truth_path.read_text()))
    data = path.read_bytes()
    media_type = sniff_media_type(data[:8192]) or "application/octet-stream"
    upgrade_to_head()
    store, settings = get_blob_store(), get_settings()
    with session_scope() as session:
        company = local_company(session, company_org)
        staged = stage_bytes(store, data, path.name)
        document = ingest_document(
            session,
            store,
            company_id=company.id,
            staged=staged,
            media_type=media_type,
            channel=Channel.CLI,
            actor=ACTOR,
        ).document
        session.flush()
        if document.page_count is None or document.status == "received":
            for stage in PIPELINE:
                outcome = stage.run(StageContext(session, document, store, settings))
                done = outcome or stage.done
                if done is not None:
                    set_status(session, document, done, actor=ACTOR)
        result = correct_fields(session, document, truth, actor=ACTOR)
        company_id, document_id = company.id, document.id
    outcome = retrain_candidate_scorer(str(company_id))
    return {
        "file": str(path),
        "document_id": str(document_id),
        "corrected": result.changed,
        "layout_template": result.learned_template,
        "scorer": outcome,
    }
