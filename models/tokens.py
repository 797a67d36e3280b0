"""The page-token model: what every reader produces and every extractor consumes.

A text-layer PDF, an OCR'd scan and a parsed e-invoice all become pages of positioned words, so
field extraction never needs to know where its text came from. Coordinates are in PDF points
with the origin at the top-left of the page, which is what pdfplumber, tesseract (after scaling
from pixels) and an image viewer all agree on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class TokenSource(StrEnum):
    """Where a value came from; also used for extracted fields (``human`` = a clerk's edit)."""

    TEXT = "text"
    OCR = "ocr"
    XML = "xml"
    HUMAN = "human"


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned rectangle in points, top-left origin."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    def as_list(self) -> list[float]:
        return [round(self.x0, 2), round(self.top, 2), round(self.x1, 2), round(self.bottom, 2)]


@dataclass(frozen=True, slots=True)
class Token:
    """One word on one page, with how sure the reader is of its text (1.0 for a text layer).

    ``space`` is the widest gap, in points, that can still part two words of one phrase on the
    token's page, when the page's layout has been measured (a typed page's space is a whole
    character cell); ``None`` leaves it to be judged from the text height. It is derived from
    the page, not read, so it is not stored with the tokens."""

    text: str
    box: Box
    page: int
    confidence: float = 1.0
    source: TokenSource = TokenSource.TEXT
    space: float | None = None


@dataclass(slots=True)
class PageTokens:
    """A page's size and its words in reading order."""

    number: int
    width: float
    height: float
    source: TokenSource
    tokens: list[Token] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "width": round(self.width, 2),
            "height": round(self.height, 2),
            "source": self.source.value,
            "tokens": [
                [t.text, *t.box.as_list(), round(t.confidence, 3), t.source.value]
                for t in self.tokens
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageTokens:
        number = int(data["number"])
        tokens = [
            Token(
                text=row[0],
                box=Box(row[1], row[2], row[3], row[4]),
                page=number,
                confidence=float(row[5]),
                source=TokenSource(row[6]),
            )
            for row in data["tokens"]
        ]
        return cls(
            number=number,
            width=float(data["width"]),
            height=float(data["height"]),
            source=TokenSource(data["source"]),
            tokens=tokens,
        )
