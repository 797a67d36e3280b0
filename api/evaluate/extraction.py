"""`bilag eval extraction`: field accuracy, line items and calibration, measured three ways.

- **zero-shot**: the extractor as shipped, no company memory, no learned scorer.
- **leave-one-layout-out**: for each layout, a candidate scorer is trained on corrections of
  the *other* layouts (as a company's clerks would have made them), then that layout is read
  with it: how well Bilag reads a supplier it has never seen, after learning from others.
- **teach**: for each layout, the first ``k`` invoices are taught (as `bilag teach` or a
  correction would), and the rest are read with that layout memory: how well Bilag reads a
  supplier after ``k`` corrections.

Nothing here feeds evaluation data into the shipped extractor: memories and scorers built in a
run live only for that run.
"""

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from api.evaluate.extraction_data import EvalCase
from api.evaluate.extraction_metrics import ExtractionScores
from ml.extraction.calibration import Calibration, fit_calibration
from ml.extraction.extractor import Extraction, candidates_for, extract_invoice
from ml.extraction.layout_memory import LayoutMemory, locate_value
from ml.extraction.page_lines import page_lines
from ml.extraction.scorer import LearnedScorer, train_scorer, training_set
from models.canonical_fields import HEADER_FIELDS, FieldKind, same_value
from workers.company_extraction import extract_with_memory

PROTOCOLS = ("zero-shot", "leave-one-layout-out", "teach")
HEADLINE_FIELDS = (
    "invoice_number",
    "invoice_date",
    "currency",
    "net_amount",
    "vat_amount",
    "total_amount",
)
Progress = Callable[[int], None]


def predicted(extraction: Extraction) -> tuple[dict[str, tuple[str | None, float]], list[dict]]:
    """An extraction as the scorer takes it: canonical values with confidences, and lines."""
    fields = {
        name: (value.value, value.confidence)
        for name, value in extraction.fields.items()
        if name in HEADER_FIELDS
    }
    lines = [item.to_record() for item in extraction.lines]
    return fields, lines


def evaluate_extraction(
    cases: Sequence[EvalCase],
    protocol: str,
    *,
    teach: int = 3,
    default_currency: str | None = None,
    progress: Progress | None = None,
) -> tuple[ExtractionScores, ExtractionScores, dict[str, Any]]:
    """Score ``cases`` under ``protocol``: scores against the whole truth, scores against what
    is printed, and run facts (timings, counts)."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; one of {', '.join(PROTOCOLS)}")
    scores, printed_scores = ExtractionScores(), ExtractionScores()
    facts: dict[str, Any] = {"protocol": protocol, "cases": 0, "pages": 0, "extract_seconds": 0.0}
    by_layout: dict[str, list[EvalCase]] = defaultdict(list)
    for case in cases:
        by_layout[case.layout].append(case)

    def score(case: EvalCase, run: Callable[[], Extraction]) -> None:
        started = time.perf_counter()
        extraction = run()
        facts["extract_seconds"] += time.perf_counter() - started
        facts["cases"] += 1
        facts["pages"] += len(case.pages)
        fields, lines = predicted(extraction)
        scores.add(case, case.truth, fields, lines)
        printed_scores.add(case, printed_truth(case), fields, lines)
        if progress:
            progress(1)

    if protocol == "zero-shot":
        for case in cases:
            score(case, lambda c=case: extract_invoice(c.pages, default_currency=default_currency))
    elif protocol == "leave-one-layout-out":
        for layout, held_out in by_layout.items():
            others = [c for c in cases if c.layout != layout]
            scorer = scorer_from(others)
            for case in held_out:
                score(
                    case,
                    lambda c=case, s=scorer: extract_invoice(
                        c.pages, default_currency=default_currency, scorer=s
                    ),
                )
    else:
        facts["taught"] = 0
        for layout_cases in by_layout.values():
            memory = LayoutMemory()
            for case in layout_cases[:teach]:
                memory.learn(page_lines(case.pages), case.truth)
                facts["taught"] += 1
                if progress:
                    progress(1)
            for case in layout_cases[teach:]:
                score(
                    case,
                    lambda c=case, m=memory: (
                        extract_with_memory(c.pages, m, None, default_currency).extraction
                    ),
                )
    facts["extract_seconds"] = round(facts["extract_seconds"], 2)
    if facts["pages"]:
        facts["ms_per_page"] = round(1000 * facts["extract_seconds"] / facts["pages"], 1)
    return scores, printed_scores, facts


def printed_truth(case: EvalCase) -> dict[str, Any]:
    """The truth less the header values the pages do not print anywhere.

    Some source files state figures their own PDF does not show (a ZUGFeRD sample whose XML
    says 2014 where the page says 2015); no reading of the page can get those, so accuracy is
    also reported over what is printed. A value counts as printed when it can be found on the
    pages in any format the extractor reads.
    """
    lines = page_lines(case.pages)
    return {
        name: value
        for name, value in case.truth.items()
        if name not in HEADER_FIELDS
        or value is None
        or name in ("document_type", "currency")
        or locate_value(lines, name, value) is not None
    }


def scorer_from(cases: Iterable[EvalCase]) -> LearnedScorer | None:
    """The scorer a company would have after correcting ``cases`` (memory included, as the
    retraining job builds it)."""
    lessons = []
    memory = LayoutMemory()
    for case in cases:
        lines = page_lines(case.pages)
        template = memory.match(lines)
        lessons.append((candidates_for(lines, template), case.truth))
        memory.learn(lines, case.truth)
    return train_scorer(training_set(lessons))


def calibration_records(cases: Iterable[EvalCase]) -> list[tuple[str, float, bool]]:
    """(field, raw score, right) for every field the prior chose, the data a calibration is
    fitted on. Raw scores: the extractor is run uncalibrated."""
    identity = Calibration()
    records: list[tuple[str, float, bool]] = []
    for case in cases:
        extraction = extract_invoice(case.pages, calibration=identity)
        for name, value in extraction.fields.items():
            wanted = case.truth.get(name)
            if name not in HEADER_FIELDS or wanted is None or value.box is None:
                continue
            kind: FieldKind = HEADER_FIELDS[name]
            records.append((name, value.confidence, same_value(kind, value.value, wanted)))
    return records


def fitted_calibration(cases: Iterable[EvalCase]) -> Calibration:
    return fit_calibration(calibration_records(cases))
