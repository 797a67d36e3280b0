"""`bilag read FILE --json`: what Bilag's readers see in a file, without a server or database.

For debugging a document that reads badly: the same reader, OCR settings and e-invoice
validation the worker uses, printed as the page-token model.
"""

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from models.errors import PermanentError
from models.settings import get_settings
from models.sniff import sniff_media_type
from workers.readers import ReadOptions, reader_for, supported_media_types
from workers.readers.result import ReadResult
from workers.validation import validate_einvoice_xml


def describe_read(result: ReadResult, validate: bool) -> dict[str, Any]:
    """The read result as plain JSON: pages of tokens, e-invoice data and rule findings."""
    out: dict[str, Any] = {
        "pages": [
            {
                "number": page.tokens.number,
                "width": round(page.tokens.width, 2),
                "height": round(page.tokens.height, 2),
                "source": page.tokens.source.value,
                "rotation": page.rotation,
                "skew": page.skew,
                "tokens": [
                    {
                        "text": token.text,
                        "box": token.box.as_list(),
                        "confidence": round(token.confidence, 3),
                        "source": token.source.value,
                    }
                    for token in page.tokens.tokens
                ],
            }
            for page in result.pages
        ],
        "einvoice": result.einvoice.to_json() if result.einvoice else None,
        "notes": result.notes,
    }
    if validate and result.einvoice is not None and result.xml is not None:
        outcome = validate_einvoice_xml(
            result.xml, result.einvoice, get_settings().validation_artifacts_dir
        )
        out["validation"] = {
            "result": outcome.result,
            "note": outcome.note,
            "findings": [
                {
                    "rule_id": f.rule_id,
                    "severity": f.severity.value,
                    "message": f.message,
                    "location": f.location,
                    "artefact": f.artefact,
                }
                for f in outcome.findings
            ],
        }
    return out


def read_file(path: Path) -> tuple[str, ReadResult]:
    """The file's media type, from its bytes, and what the worker's reader makes of it.

    Raises ``PermanentError`` (``unsupported_media_type`` among others) as the read stage does.
    """
    data = path.read_bytes()
    media_type = sniff_media_type(data[:8192])
    reader = reader_for(media_type)
    if reader is None:
        raise PermanentError(
            "unsupported_media_type",
            f"Bilag cannot read {media_type}; it reads " + ", ".join(supported_media_types()),
        )
    return media_type, reader.read(data, ReadOptions.from_settings(get_settings()))


def read_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the page-token model")] = False,
    validate: Annotated[bool, typer.Option(help="Run the official e-invoice rules")] = True,
) -> None:
    """Read FILE as the worker would and print its pages of words (and e-invoice data)."""
    try:
        media_type, result = read_file(file)
    except PermanentError as error:
        typer.echo(f"{file}: {error.code}: {error.message}", err=True)
        raise typer.Exit(2 if error.code == "unsupported_media_type" else 1) from error
    described = describe_read(result, validate)
    if as_json:
        typer.echo(json.dumps({"file": str(file), "media_type": media_type, **described}))
        return
    typer.echo(f"{file}: {media_type}, {len(result.pages)} page(s)")
    for page in described["pages"]:
        words = " ".join(token["text"] for token in page["tokens"])
        typer.echo(f"-- page {page['number']} ({page['source']}, rotated {page['rotation']}°)")
        typer.echo(words[:2000])
    if result.einvoice is not None:
        e = result.einvoice
        typer.echo(
            f"e-invoice {e.syntax.value}: {e.invoice_number} {e.issue_date} "
            f"{e.total_amount} {e.currency}, {len(e.lines)} line(s)"
        )
    if "validation" in described:
        validation = described["validation"]
        typer.echo(f"validation: {validation['result']}")
        for finding in validation["findings"]:
            typer.echo(f"  [{finding['severity']}] {finding['rule_id']}: {finding['message']}")
    for note in result.notes:
        typer.echo(f"note: {note}")
