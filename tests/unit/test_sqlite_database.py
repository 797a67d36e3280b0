"""The demo runs on SQLite: the same migrations must apply there and keep money exact."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from models.migrate import upgrade_to_head
from models.tables import Company, Document, Invoice


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'bilag.db'}")
    upgrade_to_head(engine)
    return engine


def a_document(company: Company) -> Document:
    return Document(
        company_id=company.id,
        media_type="application/pdf",
        sha256="a" * 64,
        size_bytes=1,
        channel="api",
    )


def test_amounts_survive_sqlite_exactly_and_are_not_stored_as_floats(sqlite_engine):
    amount = Decimal("123456789012.35")
    with Session(sqlite_engine) as session:
        company = Company(name="Demo AS", org_number="912345688")
        document = a_document(company)
        session.add_all([company, document])
        session.flush()
        session.add(Invoice(company_id=company.id, document_id=document.id, total_amount=amount))
        session.commit()
        stored = session.exec(text("SELECT typeof(total_amount) FROM invoice")).one()
        invoice = session.exec(select(Invoice)).one()
    assert stored == ("text",)
    assert invoice.total_amount == amount
    assert isinstance(invoice.total_amount, Decimal)


def test_a_float_amount_is_refused(sqlite_engine):
    with Session(sqlite_engine) as session:
        company = Company(name="Demo AS", org_number="912345688")
        document = a_document(company)
        session.add_all([company, document])
        session.flush()
        session.add(Invoice(company_id=company.id, document_id=document.id, total_amount=0.1))
        with pytest.raises(Exception, match="Decimal, not float"):
            session.commit()


def test_times_are_stored_in_utc_and_come_back_aware(sqlite_engine):
    oslo_noon = datetime(2026, 11, 21, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    with Session(sqlite_engine) as session:
        session.add(Company(name="Demo AS", org_number="912345688", created_at=oslo_noon))
        session.commit()
        company = session.exec(select(Company)).one()
    assert company.created_at == datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
    assert company.created_at.tzinfo is UTC
