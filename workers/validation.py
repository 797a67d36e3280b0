"""Running the official e-invoice rules for the pipeline, with one compiled validator per process.

Compiling the EN 16931 and Peppol stylesheets takes seconds, so a worker keeps its validator for
its whole life. Missing rule files are an operator's problem, not the invoice's: the document is
marked ``unavailable`` and processing goes on.
"""

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from models.einvoice import EInvoice
from workers.readers.einvoice_validation import (
    EInvoiceValidator,
    RuleFinding,
    Severity,
    ValidationUnavailable,
    is_peppol_document,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ValidationOutcome:
    result: str  # ok, warning, fatal or unavailable
    findings: list[RuleFinding] = field(default_factory=list)
    note: str | None = None


@lru_cache(maxsize=4)
def validator_for(artifacts_dir: Path) -> EInvoiceValidator:
    return EInvoiceValidator(artifacts_dir)


def validate_einvoice_xml(xml: bytes, einvoice: EInvoice, artifacts_dir: Path) -> ValidationOutcome:
    """EN 16931 rules always; Peppol BIS (with the Norwegian NO-R rules) for Peppol documents."""
    peppol = is_peppol_document(einvoice.customization_id)
    try:
        findings = validator_for(artifacts_dir).validate(xml, einvoice.syntax, peppol=peppol)
    except ValidationUnavailable as error:
        log.warning("e-invoice not validated: %s", error)
        return ValidationOutcome("unavailable", note=f"Not validated: {error}")
    severities = {finding.severity for finding in findings}
    if Severity.FATAL in severities:
        result = "fatal"
    elif Severity.WARNING in severities:
        result = "warning"
    else:
        result = "ok"
    rules = "EN 16931 and Peppol BIS" if peppol else "EN 16931"
    return ValidationOutcome(result, findings, note=f"Validated against the {rules} rules.")
