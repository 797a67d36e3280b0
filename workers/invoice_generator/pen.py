"""Drawing on a reportlab canvas in top-down coordinates, the way one reads a page.

A pen without a canvas draws nothing but measures the same, which is how the renderer finds out
how tall a block will be (and how many pages there are) before committing it to paper.
"""

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from workers.invoice_generator.style import BOLD, NBSP

PAGE_WIDTH, PAGE_HEIGHT = A4


class Pen:
    def __init__(self, canvas: Canvas | None, font: str, size: float) -> None:
        self.canvas = canvas
        self.font = font
        self.size = size

    def face(self, bold: bool = False, font: str | None = None) -> str:
        base = font or self.font
        return BOLD.get(base, base) if bold else base

    def width(self, text: str, *, bold: bool = False, size: float | None = None) -> float:
        return stringWidth(text, self.face(bold), size or self.size)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        bold: bool = False,
        size: float | None = None,
        align: str = "left",
        gray: float = 0.0,
    ) -> None:
        """``text`` with its baseline at ``y``; ``align`` is left, right or centre of ``x``."""
        if self.canvas is None or not text:
            return
        self.canvas.setFont(self.face(bold), size or self.size)
        self.canvas.setFillGray(gray)
        draw = {
            "left": self.canvas.drawString,
            "right": self.canvas.drawRightString,
            "centre": self.canvas.drawCentredString,
        }[align]
        draw(x, PAGE_HEIGHT - y, text.replace(NBSP, " "))
        self.canvas.setFillGray(0)

    def wrap(
        self, text: str, width: float, *, bold: bool = False, size: float | None = None
    ) -> list[str]:
        """``text`` broken at spaces into lines no wider than ``width`` (a longer single word
        stays whole), so joining the lines with single spaces gives ``text`` back."""
        lines: list[str] = []
        for word in text.split(" "):
            candidate = f"{lines[-1]} {word}" if lines else word
            if lines and self.width(candidate, bold=bold, size=size) <= width:
                lines[-1] = candidate
            else:
                lines.append(word)
        return lines

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        width: float = 0.5,
        dash: bool = False,
        gray: float = 0.0,
    ) -> None:
        if self.canvas is None:
            return
        self.canvas.setLineWidth(width)
        self.canvas.setStrokeGray(gray)
        if dash:
            self.canvas.setDash(3, 2)
        self.canvas.line(x1, PAGE_HEIGHT - y1, x2, PAGE_HEIGHT - y2)
        self.canvas.setDash()
        self.canvas.setStrokeGray(0)

    def rect(
        self,
        x: float,
        top: float,
        width: float,
        height: float,
        *,
        fill: float | None = None,
        stroke: bool = True,
        line_width: float = 0.5,
    ) -> None:
        """A rectangle whose top edge is at ``top``; ``fill`` is a gray level (0 black)."""
        if self.canvas is None:
            return
        self.canvas.setLineWidth(line_width)
        if fill is not None:
            self.canvas.setFillGray(fill)
        self.canvas.rect(
            x,
            PAGE_HEIGHT - top - height,
            width,
            height,
            stroke=int(stroke),
            fill=int(fill is not None),
        )
        self.canvas.setFillGray(0)

    def logo(self, shape: str, x: float, top: float, size: float, gray: float) -> None:
        """A simple mark standing in for a company logo, ``size`` points square."""
        if self.canvas is None:
            return
        canvas = self.canvas
        canvas.saveState()
        canvas.setFillGray(gray)
        canvas.setStrokeGray(gray)
        bottom = PAGE_HEIGHT - top - size
        if shape == "circle":
            canvas.circle(x + size / 2, bottom + size / 2, size / 2, stroke=0, fill=1)
        elif shape == "ring":
            canvas.setLineWidth(size / 7)
            canvas.circle(x + size / 2, bottom + size / 2, size * 0.4, stroke=1, fill=0)
        elif shape == "square":
            canvas.roundRect(x, bottom, size, size, size / 6, stroke=0, fill=1)
        elif shape == "bars":
            for i, height in enumerate((0.5, 0.8, 1.0)):
                canvas.rect(x + i * size / 3, bottom, size / 4, size * height, stroke=0, fill=1)
        else:
            peaks = ((0.5, 1.0),) if shape == "triangle" else ((0.35, 0.75), (0.7, 1.0))
            for peak_x, peak_y in peaks:
                path = canvas.beginPath()
                path.moveTo(x + max(0.0, peak_x - 0.5) * size, bottom)
                path.lineTo(x + peak_x * size, bottom + peak_y * size)
                path.lineTo(x + min(size, (peak_x + 0.5) * size), bottom)
                path.close()
                canvas.drawPath(path, stroke=0, fill=1)
        canvas.restoreState()
