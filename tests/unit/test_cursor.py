import pytest

from models.documents import InvalidCursorError, _decode_cursor


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "eyJyIjogMX0", ""])
def test_a_cursor_this_api_did_not_issue_is_refused(cursor):
    with pytest.raises(InvalidCursorError):
        _decode_cursor(cursor)
