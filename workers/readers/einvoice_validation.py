"""The official EN 16931 and Peppol BIS Billing 3 (EHF 3) rules, run on an e-invoice.

The rules are published as Schematron compiled to XSLT 2.0, which lxml (XSLT 1.0) cannot run, so
SaxonC-HE runs them. Compiling the large EN 16931 stylesheets takes about half a second each, and
a transform takes milliseconds, so every stylesheet is compiled once per process, on first use, and
reused; one :class:`PySaxonProcessor` serves the whole process.

Saxon resolves external entities and fetches DTDs by default (it will read ``file:///etc/passwd``
into an invoice if asked to). The processor here is therefore locked down before any use: the
XML parser refuses any DOCTYPE and Saxon may open no URI at all, which is why stylesheets are
compiled from their text rather than from a path. Invoices reach Saxon as text of a tree that
:func:`parse_xml_safely` accepted (the same hardened parse the readers use), never as a file name.

Which rules ran is part of every finding (``artefact``, e.g. ``EN16931-UBL 1.3.16``): Peppol
publishes new rules twice a year, and a finding is only meaningful with its rule version.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor, PyXdmNode, PyXsltExecutable

from models.einvoice import EInvoiceSyntax
from models.errors import PermanentError
from workers.readers.xml_safety import parse_xml_safely

log = logging.getLogger(__name__)

_SVRL = "http://purl.oclc.org/dsdl/svrl"
_FINDING_TAGS = (f"{{{_SVRL}}}failed-assert", f"{{{_SVRL}}}successful-report")
_VERSION = re.compile(r"\d+(?:\.\d+)+")

# Saxon configuration: no URI of any scheme may be opened (document(), unparsed-text(), external
# DTDs and entities, xsl:include), and the XML parser rejects a DOCTYPE before reading it.
_SAXON_LOCKDOWN = {
    "http://saxon.sf.net/feature/allowedProtocols": "",
    "http://saxon.sf.net/feature/parserFeature"
    "?uri=http%3A//apache.org/xml/features/disallow-doctype-decl": "true",
}

RULES_STOPPED = "BILAG-RULES-STOPPED"
"""Not an official rule: a stylesheet stopped with an XPath error on the document."""

PEPPOL_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing"
EHF_IDS = (
    "urn:fdc:anskaffelser.no:2019:ehf:",  # EHF 3 extensions (forward billing, reminder)
    "urn:www.difi.no:ehf:",  # early EHF 3 ids and the retired EHF 2.0
)


class Severity(StrEnum):
    """The Schematron ``flag`` of a rule; an assert without a flag is fatal."""

    FATAL = "fatal"
    WARNING = "warning"
    INFORMATION = "information"


@dataclass(frozen=True)
class RuleFinding:
    """One rule that an invoice broke, as the official artefact reported it."""

    rule_id: str  # e.g. BR-CO-15, PEPPOL-EN16931-R001, NO-R-001
    severity: Severity
    message: str  # the rule's own text, whitespace normalised
    location: str  # XPath of the offending node, from svrl @location
    artefact: str  # which rules, with version, e.g. "PEPPOL-EN16931-UBL 2026.5"


class ValidationUnavailable(Exception):
    """The rules could not be run; the invoice is neither valid nor invalid because of it.

    ``code`` is stable: ``artefacts_missing`` (no artefacts folder), ``stylesheet_missing`` (the
    folder lacks the stylesheet a syntax needs), ``stylesheet_broken`` (it does not compile),
    ``no_rules_for_syntax`` (no official rules exist, e.g. ZUGFeRD 1.0).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Kind(StrEnum):
    EN16931_UBL = "EN16931-UBL"
    PEPPOL_UBL = "PEPPOL-EN16931-UBL"
    EN16931_CII = "EN16931-CII"
    PEPPOL_CII = "PEPPOL-EN16931-CII"


# File names per kind, best first: CEN's own release of the EN 16931 rules is preferred to the
# copy Peppol bundles, whose folder carries the Peppol release number rather than the EN 16931
# one (and which lags behind: Peppol 3.15.0 bundles an older EN 16931 CII).
_FILE_NAMES: dict[_Kind, tuple[str, ...]] = {
    _Kind.EN16931_UBL: ("EN16931-UBL-validation.xslt", "CEN-EN16931-UBL.xslt"),
    _Kind.PEPPOL_UBL: ("PEPPOL-EN16931-UBL.xslt",),
    _Kind.EN16931_CII: ("EN16931-CII-validation.xslt", "CEN-EN16931-CII.xslt"),
    _Kind.PEPPOL_CII: ("PEPPOL-EN16931-CII.xslt",),
}

_KINDS_BY_SYNTAX: dict[EInvoiceSyntax, tuple[_Kind, _Kind]] = {
    EInvoiceSyntax.UBL_INVOICE: (_Kind.EN16931_UBL, _Kind.PEPPOL_UBL),
    EInvoiceSyntax.UBL_CREDIT_NOTE: (_Kind.EN16931_UBL, _Kind.PEPPOL_UBL),
    EInvoiceSyntax.CII: (_Kind.EN16931_CII, _Kind.PEPPOL_CII),
}


@dataclass(frozen=True)
class _Artefact:
    kind: _Kind
    path: Path
    name: str  # from the file name, e.g. EN16931-UBL or CEN-EN16931-UBL
    version: tuple[int, ...]  # from the nearest folder name that carries one; () if none

    @property
    def label(self) -> str:
        version = ".".join(map(str, self.version)) if self.version else "(unversioned)"
        return f"{self.name} {version}"


def is_peppol_document(customization_id: str | None) -> bool:
    """Whether the Peppol BIS rules (with the Norwegian NO-R rules) apply to a document.

    Peppol self-billing (``poacc:selfbilling``) is deliberately not matched: it has its own rule
    set, and the billing rules would reject every self-billed invoice.
    """
    if not customization_id:
        return False
    return PEPPOL_BILLING in customization_id or any(i in customization_id for i in EHF_IDS)


class EInvoiceValidator:
    """Runs the newest staged official artefacts found under ``artefacts_root``.

    Cheap to construct; nothing is read until the first validation, so a service can build one
    at start-up even when the artefacts are missing, and learn so per document.
    """

    def __init__(self, artefacts_root: Path) -> None:
        self._root = Path(artefacts_root)
        self._lock = threading.Lock()
        self._artefacts: dict[_Kind, _Artefact] | None = None
        self._compiled: dict[_Kind, PyXsltExecutable] = {}
        self._per_thread = threading.local()
        self.compile_seconds: dict[str, float] = {}  # per artefact label, for metrics and logs

    def validate(self, xml: bytes, syntax: EInvoiceSyntax, peppol: bool) -> list[RuleFinding]:
        """Findings of the EN 16931 rules for ``syntax``, plus the Peppol BIS rules if ``peppol``.

        An empty list means the document passed every rule that ran. Raises
        :class:`ValidationUnavailable` when the rules cannot run, and ``ValueError`` for input
        that is not well-formed or declares a DOCTYPE.
        """
        kinds = _KINDS_BY_SYNTAX.get(syntax)
        if kinds is None:
            raise ValidationUnavailable(
                "no_rules_for_syntax", f"There are no official validation rules for {syntax}."
            )
        text = _doctype_free_text(xml)
        wanted = kinds if peppol else kinds[:1]
        executables = [(self._artefact(kind).label, self._executable(kind)) for kind in wanted]
        started = time.perf_counter()
        document = _saxon_document(text)
        findings = [
            finding
            for label, executable in executables
            for finding in _run(executable, document, label)
        ]
        log.debug("validated %s in %.1f ms", syntax, (time.perf_counter() - started) * 1000)
        return findings

    def preload(self) -> list[str]:
        """Compiles every discovered stylesheet now; returns their labels.

        For a worker that forks per job: compiled in the parent, the stylesheets are inherited
        by every child, which otherwise would compile them again (about 1.5 s) for each job.
        """
        return [self._compiled_label(kind) for kind in self._discovered()]

    def artefact_versions(self) -> list[str]:
        """Labels of the artefacts this validator runs, e.g. ``PEPPOL-EN16931-UBL 2026.5``."""
        return [artefact.label for artefact in self._discovered().values()]

    def _artefact(self, kind: _Kind) -> _Artefact:
        artefact = self._discovered().get(kind)
        if artefact is None:
            names = " or ".join(_FILE_NAMES[kind])
            raise ValidationUnavailable(
                "stylesheet_missing", f"No {names} under {self._root}; {kind} rules cannot run."
            )
        return artefact

    def _discovered(self) -> dict[_Kind, _Artefact]:
        with self._lock:
            if self._artefacts is None:
                self._artefacts = _discover(self._root)
            return self._artefacts

    def _executable(self, kind: _Kind) -> PyXsltExecutable:
        """This thread's copy of the compiled stylesheet: compiled once, cloned per thread.

        Saxonica's advice is one clone of an executable per thread; cloning does not recompile.
        """
        clones: dict[_Kind, PyXsltExecutable] | None = getattr(self._per_thread, "clones", None)
        if clones is None:
            clones = self._per_thread.clones = {}
        if kind not in clones:
            clones[kind] = self._compiled_once(kind).clone()
        return clones[kind]

    def _compiled_label(self, kind: _Kind) -> str:
        self._compiled_once(kind)
        return self._artefact(kind).label

    def _compiled_once(self, kind: _Kind) -> PyXsltExecutable:
        artefact = self._artefact(kind)
        with self._lock:
            if kind not in self._compiled:
                started = time.perf_counter()
                self._compiled[kind] = _compile(artefact.path)
                seconds = time.perf_counter() - started
                self.compile_seconds[artefact.label] = seconds
                log.info("compiled %s (%s) in %.2f s", artefact.label, artefact.path, seconds)
            return self._compiled[kind]


def _discover(root: Path) -> dict[_Kind, _Artefact]:
    """The stylesheet to run per kind: preferred file name first, then the newest version."""
    if not root.is_dir():
        raise ValidationUnavailable(
            "artefacts_missing", f"The validation artefacts folder {root} is absent."
        )
    best: dict[_Kind, _Artefact] = {}
    for artefact in _candidates(root):
        current = best.get(artefact.kind)
        if current is None or _rank(artefact) > _rank(current):
            best[artefact.kind] = artefact
    return {kind: best[kind] for kind in _Kind if kind in best}


def _candidates(root: Path) -> Iterator[_Artefact]:
    kind_by_name = {name: kind for kind, names in _FILE_NAMES.items() for name in names}
    for path in sorted(root.rglob("*.xslt")):
        kind = kind_by_name.get(path.name)
        if kind is not None and path.is_file():
            name = path.name.removesuffix(".xslt").removesuffix("-validation")
            yield _Artefact(kind, path, name, _folder_version(path, root))


def _folder_version(path: Path, root: Path) -> tuple[int, ...]:
    """The release in the nearest folder name that has one: ``peppol-bis-billing-3-2026.5``."""
    for folder in path.relative_to(root).parents:
        found = _VERSION.findall(folder.name)
        if found:
            return tuple(int(part) for part in found[-1].split("."))
    return ()


def _rank(artefact: _Artefact) -> tuple[int, tuple[int, ...]]:
    preference = _FILE_NAMES[artefact.kind].index(artefact.path.name)
    return (-preference, artefact.version)


_processor_lock = threading.Lock()
_saxon: PySaxonProcessor | None = None


def _processor() -> PySaxonProcessor:
    """The process's one Saxon processor, locked down before anything can use it."""
    global _saxon
    with _processor_lock:
        if _saxon is None:
            processor = PySaxonProcessor(license=False)
            for name, value in _SAXON_LOCKDOWN.items():
                processor.set_configuration_property(name, value)
            _saxon = processor
        return _saxon


def _compile(path: Path) -> PyXsltExecutable:
    """Compiled from text because the locked-down processor may not open files itself."""
    text = path.read_text(encoding="utf-8")
    try:
        return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_text=text)
    except PySaxonApiError as error:
        raise ValidationUnavailable(
            "stylesheet_broken", f"{path} does not compile: {error}"
        ) from error


def _run(executable: PyXsltExecutable, document: PyXdmNode, label: str) -> list[RuleFinding]:
    """The findings of one artefact; a stylesheet that stops on the document is itself one.

    The rules assume a schema-valid document, and some stop with an XPath type error when an
    element occurs more often than the syntax allows (two buyer country codes, say). That is the
    invoice's fault, not the operator's, so it is reported as a fatal finding rather than as
    :class:`ValidationUnavailable`, and the other artefacts still run.
    """
    try:
        svrl = executable.transform_to_string(xdm_node=document)
    except PySaxonApiError as error:
        log.warning("%s stopped on a document: %s", label, error)
        return [_rules_stopped(label, " ".join(str(error).split()))]
    return _findings(svrl or "", label)


def _rules_stopped(label: str, reason: str) -> RuleFinding:
    return RuleFinding(
        rule_id=RULES_STOPPED,
        severity=Severity.FATAL,
        message=f"The {label} rules stopped on this document and report nothing else: "
        f"{reason}. The document is probably not valid against the syntax's schema.",
        location="/",
        artefact=label,
    )


def _doctype_free_text(xml: bytes) -> str:
    """The document as text for Saxon, after a parse that proves it declares no DOCTYPE.

    Re-serialising the parsed tree (rather than decoding the bytes) honours any encoding the XML
    declaration names, and hands Saxon exactly what lxml accepted. The parse is the readers' own,
    so the validator accepts what they accept (an EHF with a scan over libxml2's 10 MB text-node
    cap, say). The size limit is the caller's, applied when it read the invoice, so none is
    added here.
    """
    try:
        root = parse_xml_safely(xml, max_bytes=len(xml))
    except PermanentError as error:
        raise ValueError(error.message) from error
    return etree.tostring(root, encoding="unicode")


def _saxon_document(text: str) -> PyXdmNode:
    try:
        return _processor().parse_xml(xml_text=text)
    except PySaxonApiError as error:  # lxml accepted it, so this is rare (e.g. XML 1.1)
        raise ValueError(f"Saxon cannot read the XML: {error}") from error


def _findings(svrl: str, artefact: str) -> list[RuleFinding]:
    if not svrl:
        return [_rules_stopped(artefact, "the stylesheet produced no report")]
    report = etree.fromstring(svrl.encode("utf-8"), etree.XMLParser(resolve_entities=False))
    return [_finding(node, artefact) for node in report.iter(*_FINDING_TAGS)]


def _finding(node: etree._Element, artefact: str) -> RuleFinding:
    text = node.find(f"{{{_SVRL}}}text")
    message = " ".join("".join(text.itertext()).split()) if text is not None else ""
    return RuleFinding(
        rule_id=node.get("id") or _rule_in_text(message),
        severity=_severity(node.get("flag")),
        message=message,
        location=node.get("location", ""),
        artefact=artefact,
    )


def _severity(flag: str | None) -> Severity:
    if flag in (Severity.WARNING, Severity.INFORMATION):
        return Severity(flag)
    return Severity.FATAL


def _rule_in_text(message: str) -> str:
    """Older stylesheets put the rule id only in the text, as ``[BR-01]-...``."""
    found = re.match(r"\[([^\]]+)\]", message)
    return found.group(1) if found else ""
