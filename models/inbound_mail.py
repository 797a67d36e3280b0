"""Reading a raw RFC 822 message: who sent it, and which of its parts could be invoices.

Pure: bytes in, an :class:`InboundMail` out, no database or files. Suppliers mostly send an
invoice as an attachment, and clerks mostly forward it, so parts inside a forwarded
``message/rfc822`` count as much as the outer message's own. Images that only decorate the HTML
body (logos, signatures) are not invoices and are listed as skipped, so nothing disappears
without a reason. Mail comes from anyone on the internet, hence the caps on parts, decoded size
and nesting: a hostile message should cost a bounded amount of work and give a clear code.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesFeedParser
from email.utils import getaddresses

# Codes for a whole message that cannot be taken apart (stable: API clients switch on them).
UNPARSEABLE_MESSAGE = "unparseable_message"
TOO_MANY_PARTS = "too_many_parts"
MESSAGE_TOO_LARGE = "message_too_large"
MESSAGE_TOO_DEEP = "message_too_deep"

# Reasons a single part is not a candidate document.
INLINE_IMAGE = "inline_image"
INLINE_DECORATION_MAX_BYTES = 64 * 1024
"""A named image shown in the HTML body below this size is taken for a logo, not an invoice."""
EMPTY_ATTACHMENT = "empty_attachment"

MAX_PARTS = 200
MAX_DECODED_BYTES = 25 * 1024 * 1024
MAX_DEPTH = 16
"""Nesting of multiparts and forwarded messages; a forward adds about three levels."""

_CID_REFERENCE = re.compile(rb"cid:([^\"'\s>)]+)", re.IGNORECASE)
_NOT_BODY_TEXT = {"text/xml"}
"""Text types that are documents (an e-invoice) rather than the message's own words."""


class MailParseError(Exception):
    """The message as a whole cannot be taken apart; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class MailLimits:
    max_parts: int = MAX_PARTS
    max_decoded_bytes: int = MAX_DECODED_BYTES
    max_depth: int = MAX_DEPTH


@dataclass(frozen=True)
class MailAttachment:
    """A part that may be an invoice: decoded bytes plus what the sender said it is."""

    filename: str | None
    declared_type: str
    data: bytes
    forwarded: bool = False
    """True when it came inside a forwarded (``message/rfc822``) message."""


@dataclass(frozen=True)
class SkippedPart:
    """A part that did not become a document, with a stable reason code and a sentence."""

    filename: str | None
    reason: str
    message: str

    def as_json(self) -> dict[str, str | None]:
        return {"filename": self.filename, "reason": self.reason, "message": self.message}

    @classmethod
    def from_json(cls, data: dict[str, str | None]) -> "SkippedPart":
        return cls(data.get("filename"), data.get("reason") or "", data.get("message") or "")


@dataclass(frozen=True)
class InboundMail:
    sender: str | None
    sender_name: str | None
    recipients: list[str]
    subject: str | None
    message_id: str | None
    sent_at: datetime | None
    attachments: list[MailAttachment] = field(default_factory=list)
    skipped: list[SkippedPart] = field(default_factory=list)
    has_text_body: bool = False


def parse_mail(raw: bytes, limits: MailLimits | None = None) -> InboundMail:
    """Take ``raw`` apart, or raise :class:`MailParseError` with a stable code.

    Candidates are the parts with a file name or ``Content-Disposition: attachment``, and any
    other part that is neither text nor an image the HTML shows by ``cid:`` (some mailers attach
    a PDF with no name at all). Which candidates Bilag can read is decided later, from the bytes.
    """
    limits = limits or MailLimits()
    root = _parse(raw, limits)
    walk = _Walk(limits, _referenced_content_ids(root))
    walk.visit(root, depth=0, forwarded=False)
    sender_name, sender = _sender(root)
    return InboundMail(
        sender=sender,
        sender_name=sender_name,
        recipients=_recipients(root),
        subject=_header_text(root, "Subject"),
        message_id=_header_text(root, "Message-ID"),
        sent_at=_sent_at(root),
        attachments=walk.attachments,
        skipped=walk.skipped,
        has_text_body=walk.has_text_body,
    )


class _CountingFactory:
    """Makes the parser's message objects and stops it once there are too many.

    Counting while parsing, not after, keeps a message of millions of tiny parts from being
    built in memory first.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0

    def __call__(self, policy: email_policy.Policy = email_policy.default) -> EmailMessage:
        self.count += 1
        if self.count > self.limit:
            raise MailParseError(
                TOO_MANY_PARTS, f"The message has more than {self.limit} parts; Bilag stops there."
            )
        return EmailMessage(policy=policy)


def _parse(raw: bytes, limits: MailLimits) -> EmailMessage:
    factory = _CountingFactory(limits.max_parts)
    parser = BytesFeedParser(_factory=factory, policy=email_policy.default)
    factory.count = 0  # the parser calls the factory once to probe its signature
    try:
        parser.feed(raw)
        root = parser.close()
    except RecursionError as exc:
        raise _too_deep(limits) from exc
    except MailParseError:
        raise
    except Exception as exc:  # the stdlib parser is lenient; anything it raises means garbage
        raise MailParseError(
            UNPARSEABLE_MESSAGE, f"The message cannot be parsed as RFC 822 email: {exc}."
        ) from exc
    if not isinstance(root, EmailMessage) or not list(root.keys()):
        raise MailParseError(
            UNPARSEABLE_MESSAGE,
            "The body is not an RFC 822 email: it has no header fields. Send the whole message, "
            "headers included.",
        )
    return root


def _too_deep(limits: MailLimits) -> MailParseError:
    return MailParseError(
        MESSAGE_TOO_DEEP,
        f"The message nests parts or forwarded messages more than {limits.max_depth} deep.",
    )


class _Walk:
    """One pass over the part tree, sorting leaves into attachments, body and skipped parts."""

    def __init__(self, limits: MailLimits, referenced: set[str]) -> None:
        self.limits = limits
        self.referenced = referenced
        self.attachments: list[MailAttachment] = []
        self.skipped: list[SkippedPart] = []
        self.has_text_body = False
        self.decoded_bytes = 0

    def visit(self, part: Message, depth: int, forwarded: bool) -> None:
        if depth > self.limits.max_depth:
            raise _too_deep(self.limits)
        payload = part.get_payload()
        if isinstance(payload, list):
            inside = forwarded or part.get_content_type() == "message/rfc822"
            for child in payload:
                if isinstance(child, Message):
                    self.visit(child, depth + 1, inside)
            return
        self._leaf(part, forwarded)

    def _leaf(self, part: Message, forwarded: bool) -> None:
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        filename = _filename(part)
        is_body_text = part.get_content_maintype() == "text" and content_type not in _NOT_BODY_TEXT
        if filename is None and disposition != "attachment" and is_body_text:
            self.has_text_body = self.has_text_body or bool(_decoded(part).strip())
            return
        if self._is_decoration(part, filename, disposition):
            self.skipped.append(
                SkippedPart(
                    filename,
                    INLINE_IMAGE,
                    f"An image ({content_type}) shown inside the HTML body, such as a logo "
                    "or signature, not an attached file.",
                )
            )
            return
        data = _decoded(part)
        if not data:
            self.skipped.append(
                SkippedPart(filename, EMPTY_ATTACHMENT, "The attachment is empty (0 bytes).")
            )
            return
        self.decoded_bytes += len(data)
        if self.decoded_bytes > self.limits.max_decoded_bytes:
            raise MailParseError(
                MESSAGE_TOO_LARGE,
                f"The message's attachments decode to more than "
                f"{self.limits.max_decoded_bytes} bytes.",
            )
        self.attachments.append(MailAttachment(filename, content_type, data, forwarded))

    def _is_decoration(self, part: Message, filename: str | None, disposition: str | None) -> bool:
        """An image the HTML shows by ``cid:``: a logo, unless it is named and photo-sized.

        Outlook and Gmail name signature logos (``image001.png``), while iPhone Mail shows an
        attached photo of an invoice inline too; size tells them apart far better than names.
        """
        if part.get_content_maintype() != "image" or disposition == "attachment":
            return False
        if _content_id(part) not in self.referenced:
            return False
        return filename is None or len(_decoded(part)) < INLINE_DECORATION_MAX_BYTES


def _decoded(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _referenced_content_ids(root: Message) -> set[str]:
    """Content-IDs that some HTML part points at with ``cid:``; those parts are decoration."""
    found: set[str] = set()
    for part in root.walk():
        if part.get_content_type() == "text/html" and not part.is_multipart():
            for match in _CID_REFERENCE.finditer(_decoded(part)):
                found.add(match.group(1).decode("ascii", "replace").strip().lower())
    return found


def _content_id(part: Message) -> str | None:
    value = _header_text(part, "Content-ID")
    return value.strip().strip("<>").strip().lower() if value else None


def _filename(part: Message) -> str | None:
    """The part's file name (RFC 2231 and RFC 2047 decoded), reduced to a safe label."""
    try:
        name = part.get_filename()
    except Exception:  # a broken parameter is no name, not a broken message
        return None
    if not name:
        return None
    cleaned = _text(name).replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in cleaned if ch >= " " and ch != "\x7f").strip()
    return cleaned[:255] or None


def _text(value: str) -> str:
    """Undo the parser's surrogate escapes: raw 8-bit headers are almost always UTF-8."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\x00", "")


def _header_text(message: Message, name: str) -> str | None:
    try:
        value = message.get(name)
    except Exception:  # a header the registry cannot parse is treated as absent
        return None
    if value is None:
        return None
    text = _text(str(value)).strip()
    return text[:998] or None


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, address) pairs of every ``name`` header, in order."""
    pairs: list[tuple[str, str]] = []
    try:
        headers = message.get_all(name) or []
    except Exception:
        return pairs
    for header in headers:
        parsed = getattr(header, "addresses", None)
        if parsed is not None:
            pairs += [(a.display_name, a.addr_spec) for a in parsed if isinstance(a, Address)]
        else:
            pairs += getaddresses([str(header)])
    return [(_text(n).strip(), _text(a).strip()) for n, a in pairs if a and "@" in a]


def _sender(message: Message) -> tuple[str | None, str | None]:
    found = _addresses(message, "From")
    if not found:
        return None, _header_text(message, "From")
    name, address = found[0]
    return name[:998] or None, address[:998]


def _recipients(message: Message) -> list[str]:
    seen: dict[str, None] = {}
    for header in ("To", "Cc", "Delivered-To"):
        for _, address in _addresses(message, header):
            seen.setdefault(address[:998], None)
    return list(seen)


def _sent_at(message: Message) -> datetime | None:
    try:
        header = message.get("Date")
        when = getattr(header, "datetime", None)
    except Exception:
        return None
    if not isinstance(when, datetime):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
