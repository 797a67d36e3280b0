"""The official EN 16931 / Peppol BIS rules, run as Bilag runs them, against their own test suites.

Two references are used. OpenPeppol's rule unit tests (227 vefa ``testSet`` files) say, rule by
rule, what must fire; the stored baseline says what the same artefacts reported on 208 complete
example invoices when run outside Bilag. Agreement with both shows that the right stylesheet runs
per syntax, that severities are read correctly and that the Peppol and Norwegian NO-R rules are
active. The data lives in the shared folder; without it those tests skip, the rest still run.
"""

from __future__ import annotations

import base64
import csv
import re
import threading
from pathlib import Path

import pytest
from lxml import etree
from saxonche import PySaxonApiError

from api.evaluate.einvoices import default_data_root
from api.evaluate.validation import (
    KNOWN_DIFFERENCES,
    PEPPOL_UNIT_TESTS,
    evaluate_peppol_unit_tests,
    evaluate_unit_test_file,
    unit_test_files,
    unit_test_root,
)
from models.einvoice import EInvoiceSyntax
from tests.builders import an_invoice
from tests.shared_data import shared_path
from workers.readers import einvoice_validation
from workers.readers.einvoice_validation import (
    RULES_STOPPED,
    EInvoiceValidator,
    RuleFinding,
    Severity,
    ValidationUnavailable,
    is_peppol_document,
)
from workers.sample_ehf import render_sample_invoice_ehf

SHARED_DATA = default_data_root()
EXAMPLES = SHARED_DATA / "einvoice" / "examples"
BASELINE = EXAMPLES / "validation_baseline.csv"

PEPPOL_BILLING_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
LABEL = re.compile(r"^[A-Z0-9-]+ \d+(\.\d+)+$")

_BASELINE_SYNTAX = {
    "UBL-Invoice": EInvoiceSyntax.UBL_INVOICE,
    "UBL-CreditNote": EInvoiceSyntax.UBL_CREDIT_NOTE,
    "CII": EInvoiceSyntax.CII,
}


def _data_params(items: list, ids: list[str], what: str) -> list:
    """Parameters, or one skipped case saying the data is absent, so collection never fails."""
    if items:
        return [pytest.param(item, id=name) for item, name in zip(items, ids, strict=True)]
    return [pytest.param(None, id="absent", marks=pytest.mark.skip(f"{what} not staged"))]


def _baseline_rows() -> list[dict[str, str]]:
    if not BASELINE.is_file():
        return []
    with BASELINE.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


UNIT_TEST_FILES = unit_test_files(SHARED_DATA)
BASELINE_ROWS = _baseline_rows()


@pytest.fixture(scope="session")
def validator() -> EInvoiceValidator:
    """One validator for the session, so each stylesheet compiles once."""
    return EInvoiceValidator(shared_path("einvoice", "validation"))


# --- builders ---------------------------------------------------------------------------------


def a_ubl_invoice(prolog: str = "", supplier: str = "") -> bytes:
    """A small Peppol invoice header: enough for the rules to run, not to pass them."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"'
        ' xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"'
        ' xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        f"<cbc:CustomizationID>{PEPPOL_BILLING_ID}</cbc:CustomizationID>"
        "<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>"
        "<cbc:ID>10042</cbc:ID><cbc:IssueDate>2026-11-03</cbc:IssueDate>"
        "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
        f"<cbc:DocumentCurrencyCode>NOK</cbc:DocumentCurrencyCode>{supplier}"
        "</Invoice>"
    ).encode()


def a_norwegian_supplier(vat_number: str = "NO923609016MVA") -> str:
    """A seller in Norway without "Foretaksregisteret", which NO-R-002 asks most to state."""
    return (
        "<cac:AccountingSupplierParty><cac:Party>"
        "<cac:PostalAddress><cac:Country><cbc:IdentificationCode>NO</cbc:IdentificationCode>"
        "</cac:Country></cac:PostalAddress>"
        f"<cac:PartyTaxScheme><cbc:CompanyID>{vat_number}</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        "</cac:Party></cac:AccountingSupplierParty>"
    )


def a_cii_invoice_with_two_buyer_countries() -> bytes:
    """Schema-invalid CII on which the EN 16931 CII stylesheet stops with an XPath type error."""
    return (
        b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
        b'CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:'
        b'ReusableAggregateBusinessInformationEntity:100">'
        b"<rsm:ExchangedDocument><ram:TypeCode>380</ram:TypeCode></rsm:ExchangedDocument>"
        b"<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement>"
        b"<ram:BuyerTradeParty><ram:PostalTradeAddress><ram:CountryID>NO</ram:CountryID>"
        b"<ram:CountryID>NO</ram:CountryID></ram:PostalTradeAddress></ram:BuyerTradeParty>"
        b"</ram:ApplicableHeaderTradeAgreement></rsm:SupplyChainTradeTransaction>"
        b"</rsm:CrossIndustryInvoice>"
    )


def an_artefacts_folder(root: Path, *relative_paths: str) -> Path:
    """Empty stand-ins laid out like the real artefacts: enough for discovery, not to compile."""
    for relative in relative_paths:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("<not-compiled/>")
    return root


# --- pure behaviour ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("customization_id", "expected"),
    [
        (PEPPOL_BILLING_ID, True),
        (
            f"{PEPPOL_BILLING_ID}#conformant#urn:fdc:anskaffelser.no:2019:ehf:forward-billing:3.0",
            True,
        ),
        ("urn:cen.eu:en16931:2017#compliant#compliant#urn:www.difi.no:ehf:ver3.0", True),
        (
            "urn:www.cenbii.eu:transaction:biitrns010:ver2.0:extended:urn:www.peppol.eu:bis:"
            "peppol4a:ver2.0:extended:urn:www.difi.no:ehf:faktura:ver2.0",
            True,
        ),
        ("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:selfbilling:3.0", False),
        ("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0", False),
        ("urn:cen.eu:en16931:2017", False),
        ("", False),
        (None, False),
    ],
)
def test_peppol_rules_apply_to_peppol_and_ehf_billing_only(customization_id, expected):
    assert is_peppol_document(customization_id) is expected


def test_the_official_en16931_release_wins_over_peppols_copy_and_newer_over_older(tmp_path):
    root = an_artefacts_folder(
        tmp_path,
        "en16931-1.3.15-official/ubl/EN16931-UBL-validation.xslt",
        "en16931-1.3.16-official/ubl/EN16931-UBL-validation.xslt",
        "peppol-bis-billing-3-2026.5/xslt/CEN-EN16931-UBL.xslt",
        "peppol-bis-billing-3-2025.11/xslt/PEPPOL-EN16931-UBL.xslt",
        "peppol-bis-billing-3-2026.5/xslt/PEPPOL-EN16931-UBL.xslt",
        "peppol-bis-billing-3-2026.5/xslt/PEPPOL-EN16931-UBL-SB.xslt",
        "peppol-bis-billing-3.15.0-cii/xslt/CEN-EN16931-CII.xslt",
        "peppol-bis-billing-3.15.0-cii/xslt/PEPPOL-EN16931-CII.xslt",
        "xrechnung-3.0.2/XRechnung-UBL-validation.xslt",
    )

    versions = EInvoiceValidator(root).artefact_versions()

    assert versions == [
        "EN16931-UBL 1.3.16",
        "PEPPOL-EN16931-UBL 2026.5",
        "CEN-EN16931-CII 3.15.0",
        "PEPPOL-EN16931-CII 3.15.0",
    ]


def test_a_missing_artefacts_folder_means_validation_is_unavailable(tmp_path):
    validator = EInvoiceValidator(tmp_path / "nowhere")

    with pytest.raises(ValidationUnavailable) as raised:
        validator.validate(a_ubl_invoice(), EInvoiceSyntax.UBL_INVOICE, peppol=True)

    assert raised.value.code == "artefacts_missing"
    with pytest.raises(ValidationUnavailable):
        validator.artefact_versions()


def test_a_missing_stylesheet_means_validation_is_unavailable_for_that_syntax(tmp_path):
    root = an_artefacts_folder(tmp_path, "en16931-1.3.16-official/ubl/EN16931-UBL-validation.xslt")

    with pytest.raises(ValidationUnavailable) as raised:
        EInvoiceValidator(root).validate(b"<x/>", EInvoiceSyntax.CII, peppol=False)

    assert raised.value.code == "stylesheet_missing"
    assert "EN16931-CII-validation.xslt" in str(raised.value)


def test_a_stylesheet_that_does_not_compile_means_validation_is_unavailable(tmp_path):
    root = an_artefacts_folder(tmp_path, "en16931-1.3.16-official/cii/EN16931-CII-validation.xslt")

    with pytest.raises(ValidationUnavailable) as raised:
        EInvoiceValidator(root).validate(b"<x/>", EInvoiceSyntax.CII, peppol=False)

    assert raised.value.code == "stylesheet_broken"


def test_zugferd_1_has_no_official_rules_so_validation_is_unavailable(tmp_path):
    with pytest.raises(ValidationUnavailable) as raised:
        EInvoiceValidator(tmp_path).validate(b"<x/>", EInvoiceSyntax.ZUGFERD_1, peppol=False)

    assert raised.value.code == "no_rules_for_syntax"


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/evil.dtd">',
        "<!DOCTYPE Invoice>",
    ],
)
def test_a_document_with_a_doctype_is_refused_before_any_rule_runs(tmp_path, prolog):
    with pytest.raises(ValueError, match="DOCTYPE"):
        EInvoiceValidator(tmp_path).validate(
            a_ubl_invoice(prolog=prolog), EInvoiceSyntax.UBL_INVOICE, peppol=True
        )


def test_xml_that_is_not_well_formed_is_refused(tmp_path):
    with pytest.raises(ValueError, match="well-formed"):
        EInvoiceValidator(tmp_path).validate(b"<Invoice>", EInvoiceSyntax.UBL_INVOICE, False)


def test_saxon_itself_refuses_doctypes_and_file_access():
    """Defence in depth: were the lxml check bypassed, Saxon would still read nothing."""
    processor = einvoice_validation._processor()
    xxe = '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">]><r>&x;</r>'

    with pytest.raises(PySaxonApiError):
        processor.parse_xml(xml_text=xxe)
    stylesheet = processor.new_xslt30_processor().compile_stylesheet(
        stylesheet_text='<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform"'
        ' version="2.0"><xsl:template match="/">'
        "<xsl:value-of select=\"unparsed-text('file:///etc/hostname')\"/>"
        "</xsl:template></xsl:stylesheet>"
    )
    with pytest.raises(PySaxonApiError, match="prohibited"):
        stylesheet.transform_to_string(xdm_node=processor.parse_xml(xml_text="<r/>"))


# --- with the staged artefacts ----------------------------------------------------------------


def test_findings_carry_rule_severity_text_location_and_artefact_version(validator):
    findings = validator.validate(a_ubl_invoice(), EInvoiceSyntax.UBL_INVOICE, peppol=True)

    by_rule = {finding.rule_id: finding for finding in findings}
    assert by_rule["BR-06"] == RuleFinding(
        rule_id="BR-06",
        severity=Severity.FATAL,
        message="[BR-06]-An Invoice shall contain the Seller name (BT-27).",
        location="/*:Invoice[namespace-uri()='urn:oasis:names:specification:ubl:schema:xsd:"
        "Invoice-2'][1]",
        artefact=by_rule["BR-06"].artefact,
    )
    assert by_rule["BR-06"].artefact.startswith("EN16931-UBL ")
    assert by_rule["PEPPOL-EN16931-R003"].artefact.startswith("PEPPOL-EN16931-UBL ")
    assert all(LABEL.match(finding.artefact) for finding in findings)
    assert all("\n" not in f.message and "  " not in f.message for f in findings)


@pytest.mark.parametrize(
    ("vat_number", "no_r_001_fires"),
    [("NO923609016MVA", False), ("NO923609016", True), ("NO923609017MVA", True)],
)
def test_the_norwegian_rules_run_with_the_peppol_rules(validator, vat_number, no_r_001_fires):
    xml = a_ubl_invoice(supplier=a_norwegian_supplier(vat_number))

    findings = validator.validate(xml, EInvoiceSyntax.UBL_INVOICE, peppol=True)

    severities = {finding.rule_id: finding.severity for finding in findings}
    assert severities["NO-R-002"] is Severity.WARNING
    assert ("NO-R-001" in severities) is no_r_001_fires


def test_without_peppol_only_the_en16931_rules_run(validator):
    findings = validator.validate(a_ubl_invoice(), EInvoiceSyntax.UBL_INVOICE, peppol=False)

    assert findings
    assert {finding.artefact.split()[0] for finding in findings} == {"EN16931-UBL"}


def test_a_stylesheet_that_stops_on_a_document_is_a_fatal_finding_and_others_still_run(validator):
    findings = validator.validate(
        a_cii_invoice_with_two_buyer_countries(), EInvoiceSyntax.CII, peppol=True
    )

    stopped = [finding for finding in findings if finding.rule_id == RULES_STOPPED]
    assert [(f.severity, f.artefact.split()[0]) for f in stopped] == [
        (Severity.FATAL, "EN16931-CII")
    ]
    assert any(finding.artefact.startswith("PEPPOL-EN16931-CII ") for finding in findings)


def test_validators_on_several_threads_agree(validator):
    xml = a_ubl_invoice()
    expected = validator.validate(xml, EInvoiceSyntax.UBL_INVOICE, peppol=True)
    results: list[list[RuleFinding]] = []

    def run() -> None:
        results.extend(
            validator.validate(xml, EInvoiceSyntax.UBL_INVOICE, peppol=True) for _ in range(5)
        )

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 20
    assert all(result == expected for result in results)


def test_preloading_compiles_every_stylesheet_once(validator):
    labels = validator.preload()

    assert labels == validator.artefact_versions()
    assert sorted(validator.compile_seconds) == sorted(labels)


def test_the_artefact_versions_name_what_runs(validator):
    versions = validator.artefact_versions()

    assert [version.split()[0] for version in versions] == [
        "EN16931-UBL",
        "PEPPOL-EN16931-UBL",
        "EN16931-CII",
        "PEPPOL-EN16931-CII",
    ]
    assert all(LABEL.match(version) for version in versions)


# --- OpenPeppol's rule unit tests -------------------------------------------------------------


def _relative(path: Path) -> str:
    return path.relative_to(unit_test_root(SHARED_DATA)).as_posix()


@pytest.mark.parametrize(
    "path",
    _data_params(UNIT_TEST_FILES, [_relative(p) for p in UNIT_TEST_FILES], "Peppol unit tests"),
)
def test_each_peppol_rule_unit_test_gets_the_expected_verdict(path, validator):
    results = evaluate_unit_test_file(path, SHARED_DATA, validator)

    name = _relative(path)
    disagreeing = {result.key: result.as_dict() for result in results if not result.agrees}
    known = {key for key in KNOWN_DIFFERENCES if key[0] == name}
    unexpected = {key: detail for key, detail in disagreeing.items() if key not in known}
    assert not unexpected, f"rules that do not behave as the unit test expects: {unexpected}"
    stale = known - disagreeing.keys()
    assert not stale, f"listed as known differences but now as expected; unlist them: {stale}"


def test_the_shared_evaluation_counts_every_peppol_unit_test(validator):
    shared_path(*PEPPOL_UNIT_TESTS.parts)

    summary = evaluate_peppol_unit_tests(SHARED_DATA, validator)

    assert summary["files"] == len(UNIT_TEST_FILES) == 227
    assert summary["tests"] == 863
    assert summary["expectations"] == 872
    assert summary["disagreeing"] == len(KNOWN_DIFFERENCES)
    assert summary["agreeing"] == summary["expectations"] - len(KNOWN_DIFFERENCES)
    listed = {(d["file"], d["test"], d["expected"], d["rule"]) for d in summary["disagreements"]}
    assert listed == KNOWN_DIFFERENCES.keys()


# --- the stored baseline of complete example invoices ----------------------------------------


def _verdict(findings: list[RuleFinding]) -> str:
    severities = {finding.severity for finding in findings}
    if Severity.FATAL in severities:
        return "fatal"
    return "warning" if Severity.WARNING in severities else "ok"


@pytest.mark.parametrize(
    "row",
    _data_params(BASELINE_ROWS, [row["file"] for row in BASELINE_ROWS], "validation baseline"),
)
def test_complete_examples_get_the_baseline_verdicts(row, validator):
    """The baseline ran Peppol rules on every UBL file, whatever its CustomizationID."""
    syntax = _BASELINE_SYNTAX[row["syntax"]]
    peppol = syntax is not EInvoiceSyntax.CII

    findings = validator.validate((EXAMPLES / row["file"]).read_bytes(), syntax, peppol=peppol)

    en16931 = [f for f in findings if not f.artefact.startswith("PEPPOL-")]
    peppol_findings = [f for f in findings if f.artefact.startswith("PEPPOL-")]
    assert _verdict(en16931) == row["en16931_result"]
    assert (_verdict(peppol_findings) if peppol else "n/a") == row["peppol_2026_5_result"]
    assert sorted({f.rule_id for f in findings}) == row["failed_assert_ids"].split()


def test_an_ehf_embedding_a_scan_over_libxml2s_10_mb_node_limit_is_validated(validator):
    """The reader parses such an invoice (huge_tree); the validator must not refuse it."""
    root = etree.fromstring(render_sample_invoice_ehf(an_invoice()))
    (blob,) = root.iter("{*}EmbeddedDocumentBinaryObject")
    blob.text = base64.b64encode(b"%PDF-1.4\n" + b"\0" * 8_000_000).decode()

    findings = validator.validate(etree.tostring(root), EInvoiceSyntax.UBL_INVOICE, peppol=True)

    assert not [f for f in findings if f.severity == Severity.FATAL]
