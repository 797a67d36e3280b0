"""Coding invoice lines over the real API: trained on the company's own history, applied with no
human only when its held-out slice shows that to be safe, confirmed and corrected by people, and
learned from; one company's history never reaches another's model."""

import pickle
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from ml.coding.artifact import load_coding_model
from models.db import session_scope
from models.tables import (
    AuditEvent,
    ExceptionCase,
    LineCoding,
    ModelVersion,
    PostingHistory,
    Supplier,
    SupplierBankAccount,
)
from tests.builders import SUPPLIER_ORG_NUMBER, a_pdf_with_text, an_invoice_pdf
from tests.integration.helpers import Tenant, run_bilag, upload
from workers.coding_training import enqueue_coding_training, train_coding_model
from workers.samples import SampleLine

pytestmark = pytest.mark.integration

# The ERP's suppliers: its own ids, and each coded the same way every time.
SUPPLIERS = (
    ("10023", "Fjordlys Elektro AS", "6620", "1", ("Elektrikertimer", "Kabel og materiell")),
    ("10042", "Kontorrekvisita Nord AS", "6800", "1", ("Printerpapir", "Toner")),
    ("10077", "Hotell Bryggen AS", "7140", "11", ("Overnatting", "Møterom")),
    ("10100", "Telenor Norge AS", "6900", "1", ("Mobilabonnement", "Bredbånd")),
)
HISTORY_ROWS = 560  # a held-out tenth of 56 lines is enough to choose a threshold


def a_history(
    tenant: Tenant, rows: int = HISTORY_ROWS, suppliers=SUPPLIERS, prefix: str = "h"
) -> list[PostingHistory]:
    """An ERP's posting history, one row a day, the suppliers taking turns."""
    start = date(2024, 1, 1)
    history = []
    for i in range(rows):
        supplier_id, name, account, vat_code, descriptions = suppliers[i % len(suppliers)]
        history.append(
            PostingHistory(
                company_id=tenant.company_id,
                row_key=f"{prefix}{i}",
                posting_date=start + timedelta(days=i),
                supplier_id=supplier_id,
                supplier_name=name,
                description=descriptions[i // len(suppliers) % len(descriptions)],
                amount=Decimal(500 + (i * 7919) % 19000),
                currency="NOK",
                account=account,
                vat_code=vat_code,
                source="import",
            )
        )
    return history


def import_history(rows: list[PostingHistory]) -> None:
    """Stored as an import stores them (the import itself is tested on its own)."""
    with session_scope() as session:
        session.add_all(rows)


def trained(client: TestClient, tenant: Tenant, drain: Callable[[], None]) -> ModelVersion:
    """The company's history imported and its model trained by the RQ job."""
    import_history(a_history(tenant))
    with session_scope() as session:
        assert enqueue_coding_training(session, tenant.company_id)
    drain()
    with session_scope() as session:
        return session.exec(
            select(ModelVersion).where(
                ModelVersion.company_id == tenant.company_id, ModelVersion.kind == "coding"
            )
        ).one()


def uploaded(client: TestClient, tenant: Tenant, data: bytes, drain: Callable[[], None]) -> dict:
    created = upload(client, tenant, data)
    assert created.status_code == 201, created.text
    drain()
    return client.get(created.json()["links"]["self"], headers=tenant.headers).json()


def coding_of(client: TestClient, tenant: Tenant, document: dict) -> dict:
    response = client.get(f"/api/v1/documents/{document['id']}/coding", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()


def put_coding(client: TestClient, tenant: Tenant, document: dict, *lines: dict):
    return client.put(
        f"/api/v1/documents/{document['id']}/coding",
        json={"lines": list(lines)},
        headers=tenant.headers,
    )


def audit_of(document: dict, action: str) -> list[AuditEvent]:
    with session_scope() as session:
        return list(
            session.exec(
                select(AuditEvent)
                .where(AuditEvent.entity_id == document["id"], AuditEvent.action == action)
                .order_by(col(AuditEvent.id))
            )
        )


def history_row(tenant: Tenant, document: dict, line: int) -> PostingHistory | None:
    with session_scope() as session:
        return session.exec(
            select(PostingHistory).where(
                PostingHistory.company_id == tenant.company_id,
                PostingHistory.row_key == f"doc:{document['id']}:line:{line}",
            )
        ).first()


def open_cases(document: dict) -> list[str]:
    return [case["code"] for case in document["exceptions"] if case["resolved_at"] is None]


@pytest.fixture(autouse=True)
def _own_models_dir(configure, tmp_path: Path) -> None:
    configure(models_dir=tmp_path / "models")


def test_a_known_suppliers_invoice_is_coded_with_no_human_and_becomes_history(
    client, tenant, drain
):
    version = trained(client, tenant, drain)
    assert (version.version, version.active, version.rows) == (1, True, HISTORY_ROWS)
    assert version.metrics["account"]["threshold"] is not None
    assert version.metrics["promoted"] is True
    # training again on the same history is skipped by its fingerprint
    assert train_coding_model(str(tenant.company_id)).startswith("skipped: posting history")
    # and `bilag coding train` says so, printing the registry entry
    result = run_bilag("coding", "train", "--company", tenant.org_number)
    assert result.returncode == 0, result.stderr
    assert '"trained": false' in result.stdout and '"version": 1' in result.stdout

    # when Fjordlys Elektro (known to the ERP as 10023, to the invoice by org number) bills
    document = uploaded(client, tenant, an_invoice_pdf(invoice_number="C-1"), drain)

    # then both lines are coded as the history codes that supplier, with no human
    assert document["status"]["code"] == "matched"
    assert document["exceptions"] == []
    coding = coding_of(client, tenant, document)
    assert coding["complete"] is True and coding["open"] == []
    assert coding["model_version"] == 1
    assert set(coding["thresholds"]) == {"account", "vat_code"}
    assert [line["line_number"] for line in coding["lines"]] == [1, 2]
    for line in coding["lines"]:
        account = line["targets"]["account"]
        assert (account["value"], account["state"]) == ("6620", "auto_accepted")
        assert account["decided_by"] == "bilag-model" and account["decided_at"]
        assert account["probability"] >= coding["thresholds"]["account"]
        assert account["suggestions"][0] == {"value": "6620", "probability": account["probability"]}
        assert account["explanation"], "a clerk sees the past postings behind it"
        assert all(p["supplier_name"] == "Fjordlys Elektro AS" for p in account["explanation"])
        assert all(p["coding"]["account"] == "6620" for p in account["explanation"])
        assert line["targets"]["vat_code"]["value"] == "1"
    # and each value applied unseen is in the audit trail, with its probability and threshold
    applied = audit_of(document, "coding.auto_accepted")
    assert {(e.field, e.new_value, e.actor) for e in applied} == {
        ("lines[1].account", "6620", "bilag-model"),
        ("lines[1].vat_code", "1", "bilag-model"),
        ("lines[2].account", "6620", "bilag-model"),
        ("lines[2].vat_code", "1", "bilag-model"),
    }
    assert all("no human" in e.detail and "threshold" in e.detail for e in applied)
    # and Bilag's own postings are history now, under the supplier's ERP identity
    posted = history_row(tenant, document, 1)
    assert posted is not None
    assert (posted.source, posted.account, posted.supplier_id) == ("auto", "6620", "10023")
    assert posted.amount == Decimal("8000.00") and posted.posting_date == date(2026, 11, 3)

    # when a clerk recodes line 2 (materials, not labour)
    response = put_coding(client, tenant, document, {"line_number": 2, "account": "6550"})
    assert response.status_code == 200, response.text
    line_2 = response.json()["lines"][1]["targets"]
    assert (line_2["account"]["value"], line_2["account"]["state"]) == ("6550", "confirmed")
    assert line_2["vat_code"]["state"] == "auto_accepted"  # only the targets given change
    # then it is a correction, audited with old and new, and the line's history row replaced
    (corrected,) = audit_of(document, "coding.corrected")
    assert (corrected.field, corrected.old_value, corrected.new_value) == (
        "lines[2].account",
        "6620",
        "6550",
    )
    assert corrected.actor == f"api_key:{tenant.key.split('_')[1]}"
    replaced = history_row(tenant, document, 2)
    assert (replaced.source, replaced.account) == ("confirmed", "6550")

    # and a rerun of the pipeline never overwrites the clerk's value
    client.post(f"/api/v1/documents/{document['id']}/reprocess", headers=tenant.headers)
    drain()
    again = coding_of(client, tenant, document)
    assert again["lines"][1]["targets"]["account"]["value"] == "6550"
    assert again["lines"][1]["targets"]["account"]["state"] == "confirmed"


def test_an_uncertain_coding_waits_for_a_person_whose_answer_resolves_it(client, tenant, drain):
    trained(client, tenant, drain)
    unknown = an_invoice_pdf(
        invoice_number="C-2",
        supplier_name="Nordavind Konsult AS",
        supplier_org_number="988077917",
        lines=(SampleLine("Rådgivning strategi", Decimal("1"), Decimal("5000.00"), Decimal("25")),),
    )
    # when a supplier the company has never posted bills
    document = uploaded(client, tenant, unknown, drain)

    # then nothing is applied: the document waits for a person, saying why
    assert document["status"]["code"] == "needs_review"
    (case,) = document["exceptions"]
    assert case["code"] == "coding_unconfirmed"
    assert "1 line(s)" in case["message"]
    coding = coding_of(client, tenant, document)
    assert coding["complete"] is False
    account = coding["lines"][0]["targets"]["account"]
    assert account["state"] in ("suggested", "abstained")
    assert account["decided_by"] is None
    assert account["suggestions"], "the clerk is shown the model's best guesses anyway"
    assert history_row(tenant, document, 1) is None

    # a confirmation naming what the invoice does not have is refused whole
    refused = put_coding(
        client,
        tenant,
        document,
        {"line_number": 1, "account": "6700", "konto": "6700", "vat_code": " "},
        {"line_number": 9, "account": "6700"},
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["code"] == "invalid_coding"
    assert {(p["line_number"], p["target"], p["problem"]) for p in problem["problems"]} == {
        (1, "konto", "unknown_target"),
        (1, "vat_code", "empty_value"),
        (9, None, "unknown_line"),
    }
    assert coding_of(client, tenant, document)["lines"][0]["targets"]["account"]["value"] != (
        "6700"
    )

    no_account = put_coding(client, tenant, document, {"line_number": 1, "account": None})
    assert no_account.status_code == 422
    assert [(p["target"], p["problem"]) for p in no_account.json()["problems"]] == [
        ("account", "empty_value")
    ]

    # when the clerk codes the line, saying no project applies to it
    response = put_coding(
        client,
        tenant,
        document,
        {"line_number": 1, "account": "6700", "vat_code": "1", "project": None},
    )
    assert response.status_code == 200, response.text
    assert response.json()["complete"] is True
    project = coding_of(client, tenant, document)["lines"][0]["targets"]["project"]
    assert (project["value"], project["state"]) == (None, "confirmed")

    # then the case is resolved and the document coded
    detail = client.get(f"/api/v1/documents/{document['id']}", headers=tenant.headers).json()
    assert detail["status"]["code"] == "matched"
    assert open_cases(detail) == []
    with session_scope() as session:
        case_row = session.exec(
            select(ExceptionCase).where(ExceptionCase.document_id == uuid.UUID(document["id"]))
        ).one()
    assert case_row.resolved_at is not None and case_row.resolved_by.startswith("api_key:")
    # and the person's values are audited with old and new, and become history
    events = audit_of(document, "coding.confirmed") + audit_of(document, "coding.corrected")
    assert {(e.field, e.new_value) for e in events} == {
        ("lines[1].account", "6700"),
        ("lines[1].vat_code", "1"),
        ("lines[1].project", None),
    }
    first = history_row(tenant, document, 1)
    assert (first.source, first.account, first.vat_code) == ("confirmed", "6700", "1")
    assert first.project is None
    assert first.supplier_id == "988077917"  # a supplier new to the ERP: by its org number

    # when the clerk changes their mind, it is a correction and the history row arrives anew
    response = put_coding(client, tenant, document, {"line_number": 1, "account": "6790"})
    assert response.status_code == 200, response.text
    (corrected,) = audit_of(document, "coding.corrected")
    assert (corrected.old_value, corrected.new_value) == ("6700", "6790")
    second = history_row(tenant, document, 1)
    assert second.account == "6790" and second.seq > first.seq

    # and the next invoice of that supplier is coded from what the clerk taught, before any
    # retraining: supplier memory learned the confirmed posting at once
    again = an_invoice_pdf(
        invoice_number="C-3",
        supplier_name="Nordavind Konsult AS",
        supplier_org_number="988077917",
        lines=(SampleLine("Rådgivning strategi", Decimal("1"), Decimal("5000.00"), Decimal("25")),),
    )
    next_one = uploaded(client, tenant, again, drain)
    suggested = coding_of(client, tenant, next_one)["lines"][0]["targets"]["account"]
    assert suggested["suggestions"][0]["value"] == "6790"


def test_a_document_extraction_held_stays_held_and_keeps_its_case(client, tenant, drain):
    trained(client, tenant, drain)
    with session_scope() as session:
        supplier = Supplier(
            company_id=tenant.company_id, name="Fjordlys Elektro AS", org_number=SUPPLIER_ORG_NUMBER
        )
        session.add(supplier)
        session.flush()
        session.add(
            SupplierBankAccount(
                company_id=tenant.company_id, supplier_id=supplier.id, account="86011117947"
            )
        )
    # when a known supplier asks to be paid to an account not on file (an invoice without lines)
    paying_elsewhere = a_pdf_with_text(
        (50, 60, "Fjordlys Elektro AS  Org.nr. 923 609 016 MVA"),
        (330, 120, "Fakturanr: 88001"),
        (330, 134, "Fakturadato: 03.11.2026"),
        (330, 400, "Å betale 1 250,00"),
        (50, 780, "Kontonr: 1234.56.78903"),
    )
    document = uploaded(client, tenant, paying_elsewhere, drain)

    # then the coding stage codes it as a whole but neither releases nor reopens extract's case
    assert document["status"]["code"] == "needs_review"
    assert "bank_account_changed" in [case["code"] for case in document["exceptions"]]
    coding = coding_of(client, tenant, document)
    assert [line["line_number"] for line in coding["lines"]] == [0]
    assert coding["lines"][0]["targets"]["account"]["value"] == "6620"
    # and the document never left the exception queue while it was being coded
    statuses = [e.new_value for e in audit_of(document, "document.status_changed")]
    assert statuses[-1] == "needs_review" and "coding" not in statuses

    # and completing the coding leaves it held for the bank account
    response = put_coding(client, tenant, document, {"line_number": 0, "account": "6620"})
    assert response.status_code == 200, response.text
    detail = client.get(f"/api/v1/documents/{document['id']}", headers=tenant.headers).json()
    assert detail["status"]["code"] == "needs_review"
    assert open_cases(detail) == ["bank_account_changed"]


def test_a_stale_model_file_is_rebuilt_not_a_crash(client, tenant, drain):
    version = trained(client, tenant, drain)
    # a model file written by another scikit-learn version
    with Path(version.artifact).open("wb") as handle:
        pickle.dump({"format": 1, "sklearn": "0.0.1", "kind": "coding"}, handle)
        pickle.dump("not a model", handle)

    document = uploaded(client, tenant, an_invoice_pdf(invoice_number="C-4"), drain)

    assert document["status"]["code"] == "matched"
    with session_scope() as session:
        versions = session.exec(
            select(ModelVersion)
            .where(ModelVersion.company_id == tenant.company_id, ModelVersion.kind == "coding")
            .order_by(col(ModelVersion.version))
        ).all()
        coded_with = {
            row.model_version
            for row in session.exec(
                select(LineCoding).where(LineCoding.company_id == tenant.company_id)
            )
        }
    assert [(v.version, v.active) for v in versions] == [(1, False), (2, True)]
    assert versions[1].metrics["reason"].startswith("rebuilt")
    assert coded_with == {2}
    assert load_coding_model(Path(versions[1].artifact)) is not None


def test_one_companys_coding_never_reaches_another(client, tenant, other_tenant, drain):
    theirs = (("B-1", "Beta Leverandør AS", "4300", "3", ("Varekjøp",)),)
    import_history(a_history(other_tenant, 40, theirs, prefix="b"))
    version = trained(client, tenant, drain)
    document = uploaded(client, tenant, an_invoice_pdf(invoice_number="C-5"), drain)

    # another company's key cannot see or code the document
    url = f"/api/v1/documents/{document['id']}/coding"
    assert client.get(url, headers=other_tenant.headers).status_code == 404
    denied = client.put(
        url, json={"lines": [{"line_number": 1, "account": "4300"}]}, headers=other_tenant.headers
    )
    assert denied.status_code == 404
    assert denied.headers["content-type"] == "application/problem+json"

    # and the model learned only the company's own suppliers
    model = load_coding_model(Path(version.artifact))
    assert model is not None
    remembered = set(model.log.by_supplier)
    for target in model.targets.values():
        remembered |= set(target.memory.suppliers) | set(target.memory.names)
    assert "id:10023" in remembered
    assert not any("B-1" in key or "beta" in key for key in remembered)
    assert "4300" not in model.targets["account"].text.values


def test_an_imported_history_trains_the_companys_first_model(client, tenant, drain):
    # given an ERP that pushes its posting history as CSV
    lines = ["date,supplier_id,supplier_name,description,amount,account,vat_code"]
    for row in a_history(tenant, rows=300):
        lines.append(
            f"{row.posting_date},{row.supplier_id},{row.supplier_name},{row.description},"
            f"{row.amount},{row.account},{row.vat_code}"
        )
    response = client.post(
        "/api/v1/postings/history",
        content="\n".join(lines).encode(),
        headers={**tenant.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 300

    # when the queue is worked
    drain()

    # then the company has a coding model in use, trained on those rows
    with session_scope() as session:
        version = session.exec(
            select(ModelVersion).where(
                ModelVersion.company_id == tenant.company_id, ModelVersion.kind == "coding"
            )
        ).one()
    assert (version.active, version.rows) == (True, 300)
