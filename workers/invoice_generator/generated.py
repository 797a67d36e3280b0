"""The generator's product: one synthetic invoice and what it says."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GeneratedInvoice:
    """A rendered invoice and its canonical truth (see ``truth.py`` for the field contract)."""

    name: str
    layout: str
    pdf: bytes
    truth: dict[str, Any]
