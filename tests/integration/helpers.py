"""What integration tests do over and over: upload a file, read a status, run the CLI."""

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass

from fastapi.testclient import TestClient
from httpx import Response

TEST_REDIS_URL = os.environ.get("BILAG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@dataclass(frozen=True)
class Tenant:
    """A company with an API key, as an ERP integrator holds it."""

    company_id: uuid.UUID
    org_number: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def upload(
    client: TestClient,
    tenant: Tenant,
    data: bytes,
    name: str = "faktura.pdf",
    content_type: str = "application/pdf",
    **headers: str,
) -> Response:
    """POST one file as multipart with the tenant's key (``tenant.headers``)."""
    return client.post(
        "/api/v1/documents",
        files={"file": (name, data, content_type)},
        headers={**tenant.headers, **headers},
    )


def status_of(client: TestClient, tenant: Tenant, document: dict) -> dict:
    return client.get(document["links"]["self"], headers=tenant.headers).json()["status"]


def run_bilag(*args: str) -> subprocess.CompletedProcess[str]:
    """The `bilag` command in a subprocess, with this test's environment (database, Redis)."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
        check=False,
    )
