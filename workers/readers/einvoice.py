"""Bytes of an e-invoice to :class:`EInvoice`: parse safely, tell the syntax, hand to its reader.

The syntax is decided by the root element alone (namespace and local name), never by file name
or CustomizationID, so a Peppol, XRechnung or legacy EHF document in UBL all take the UBL path
and anything that is well-formed but not an invoice (an EHF Order, a ReceiptAdvice) is refused
with ``not_an_invoice`` before any field is read.

Error codes (all :class:`PermanentError`): ``xml_too_large``, ``xml_forbidden_construct`` and
``unreadable_xml`` from :func:`parse_xml_safely`; ``not_an_invoice``. A number, date or embedded
file that is present but unreadable does not fail the document: it is left empty, never guessed,
and said in ``parse_notes`` (see :class:`~workers.readers.xml_safety.XmlReader`).
"""

from __future__ import annotations

from lxml import etree

from models.einvoice import EInvoice, EInvoiceSyntax
from models.errors import PermanentError
from workers.readers.cii import CII_NS, ZUGFERD_1_NS, parse_cii
from workers.readers.ubl import CREDIT_NOTE_NS, INVOICE_NS, parse_ubl
from workers.readers.xml_safety import DEFAULT_MAX_XML_BYTES, parse_xml_safely

_SYNTAXES: dict[tuple[str, str], EInvoiceSyntax] = {
    (INVOICE_NS, "Invoice"): EInvoiceSyntax.UBL_INVOICE,
    (CREDIT_NOTE_NS, "CreditNote"): EInvoiceSyntax.UBL_CREDIT_NOTE,
    (CII_NS, "CrossIndustryInvoice"): EInvoiceSyntax.CII,
    (ZUGFERD_1_NS, "CrossIndustryDocument"): EInvoiceSyntax.ZUGFERD_1,
}


def detect_einvoice_syntax(root: etree._Element) -> EInvoiceSyntax | None:
    """Which invoice syntax ``root`` opens, or ``None`` for any other document."""
    if not isinstance(root.tag, str):
        return None
    name = etree.QName(root)
    return _SYNTAXES.get((name.namespace or "", name.localname))


def parse_einvoice(data: bytes, max_bytes: int = DEFAULT_MAX_XML_BYTES) -> EInvoice:
    """The invoice or credit note in ``data``; a :class:`PermanentError` says why not."""
    root = parse_xml_safely(data, max_bytes=max_bytes)
    syntax = detect_einvoice_syntax(root)
    if syntax is None:
        raise PermanentError("not_an_invoice", _not_an_invoice(root))
    if syntax in (EInvoiceSyntax.UBL_INVOICE, EInvoiceSyntax.UBL_CREDIT_NOTE):
        return parse_ubl(root, syntax)
    return parse_cii(root, syntax)


def _not_an_invoice(root: etree._Element) -> str:
    name = etree.QName(root)
    where = f" in namespace {name.namespace}" if name.namespace else " (no namespace)"
    return (
        f"The XML is a {name.localname}{where}, not an invoice or credit note "
        "(UBL Invoice/CreditNote, CII CrossIndustryInvoice or ZUGFeRD 1.0)."
    )
