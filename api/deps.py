"""Request dependencies: the database session, the blob store, and the caller's company.

The API key decides the company; routes receive it as ``CurrentKey`` and scope every query to
``key.company_id``. Scope checks live here, not in each route.
"""

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from api.problems import Problem
from models.db import get_engine
from models.settings import Settings, get_settings
from models.storage import FileBlobStore, get_blob_store
from models.tables import ApiKey
from models.tenants import authenticate_api_key


def _session() -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


async def _settings() -> Settings:
    return get_settings()


async def _store() -> FileBlobStore:
    return get_blob_store()


# Dependencies that do no I/O are async so FastAPI does not hand each one to the thread pool;
# on a busy server those hand-offs cost more than the work.
SessionDep = Annotated[Session, Depends(_session)]
SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[FileBlobStore, Depends(_store)]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="bilag"'}


def _current_key(request: Request, session: SessionDep) -> ApiKey:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(
            401,
            "unauthenticated",
            "Send your API key as 'Authorization: Bearer <key>'.",
            headers=_CHALLENGE,
        )
    key = authenticate_api_key(session, token.strip())
    if key is None:
        raise Problem(
            401,
            "unauthenticated",
            "The API key is unknown or has been revoked.",
            headers=_CHALLENGE,
        )
    return key


CurrentKey = Annotated[ApiKey, Depends(_current_key)]


def require_scope(scope: str) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    async def _check(key: CurrentKey) -> ApiKey:
        if scope not in key.scopes:
            raise Problem(403, "forbidden", f"This API key does not have the '{scope}' scope.")
        return key

    return _check


ReadKey = Annotated[ApiKey, Depends(require_scope("documents:read"))]
WriteKey = Annotated[ApiKey, Depends(require_scope("documents:write"))]
MasterReadKey = Annotated[ApiKey, Depends(require_scope("master_data:read"))]
MasterWriteKey = Annotated[ApiKey, Depends(require_scope("master_data:write"))]


def actor_of(key: ApiKey) -> str:
    """How an API caller appears in the audit trail: by its key's prefix, never the secret."""
    return f"api_key:{key.prefix}"
