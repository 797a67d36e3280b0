"""What a reader hands back: per page, the words and the picture a clerk will look at."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.einvoice import EInvoice
from models.tokens import PageTokens


@dataclass(slots=True)
class PageRead:
    """One page as read: its tokens, and an upright image of it for the inbox viewer.

    ``rotation`` is the clockwise turn (0/90/180/270) that was applied to make a scanned page
    upright and ``skew`` the small angle, in degrees, that deskewing removed; both are kept so a
    clerk can see what the reader did and so layout learning works in upright coordinates.
    """

    tokens: PageTokens
    image: bytes | None = None
    image_media_type: str | None = None
    rotation: int = 0
    skew: float | None = None


@dataclass(slots=True)
class ReadResult:
    """Everything a reader learnt from one original.

    ``einvoice`` and ``xml`` are set for e-invoices and for PDFs carrying Factur-X/ZUGFeRD XML;
    ``xml`` is the invoice XML exactly as received so it can be validated against the official
    rules. ``pages`` come from the text layer, OCR, or an e-invoice's embedded PDF.
    """

    pages: list[PageRead] = field(default_factory=list)
    einvoice: EInvoice | None = None
    xml: bytes | None = None
    notes: list[str] = field(default_factory=list)
