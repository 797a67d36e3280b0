"""Untrusted XML in, a plain element tree (and plain values) out.

E-invoices arrive from strangers, so the parser never resolves entities, never loads a DTD and
never touches the network, and any document that declares a DOCTYPE is refused outright: UBL
and CII never need one, and DTD tricks (billion laughs, XXE ``SYSTEM "file:///etc/passwd"``,
external DTDs that phone home) are the classic ways to attack an XML reader. lxml's hardened
:class:`~lxml.etree.XMLParser` is enough for that, so defusedxml is not a dependency.

The check runs twice on purpose: once on the bytes of the prolog, so a hostile DTD is refused
before libxml2 reads its internal subset, and once on the parsed tree's ``docinfo``, which also
catches encodings (UTF-16) that the byte scan cannot see into.

:class:`XmlReader` lives here for the same reason the parser does: it turns a stranger's text
into typed values, and must never crash on it. The UBL and CII readers build on it, and it holds
what they read alike once they have found the element (a decimal, a flag, an embedded file).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from decimal import Decimal

from lxml import etree

from models.einvoice import Attachment
from models.errors import PermanentError

DEFAULT_MAX_XML_BYTES = 20_000_000

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _parser() -> etree.XMLParser:
    """A fresh parser per document: lxml parsers keep state and are not thread-safe."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        # Lifts libxml2's 10 MB cap on one text node, which an EHF with an embedded scan of
        # more than about 7.5 MB hits. Safe here: every DTD is refused (so no entity expands)
        # and the document as a whole is capped at max_bytes before parsing.
        huge_tree=True,
        recover=False,
    )


def parse_xml_safely(data: bytes, max_bytes: int = DEFAULT_MAX_XML_BYTES) -> etree._Element:
    """The root element of ``data``, or a :class:`PermanentError` saying why it cannot be one.

    Codes: ``xml_too_large`` (over ``max_bytes``, or past a libxml2 resource limit),
    ``xml_forbidden_construct`` (DOCTYPE, ENTITY or
    external DTD), ``unreadable_xml`` (not well-formed). A UTF-8/UTF-16 byte-order mark and an
    encoding in the XML declaration are honoured; whitespace before the declaration, which some
    PDF generators emit, is tolerated.
    """
    if len(data) > max_bytes:
        raise PermanentError(
            "xml_too_large", f"The XML is {len(data)} bytes; the limit is {max_bytes}."
        )
    data = _strip_leading_whitespace(data)
    found = _forbidden_in_prolog(data)
    if found is not None:
        raise _forbidden(found)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        if error.code == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            raise PermanentError(
                "xml_too_large", f"The XML exceeds a parser limit: {error}"
            ) from error
        raise PermanentError("unreadable_xml", f"The XML is not well-formed: {error}") from error
    if root is None:  # pragma: no cover - lxml raises for empty input, kept as a guard
        raise PermanentError("unreadable_xml", "The XML has no root element.")
    found = _forbidden_in_tree(root)
    if found is not None:
        raise _forbidden(found)
    return root


class XmlReader:
    """Namespace-bound XPath reads that turn a stranger's text into values without crashing.

    Text comes back stripped (``None`` when empty). A number or file that cannot be read is left
    out (``None``) and said in :attr:`notes`, naming the element: one garbled line percentage
    must not cost the clerk the whole invoice, and the official validation that runs on the same
    XML reports the document as invalid anyway. Nothing is ever guessed.
    """

    def __init__(self, namespaces: dict[str, str]) -> None:
        self.namespaces = namespaces
        self.notes: list[str] = []

    def nodes(self, node: etree._Element | None, path: str) -> list[etree._Element]:
        return [] if node is None else node.xpath(path, namespaces=self.namespaces)

    def node(self, node: etree._Element | None, path: str) -> etree._Element | None:
        found = self.nodes(node, path)
        return found[0] if found else None

    def text(self, node: etree._Element | None, path: str) -> str | None:
        return text_of(self.node(node, path))

    def texts(self, node: etree._Element | None, path: str) -> list[str]:
        return [text for text in map(text_of, self.nodes(node, path)) if text]

    def joined(self, node: etree._Element | None, path: str) -> str | None:
        """All matches, one per line (repeatable notes and terms)."""
        return "\n".join(self.texts(node, path)) or None

    def attribute(self, node: etree._Element | None, path: str, name: str) -> str | None:
        element = self.node(node, path)
        return None if element is None else text_of(element.get(name))

    def amount(self, node: etree._Element | None, path: str) -> Decimal | None:
        """An xsd:decimal (amount, quantity, percent) at ``path``.

        Exponents, ``NaN``, thousands separators and decimal commas are refused: xsd:decimal has
        none of them, and guessing what ``1.234,50`` meant is how wrong amounts get paid.
        """
        element = self.node(node, path)
        text = text_of(element)
        if element is None or text is None:
            return None
        if not _DECIMAL.fullmatch(text):
            self.unreadable(element, text, "is not a decimal number")
            return None
        return Decimal(text)

    def flag(self, node: etree._Element | None, path: str) -> bool:
        """An xsd:boolean at ``path`` (``true``/``1``); absent or anything else is false."""
        return (self.text(node, path) or "").lower() in ("true", "1")

    def attachment(
        self,
        blob: etree._Element | None,
        *,
        description: str | None,
        document_id: str | None,
        uri: str | None,
    ) -> Attachment:
        """BG-24: the embedded file in ``blob`` decoded; an external ``uri`` is kept as text and
        never fetched.

        A blob that is not valid base64 keeps its record with ``data=None`` and a note, so one
        broken attachment does not cost the invoice its data.
        """
        attachment = Attachment(
            filename=None if blob is None else text_of(blob.get("filename")),
            media_type=None if blob is None else text_of(blob.get("mimeCode")),
            description=description,
            document_id=document_id,
            uri=uri,
        )
        if blob is not None:
            label = attachment.filename or attachment.document_id or where(blob)
            attachment.data = self.binary(blob, label)
        return attachment

    def binary(self, element: etree._Element, label: str) -> bytes | None:
        """The base64 content of an embedded-file element, or ``None`` with a note."""
        encoded = "".join(element.xpath("string()").split())
        if not encoded:
            self.notes.append(f"Attachment {label!r} is empty; no file was kept.")
            return None
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            self.notes.append(f"Attachment {label!r} is not valid base64; it was left out.")
            return None

    def unreadable(self, element: etree._Element, text: str, problem: str) -> None:
        self.notes.append(f"{where(element)} is {text[:40]!r}, which {problem}; left empty.")


def text_of(found: etree._Element | str | None) -> str | None:
    """Stripped text of an element (comments inside it ignored) or attribute; empty is None."""
    if found is None:
        return None
    value = found if isinstance(found, str) else found.xpath("string()")
    return value.strip() or None


def where(element: etree._Element) -> str:
    """The element's path in its document, for messages a person can follow."""
    return element.getroottree().getpath(element)


def _forbidden(found: str) -> PermanentError:
    return PermanentError(
        "xml_forbidden_construct",
        f"The XML contains {found}. E-invoices never use a DTD, and DTD declarations are "
        "refused because they can expand or fetch content (entity expansion, XXE, external DTD).",
    )


def _strip_leading_whitespace(data: bytes) -> bytes:
    """Drop ASCII whitespace before ``<?xml`` in an ASCII-compatible document (BOM kept)."""
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    body = data[len(bom) :]
    stripped = body.lstrip(b" \t\r\n")
    if len(stripped) != len(body) and stripped.startswith(b"<?xml"):
        return bom + stripped
    return data


def _forbidden_in_prolog(data: bytes) -> str | None:
    """What DTD construct the prolog declares, read straight from the bytes.

    Walks the prolog (declaration, comments, processing instructions) up to the first element,
    so text such as ``<!DOCTYPE`` inside a comment or CDATA section is not mistaken for one.
    Documents in UTF-16 are left to :func:`_forbidden_in_tree`.
    """
    if data.startswith(_UTF16_BOMS):
        return None
    position = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    while True:
        while position < len(data) and data[position] in b" \t\r\n":
            position += 1
        if data.startswith(b"<?", position):
            terminator = b"?>"
        elif data.startswith(b"<!--", position):
            terminator = b"-->"
        elif data.startswith(b"<!DOCTYPE", position):
            return _describe_doctype(data[position:])
        else:
            return None
        end = data.find(terminator, position)
        if end < 0:
            return None  # unterminated: the parser reports it as unreadable
        position = end + len(terminator)


def _describe_doctype(doctype: bytes) -> str:
    """Name the parts of a DOCTYPE: its internal subset's ENTITY declarations, external ids."""
    close, bracket = doctype.find(b">"), doctype.find(b"[")
    has_subset = bracket >= 0 and (close < 0 or bracket < close)
    head = doctype[:bracket] if has_subset else doctype[: close + 1 if close >= 0 else None]
    subset_end = doctype.find(b"]>", bracket)
    subset = doctype[bracket : subset_end if subset_end >= 0 else None] if has_subset else b""
    parts = ["a DOCTYPE declaration"]
    if b"<!ENTITY" in subset:
        parts.append("ENTITY declarations")
    if b"SYSTEM" in head or b"PUBLIC" in head:
        parts.append("an external DTD reference")
    elif b"SYSTEM" in subset or b"PUBLIC" in subset:
        parts.append("an external entity (SYSTEM/PUBLIC)")
    return _join(parts)


def _forbidden_in_tree(root: etree._Element) -> str | None:
    """The same question asked of the parsed document, whatever its encoding."""
    info = root.getroottree().docinfo
    internal = info.internalDTD
    if not (info.doctype or internal is not None or info.system_url or info.public_id):
        return None
    parts = ["a DOCTYPE declaration"]
    entities = list(internal.entities()) if internal is not None else []
    if entities:
        parts.append("ENTITY declarations")
    if info.system_url or info.public_id:
        parts.append("an external DTD reference")
    elif any(entity.system_url for entity in entities):
        parts.append("an external entity (SYSTEM/PUBLIC)")
    return _join(parts)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
