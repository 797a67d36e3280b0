"""Keyset-pagination cursors: opaque to clients, a small JSON object inside.

Every list endpoint hands out the same kind of cursor, and refuses one it did not make with
the same error, whatever list it belongs to.
"""

import base64
import binascii
import json
from typing import Any


class InvalidCursorError(ValueError):
    """The client sent a cursor this API did not hand out (or one that was tampered with)."""


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The position inside ``cursor``; :class:`InvalidCursorError` when it is not one."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursorError("the cursor is not one this API returned") from exc
    if not isinstance(data, dict):
        raise InvalidCursorError("the cursor is not one this API returned")
    return data
