"""Errors that carry a stable reason code, shared by the pipeline and the API.

A stage that meets input it can never process raises :class:`PermanentError`; the pipeline marks
the document ``failed`` with that code and does not retry. Anything else is treated as transient
and retried with back-off.
"""


class PermanentError(Exception):
    """Processing cannot succeed by trying again; ``code`` is shown to API clients."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
