"""When the learned part of a coding model is retrained.

Supplier memory learns every confirmed posting at once; the text model and ranker are
retrained once the postings confirmed since the last training are a fixed share of what it
was trained on (with a floor), so the cost of retraining stays in proportion to the data
however large the company is.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class RetrainSchedule:
    min_new_rows: int = 500
    new_share: float = 0.05

    def due(self, trained_rows: int, new_rows: int) -> bool:
        return new_rows >= max(self.min_new_rows, int(self.new_share * trained_rows))
