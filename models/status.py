"""Document lifecycle states and channels, as stable codes that API clients can switch on."""

from enum import StrEnum


class DocumentStatus(StrEnum):
    """Where a document is in the pipeline. Each processing state names the stage now running."""

    RECEIVED = "received"
    READING = "reading"
    READ = "read"
    EXTRACTING = "extracting"
    EXTRACTED = "extracted"
    CODING = "coding"
    CODED = "coded"  # every line's coding decided, by the model or a person
    MATCHING = "matching"
    MATCHED = "matched"  # checked for duplicates and against purchase orders, nothing open
    NEEDS_REVIEW = "needs_review"  # processed, with open exception cases for a person
    FAILED = "failed"


IN_PROGRESS = frozenset(
    {
        DocumentStatus.RECEIVED,
        DocumentStatus.READING,
        DocumentStatus.READ,
        DocumentStatus.EXTRACTING,
        DocumentStatus.CODING,
        DocumentStatus.MATCHING,
    }
)


class Channel(StrEnum):
    """How a document reached Bilag."""

    API = "api"
    UPLOAD = "upload"
    EMAIL = "email"
    DEMO = "demo"
    CLI = "cli"


class DocumentType(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
