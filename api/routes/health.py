"""Liveness and readiness: can this process reach its database and its queue?"""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SessionDep, SettingsDep
from workers.queue import get_redis
from workers.readers.einvoice_validation import ValidationUnavailable
from workers.validation import validator_for

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Database and Redis reachability, e-invoice rule sets")
def health(session: SessionDep, settings: SettingsDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        get_redis().ping()
        checks["redis"] = "ok"
    except RedisError as exc:
        checks["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {
            "status": "ok" if healthy else "degraded",
            **checks,
            "einvoice_rules": _einvoice_rules(settings.validation_artifacts_dir),
        },
        200 if healthy else 503,
    )


def _einvoice_rules(root: Path) -> list[str] | str:
    """Which official rule sets e-invoices are validated with; informative, never unhealthy."""
    try:
        return validator_for(root).artefact_versions()
    except ValidationUnavailable as error:
        return f"unavailable: {error}"
