"""`bilag coding eval`: a company's history replayed as live operation (see ml.coding.replay).

The file is read with the same parser as `bilag history import`, so what is measured is what
an import would train on. The test slice is the latest part by date; nothing is tuned on it.
"""

import resource
import time
from datetime import date
from pathlib import Path

from ml.coding.examples import posting_from_record
from ml.coding.replay import Progress, replay_history
from models.posting_history import parse_history_csv
from workers.posting_history_store import open_history_text


def evaluate_coding(
    path: Path,
    target: str,
    test_from: date | None,
    test_fraction: float,
    base_currency: str,
    progress: Progress | None = None,
) -> dict[str, object]:
    started = time.monotonic()
    with path.open("rb") as binary:
        parsed = parse_history_csv(open_history_text(binary), base_currency)
    postings = sorted(
        (posting_from_record(row) for row in parsed.rows),
        key=lambda p: p.example.posting_date,
    )
    labelled = [p for p in postings if p.label(target)]
    if test_from is not None:
        test_start = next(
            (i for i, p in enumerate(labelled) if p.example.posting_date >= test_from),
            len(labelled),
        )
    else:
        test_start = int(len(labelled) * (1 - test_fraction))
    if not 0 < test_start < len(labelled):
        raise ValueError(
            f"the split leaves {test_start} training and {len(labelled) - test_start} test rows"
        )
    result = replay_history(
        [p.example for p in labelled],
        [p.coding[target] for p in labelled],
        test_start,
        target,
        progress=progress,
    )
    return {
        **result.as_dict(),
        "test_from": labelled[test_start].example.posting_date.isoformat(),
        "rows_read": parsed.records,
        "rows_rejected": parsed.error_count,
        "rows_without_target": len(postings) - len(labelled),
        "replay_seconds": round(time.monotonic() - started, 1),
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
