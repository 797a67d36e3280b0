"""Do our e-invoice validator's verdicts match the ones OpenPeppol's own unit tests expect?

OpenPeppol ships, next to the BIS Billing 3 rules, one test file per rule (vefa ``testSet``
format): each ``<test>`` holds a small invoice and says which rules must stay silent
(``<success>``), fire as fatal (``<error>``) or fire as a warning (``<warning>``), optionally a
``number`` of times. Running them through :class:`EInvoiceValidator` shows that the artefacts
are wired the right way round: right stylesheet per syntax, severities read correctly, Peppol and
Norwegian NO-R rules actually active. The unit test suite and ``bilag`` both call
:func:`evaluate_peppol_unit_tests`, so the number a developer sees is the number CI checks.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lxml import etree

from models.einvoice import EInvoiceSyntax
from workers.readers.einvoice import detect_einvoice_syntax
from workers.readers.einvoice_validation import RuleFinding, Severity
from workers.readers.xml_safety import parse_xml_safely

PEPPOL_UNIT_TESTS = Path("einvoice/examples/peppol-bis-invoice-3")
"""Where the OpenPeppol unit tests sit under the shared data root (``unit-*/*.xml``)."""

# Upstream names one test file PEPPOL-COMMON-R048.xm; it is a test set like the others.
_TEST_SET_SUFFIXES = (".xml", ".xm")
_VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
# The vefa outcome each expectation names, and the severity that counts as the rule firing so.
_EXPECTED_SEVERITY = {
    "fatal": Severity.FATAL,
    "error": Severity.FATAL,
    "warning": Severity.WARNING,
}


# Expectations of the OpenPeppol unit tests (repo master, 2025-05-29) that the staged artefacts
# cannot meet: (file, test number, expected outcome, rule) -> why. Every entry was checked by
# comparing the rule in the staged XSLT with the rule in the master Schematron the tests were
# written for. tests/unit/test_einvoice_validation.py fails if an entry stops being a
# difference, so the list stays true.
_CII_3_15 = "staged PEPPOL-EN16931-CII 3.15.0 is older than the tests"
_NEWER_RULE = "Peppol 2026.5 changed this rule after the tests were written"
KNOWN_DIFFERENCES: dict[tuple[str, int, str, str], str] = {
    ("unit-CII-DK/DK_Validation_DKR003_CII.xml", 2, "success", "DK-R-003"): (
        f"{_CII_3_15}: it accepts UNSPSC 19.05.01 only, master also 26.08.01"
    ),
    ("unit-CII-DK/DK_Validation_DKR003_CII.xml", 4, "success", "DK-R-003"): (
        f"{_CII_3_15}: it accepts UNSPSC 19.05.01 only, master also 26.08.01"
    ),
    ("unit-CII-DK/DK_Validation_DKR004_CII.xml", 2, "success", "DK-R-004"): (
        f"{_CII_3_15}: master also accepts a reason text of the form 'x#y'"
    ),
    ("unit-CII-NL/NL-R-007.xml", 3, "success", "NL-R-007"): (
        f"{_CII_3_15}: master lets a credit note (381) with a positive amount due go "
        "without payment means"
    ),
    ("unit-CII-NL/NL-R-007.xml", 4, "error", "NL-R-007"): (
        f"{_CII_3_15}: master wants payment means for a credit note (381) with a negative "
        "amount due; 3.15.0 lets any amount due <= 0 go without"
    ),
    ("unit-CII-NL/NL-R-008.xml", 3, "success", "NL-R-008"): (
        f"{_CII_3_15}: master applies it only when the buyer is Dutch too"
    ),
    ("unit-CII-PEPPOL/PEPPOL-COMMON-R042.xml", 2, "success", "PEPPOL-COMMON-R042"): (
        f"{_CII_3_15}: master also accepts an 8-digit CVR without the DK prefix"
    ),
    ("unit-CII-PEPPOL/PEPPOL-COMMON-R049.xml", 4, "error", "PEPPOL-COMMON-R049"): (
        f"{_CII_3_15}: master adds the Swedish org.nr check digit (u:checkSEOrgnr)"
    ),
    ("unit-CII-PEPPOL/PEPPOL-COMMON-R050.xml", 2, "error", "PEPPOL-COMMON-R050"): (
        f"{_CII_3_15}: ABN check is a warning there, fatal in master"
    ),
    ("unit-CII-PEPPOL/PEPPOL-COMMON-R050.xml", 3, "error", "PEPPOL-COMMON-R050"): (
        f"{_CII_3_15}: ABN check is a warning there, fatal in master"
    ),
    ("unit-CII-SE/CII-IN_SE-R-003.xml", 2, "error", "SE-R-003"): (
        f"{_CII_3_15}: SE-R-003 is a warning there, fatal in master"
    ),
    ("unit-CII-SE/CII-IN_SE-R-004.xml", 2, "error", "SE-R-004"): (
        f"{_CII_3_15}: SE-R-004 is a warning there, fatal in master"
    ),
    ("unit-CII-SE/CII-IN_SE-R-013.xml", 2, "error", "SE-R-013"): (
        f"{_CII_3_15}: SE-R-013 (Swedish org.nr check digit) does not exist there yet"
    ),
    ("unit-UBL-DK/DK_Validation_DKR003.xml", 10, "warning", "DK-R-003"): (
        f"{_NEWER_RULE}: DK-R-003 went from warning to fatal"
    ),
    ("unit-UBL-DK/DK_Validation_DKR003.xml", 11, "warning", "DK-R-003"): (
        f"{_NEWER_RULE}: DK-R-003 went from warning to fatal"
    ),
    ("unit-UBL-DK/DK_Validation_DKR003.xml", 12, "warning", "DK-R-003"): (
        f"{_NEWER_RULE}: DK-R-003 went from warning to fatal"
    ),
}


class Validator(Protocol):
    def validate(self, xml: bytes, syntax: EInvoiceSyntax, peppol: bool) -> list[RuleFinding]: ...

    def artefact_versions(self) -> list[str]: ...


@dataclass(frozen=True)
class Expectation:
    outcome: str  # success (must not fire), error or fatal (fires as fatal), warning
    rule_id: str
    count: int  # vefa @number: how often an error/warning fires (1 if absent); unused for success


@dataclass(frozen=True)
class UnitTest:
    file: str  # relative to the unit-test root, e.g. unit-UBL-NO/NO-R-001.xml
    index: int  # 1-based position of the <test> in its file
    syntax: EInvoiceSyntax
    xml: bytes
    expectations: tuple[Expectation, ...]


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation of one test, next to how often the rule actually fired, by severity."""

    file: str
    index: int
    expectation: Expectation
    fired: dict[Severity, int]

    @property
    def key(self) -> tuple[str, int, str, str]:
        """Stable identity for known-difference lists: file, test, outcome, rule."""
        return (self.file, self.index, self.expectation.outcome, self.expectation.rule_id)

    @property
    def agrees(self) -> bool:
        """vefa semantics: silent for success, else exactly ``count`` firings at that severity."""
        expected = self.expectation
        total = sum(self.fired.values())
        if expected.outcome == "success":
            return total == 0
        severity = _EXPECTED_SEVERITY[expected.outcome]
        return total == self.fired.get(severity, 0) == expected.count

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "test": self.index,
            "rule": self.expectation.rule_id,
            "expected": self.expectation.outcome,
            "expected_count": self.expectation.count,
            "fired": {str(severity): n for severity, n in self.fired.items() if n},
            "known_difference": KNOWN_DIFFERENCES.get(self.key),
        }


def unit_test_root(data_root: Path) -> Path:
    return data_root / PEPPOL_UNIT_TESTS


def unit_test_files(data_root: Path) -> list[Path]:
    """Every OpenPeppol rule test file, in a stable order (empty if the data is not staged)."""
    files = unit_test_root(data_root).glob("unit-*/*")
    return sorted(path for path in files if path.suffix in _TEST_SET_SUFFIXES and path.is_file())


def read_unit_tests(path: Path, root: Path) -> list[UnitTest]:
    """The tests of one ``testSet`` file, each invoice fragment serialised as its own document."""
    test_set = parse_xml_safely(path.read_bytes())
    name = path.relative_to(root).as_posix()
    return [
        _unit_test(test, name, index)
        for index, test in enumerate(test_set.iter(f"{_VEFA}test"), start=1)
    ]


def check_unit_test(test: UnitTest, validator: Validator) -> list[ExpectationResult]:
    """Runs EN 16931 and Peppol rules, as the Peppol test runner does, and scores each rule."""
    findings = validator.validate(test.xml, test.syntax, peppol=True)
    fired: dict[str, Counter[Severity]] = {}
    for finding in findings:
        fired.setdefault(finding.rule_id, Counter())[finding.severity] += 1
    return [
        ExpectationResult(test.file, test.index, expected, dict(fired.get(expected.rule_id, {})))
        for expected in test.expectations
    ]


def evaluate_unit_test_file(
    path: Path, data_root: Path, validator: Validator
) -> list[ExpectationResult]:
    root = unit_test_root(data_root)
    return [
        result
        for test in read_unit_tests(path, root)
        for result in check_unit_test(test, validator)
    ]


def evaluate_peppol_unit_tests(data_root: Path, validator: Validator) -> dict[str, Any]:
    """Counts of agreement with every OpenPeppol unit test under ``data_root``, with details.

    ``data_root`` is the shared data folder (the one holding ``einvoice/``). Files, tests and
    expectations each count as agreeing only when all they contain agrees.
    """
    started = time.perf_counter()
    files = unit_test_files(data_root)
    per_file = {path: evaluate_unit_test_file(path, data_root, validator) for path in files}
    results = [result for file_results in per_file.values() for result in file_results]
    disagreeing = [r for r in results if not r.agrees]
    tests = {(r.file, r.index) for r in results}
    failing_tests = {(r.file, r.index) for r in disagreeing}
    return {
        "artefacts": validator.artefact_versions(),
        "files": len(files),
        "files_agreeing": sum(all(r.agrees for r in rs) for rs in per_file.values()),
        "tests": len(tests),
        "tests_agreeing": len(tests - failing_tests),
        "expectations": len(results),
        "agreeing": len(results) - len(disagreeing),
        "disagreeing": len(disagreeing),
        "unexplained": sum(r.key not in KNOWN_DIFFERENCES for r in disagreeing),
        "disagreements": [r.as_dict() for r in disagreeing],
        "seconds": round(time.perf_counter() - started, 2),
    }


def _unit_test(test: etree._Element, file: str, index: int) -> UnitTest:
    documents = [
        (child, syntax) for child in test if (syntax := detect_einvoice_syntax(child)) is not None
    ]
    if len(documents) != 1:
        raise ValueError(f"{file} test {index}: expected one invoice, found {len(documents)}.")
    ((document, syntax),) = documents
    return UnitTest(
        file=file,
        index=index,
        syntax=syntax,
        xml=etree.tostring(document, encoding="utf-8"),
        expectations=tuple(_expectations(test.find(f"{_VEFA}assert"))),
    )


def _expectations(assertion: etree._Element | None) -> Iterable[Expectation]:
    if assertion is None:
        return
    for element in assertion:
        outcome = etree.QName(element).localname if isinstance(element.tag, str) else ""
        if (outcome == "success" or outcome in _EXPECTED_SEVERITY) and element.text:
            yield Expectation(outcome, element.text.strip(), int(element.get("number", "1")))
