"""Whether Bilag takes a file in, and as what: one decision for every way a file arrives.

An upload over HTTP and an attachment in an email must be judged the same way, so the rule lives
here, free of HTTP: the bytes decide the type (libmagic), and the sender's name or declared type
only sharpens the explanation when the two disagree. Which types are readable is asked of the
caller (``readable``), because the set of readers grows and belongs to the workers.
"""

from collections.abc import Callable, Sequence

from models.sniff import claimed_media_type, is_executable, sniff_media_type

FILE_TYPE_MISMATCH = "file_type_mismatch"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"


class MediaTypeRejectedError(Exception):
    """The file will not be taken in; ``code`` is stable, ``message`` says why in a sentence."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        detected_type: str,
        claimed_type: str | None,
        accepted_types: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detected_type = detected_type
        self.claimed_type = claimed_type
        self.accepted_types = list(accepted_types)


def decide_media_type(
    head: bytes,
    filename: str | None,
    declared: str | None,
    readable: Callable[[str], bool],
    accepted: Sequence[str] = (),
) -> str:
    """The media type the bytes in ``head`` have, if a reader takes it.

    Raises :class:`MediaTypeRejectedError` with ``file_type_mismatch`` when the bytes are an
    executable, or are not the readable type the name or declared type claims (a renamed file is
    a warning sign, not a format to guess at), and ``unsupported_media_type`` otherwise.
    ``accepted`` only feeds the message, so the sender learns what would have worked.
    """
    actual = sniff_media_type(head)
    claimed = claimed_media_type(filename, declared)
    if readable(actual):
        return actual
    if is_executable(actual):
        code = FILE_TYPE_MISMATCH
        why = f"The file is an executable program ({actual})" + (
            f", not {claimed} as its name or Content-Type says" if claimed else ""
        )
    elif claimed is not None and readable(claimed):
        code = FILE_TYPE_MISMATCH
        why = f"The file claims to be {claimed} but its bytes are {actual}"
    else:
        code = UNSUPPORTED_MEDIA_TYPE
        why = f"Bilag cannot read {actual} files"
    raise MediaTypeRejectedError(
        code,
        f"{why}. Accepted types: {', '.join(accepted)}.",
        detected_type=actual,
        claimed_type=claimed,
        accepted_types=accepted,
    )
