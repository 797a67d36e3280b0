"""Companies (tenants) and their API keys.

An API key is ``bk_<prefix>_<secret>``. Only SHA-256 of the secret is stored: the secret has 256
bits of entropy, so a slow password hash would add latency to every request and no safety. The
prefix is shown in listings and logs so people can tell keys apart without seeing them.
"""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from models.audit import record_audit
from models.chart import seed_standard_vat_codes
from models.column_types import utc_now
from models.identifiers import normalize_org_number
from models.tables import ApiKey, Company

KEY_PREFIX = "bk"
ALL_SCOPES = ("documents:read", "documents:write", "master_data:read", "master_data:write")
_LAST_USED_RESOLUTION = timedelta(minutes=1)


class InvalidOrgNumberError(ValueError):
    pass


class DuplicateCompanyError(ValueError):
    pass


@dataclass(frozen=True)
class IssuedKey:
    """A freshly created key: the only moment the plaintext exists."""

    key: ApiKey
    plaintext: str


def create_company(
    session: Session, *, name: str, org_number: str, base_currency: str = "NOK", actor: str
) -> Company:
    normalized = normalize_org_number(org_number)
    if normalized is None:
        raise InvalidOrgNumberError(f"{org_number!r} is not a valid Norwegian organisation number")
    if company_by_org_number(session, normalized) is not None:
        raise DuplicateCompanyError(f"a company with org number {normalized} already exists")
    company = Company(name=name, org_number=normalized, base_currency=base_currency.upper())
    session.add(company)
    session.flush()
    seed_standard_vat_codes(session, company.id)
    record_audit(
        session,
        company_id=company.id,
        actor=actor,
        action="company.created",
        entity_type="company",
        entity_id=company.id,
        new={"name": name, "org_number": normalized, "base_currency": company.base_currency},
    )
    return company


def company_by_org_number(session: Session, org_number: str) -> Company | None:
    normalized = normalize_org_number(org_number) or org_number.strip()
    return session.exec(select(Company).where(Company.org_number == normalized)).first()


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_api_key(
    session: Session,
    *,
    company_id: uuid.UUID,
    name: str = "",
    scopes: tuple[str, ...] = ALL_SCOPES,
    actor: str,
) -> IssuedKey:
    unknown = set(scopes) - set(ALL_SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))}")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        company_id=company_id,
        name=name,
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        scopes=list(scopes),
    )
    session.add(key)
    session.flush()
    record_audit(
        session,
        company_id=company_id,
        actor=actor,
        action="api_key.created",
        entity_type="api_key",
        entity_id=key.id,
        new={"prefix": prefix, "name": name, "scopes": list(scopes)},
    )
    return IssuedKey(key=key, plaintext=f"{KEY_PREFIX}_{prefix}_{secret}")


def authenticate_api_key(session: Session, presented: str) -> ApiKey | None:
    """The active key matching ``presented``, or None. Constant-time on the secret."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    _, prefix, secret = parts
    key = session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.secret_hash, _hash_secret(secret)):
        return None
    now = utc_now()
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_RESOLUTION:
        key.last_used_at = now
        session.add(key)
        session.commit()
    return key


def revoke_api_key(session: Session, *, prefix: str, actor: str) -> ApiKey | None:
    key = session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if key is None or key.revoked_at is not None:
        return key
    key.revoked_at = utc_now()
    session.add(key)
    record_audit(
        session,
        company_id=key.company_id,
        actor=actor,
        action="api_key.revoked",
        entity_type="api_key",
        entity_id=key.id,
        field="revoked_at",
        new=key.revoked_at.isoformat(),
    )
    return key
