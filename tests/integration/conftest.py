"""Integration harness: a throw-away PostgreSQL database migrated with Alembic, a Redis database
of its own, the real FastAPI app, and RQ workers run in burst mode.

Settings come from the environment exactly as in production; `configure` changes them for one
test and restores them afterwards.
"""

import os
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy.engine import make_url

from api.app import create_app
from models.db import session_scope
from models.migrate import upgrade_to_head
from models.settings import get_settings
from models.tenants import create_company, issue_api_key
from tests.integration.helpers import TEST_REDIS_URL, Tenant
from tests.shared_data import shared_data_root, shared_path
from workers.worker import build_worker

ADMIN_URL = os.environ.get(
    "BILAG_TEST_ADMIN_DATABASE_URL",
    "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres",
)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    name = f"bilag_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(ADMIN_URL), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    os.environ["BILAG_DATABASE_URL"] = url
    os.environ["BILAG_REDIS_URL"] = TEST_REDIS_URL
    os.environ["BILAG_JOB_RETRY_INTERVALS"] = "[0]"
    shared = shared_data_root()
    if shared is not None and (shared / "einvoice" / "validation").is_dir():
        os.environ["BILAG_VALIDATION_ARTIFACTS_DIR"] = str(shared / "einvoice" / "validation")
    get_settings.cache_clear()
    upgrade_to_head()
    yield url
    from models.db import get_engine

    get_engine().dispose()
    with psycopg.connect(_libpq(ADMIN_URL), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def _clean_redis(database_url: str) -> None:
    Redis.from_url(TEST_REDIS_URL).flushdb()


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set BILAG_* settings for one test: ``configure(max_upload_bytes=1000)``."""

    def _set(**values: object) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"BILAG_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield _set
    get_settings.cache_clear()


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def _a_tenant(name: str, scopes: tuple[str, ...] | None = None) -> Tenant:
    from stdnum.no import orgnr

    while True:
        candidate = f"9{uuid.uuid4().int % 10**8:08d}"
        if orgnr.is_valid(candidate):
            break
    with session_scope() as session:
        company = create_company(session, name=name, org_number=candidate, actor="test")
        kwargs = {"scopes": scopes} if scopes else {}
        issued = issue_api_key(session, company_id=company.id, actor="test", **kwargs)
    return Tenant(company.id, candidate, issued.plaintext)


@pytest.fixture
def tenant(database_url: str) -> Tenant:
    return _a_tenant("Alfa Regnskap AS")


@pytest.fixture
def other_tenant(database_url: str) -> Tenant:
    return _a_tenant("Beta Bygg AS")


@pytest.fixture
def a_tenant(database_url: str) -> Callable[..., Tenant]:
    return _a_tenant


@pytest.fixture
def drain(database_url: str) -> Callable[[], None]:
    """Run every queued pipeline job to completion in this process (RQ's SimpleWorker, burst)."""

    def _drain() -> None:
        build_worker(fork=False).work(burst=True)

    return _drain


@pytest.fixture
def validation_rules(database_url: str) -> None:
    """Skip unless the official validation artefacts are there to validate with."""
    shared_path("einvoice", "validation")
