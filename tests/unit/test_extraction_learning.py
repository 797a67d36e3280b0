"""Layout memory, the learned scorer, calibration and the document's date order."""

from pathlib import Path

from ml.extraction.calibration import Calibration, Curve, fit_calibration, load_calibration
from ml.extraction.date_order import document_date_order
from ml.extraction.extractor import candidates_for, extract_invoice
from ml.extraction.layout_memory import (
    LayoutMemory,
    LayoutTemplate,
    learned_month_names,
    memory_candidates,
)
from ml.extraction.page_lines import page_lines
from ml.extraction.scorer import load_scorer, save_scorer, train_scorer, training_set
from ml.extraction.selection import prior_score
from models.tokens import PageTokens
from tests.builders import a_pdf_with_text, an_unlabelled_layout_pdf
from workers.company_extraction import extract_with_memory
from workers.readers.pdf_text import read_pdf_pages


def _odd_layout(number: str, amount: str, customer: str, y: float = 300) -> list[PageTokens]:
    return read_pdf_pages(an_unlabelled_layout_pdf(number, amount, customer, y), max_pages=2)


TRUTH = {"invoice_number": "KB-7781", "total_amount": "4310.00"}


def test_an_unlabelled_layout_is_not_read_without_memory():
    # given an invoice whose labels Bilag does not know
    pages = _odd_layout("KB-7781", "4 310,00", "Hansen")
    # when it is extracted zero-shot
    values = extract_invoice(pages).values()
    # then the total is not the one under the unknown label
    assert values.get("total_amount") != "4310.00"


def test_one_correction_teaches_the_layout_for_the_next_invoice():
    # given a memory taught one corrected invoice of the layout
    memory = LayoutMemory()
    taught = memory.learn(page_lines(_odd_layout("KB-7781", "4 310,00", "Hansen")), TRUTH)
    assert taught is not None
    # when the next invoice of that layout arrives, with other values and a longer body
    pages = _odd_layout("KB-7802", "12 999,50", "Olsen Bygg", y=360)
    found = extract_with_memory(pages, memory, None, None)
    # then the template is recognised and the remembered places give the new values
    assert found.template is not None and found.template.id == taught.id
    assert found.extraction.fields["invoice_number"].value == "KB-7802"
    assert found.extraction.fields["total_amount"].value == "12999.50"
    assert found.extraction.fields["total_amount"].confidence >= 0.9


def test_another_layout_does_not_match_the_template():
    # given a memory taught the odd layout
    memory = LayoutMemory()
    memory.learn(page_lines(_odd_layout("KB-7781", "4 310,00", "Hansen")), TRUTH)
    # when a differently laid out invoice arrives
    other = read_pdf_pages(
        a_pdf_with_text((300, 500, "Fakturanr: 10042"), (300, 520, "Å betale 1 200,00")), 2
    )
    # then no template is applied
    assert memory.match(page_lines(other)) is None


def test_a_template_survives_a_round_trip_through_json():
    memory = LayoutMemory()
    template = memory.learn(page_lines(_odd_layout("KB-7781", "4 310,00", "Hansen")), TRUTH)
    assert template is not None
    again = LayoutTemplate.from_json(template.to_json())
    assert again == template
    lines = page_lines(_odd_layout("KB-7802", "12 999,50", "Olsen"))
    assert {c.value for c in memory_candidates(lines, again)} >= {"KB-7802", "12999.50"}


def test_a_learned_date_order_reads_year_day_month_dates():
    # given a layout that prints dates year-day-month, taught once
    def pages(date_text: str) -> list[PageTokens]:
        return read_pdf_pages(a_pdf_with_text((50, 100, "Datum"), (120, 100, date_text)), 2)

    memory = LayoutMemory()
    memory.learn(page_lines(pages("2026-30-01")), {"invoice_date": "2026-01-30"})
    # when an ambiguous date of that layout is read
    found = extract_with_memory(pages("2026-04-05"), memory, None, None)
    # then it is read the way the layout prints: 4 May
    assert found.extraction.fields["invoice_date"].value == "2026-05-04"


def _dated(invoice_date: str, due_date: str) -> list[PageTokens]:
    """A French layout's header: labelled dates, printed as this supplier's system does."""
    return read_pdf_pages(
        a_pdf_with_text(
            (50, 60, "Facture FA-1001"),
            (300, 100, "Date de facture"),
            (300, 115, invoice_date),
            (300, 140, "Date d'échéance"),
            (300, 155, due_date),
            (50, 300, "Total TTC 1 200,00 €"),
        ),
        2,
    )


def test_a_taught_date_order_also_reads_the_labelled_dates_of_the_layout():
    # given a layout that prints year-day-month, taught with a date only that order can read
    memory = LayoutMemory()
    memory.learn(
        page_lines(_dated("2015-30-01", "2015-30-04")),
        {"invoice_date": "2015-01-30", "due_date": "2015-04-30"},
    )
    # when an invoice of it prints dates that read either way, beside a known label
    found = extract_with_memory(_dated("2015-02-12", "2015-02-12"), memory, None, None)
    # then the label's own candidate is read in the layout's order too: 2 December
    assert found.extraction.fields["invoice_date"].value == "2015-12-02"


def test_a_layout_teaches_a_month_word_the_reader_refuses():
    # given a layout printing June as "jui" (juin or juillet to a generic reader) and July as
    # "jul", taught one invoice due in June
    assert (
        extract_invoice(_dated("jui 23, 2016", "jul 23, 2016")).fields.get("invoice_date") is None
    )
    memory = LayoutMemory()
    template = memory.learn(
        page_lines(_dated("mai 14, 2015", "jui 13, 2015")),
        {"invoice_date": "2015-05-14", "due_date": "2015-06-13"},
    )
    assert template is not None and template.months == {"jui": 6}
    # when the next invoice of the layout is dated "jui"
    found = extract_with_memory(_dated("jui 23, 2016", "jul 23, 2016"), memory, None, None)
    # then it is read as June, and the vocabulary survives storage
    assert found.extraction.fields["invoice_date"].value == "2016-06-23"
    assert LayoutTemplate.from_json(template.to_json()) == template


def test_a_known_month_word_or_one_fitting_two_dates_teaches_nothing():
    # "avr 30" shares day and year with a true date of 30 January: April stays April
    lines = page_lines(_dated("jan 30, 2015", "avr 30, 2015"))
    assert learned_month_names(lines, {"invoice_date": "2015-01-30"}) == {}
    # "jui 13" could be either true date: no lesson
    lines = page_lines(_dated("jui 13, 2015", "mai 02, 2015"))
    truth = {"invoice_date": "2015-06-13", "due_date": "2015-07-13"}
    assert learned_month_names(lines, truth) == {}


def test_a_document_s_unambiguous_date_decides_its_ambiguous_ones():
    data = a_pdf_with_text((50, 100, "Date 03/06/2026"), (50, 120, "Due 12/25/2026"))
    lines = page_lines(read_pdf_pages(data, 2))
    assert document_date_order(lines) == ("mdy", "ymd")
    assert extract_invoice(read_pdf_pages(data, 2)).fields["invoice_date"].value == "2026-03-06"


def test_the_scorer_learns_from_corrections_and_round_trips(tmp_path: Path):
    # given three corrected invoices of the odd layout
    lessons = []
    for number, amount, total in (
        ("KB-1", "1 000,00", "1000.00"),
        ("KB-2", "2 500,00", "2500.00"),
        ("KB-3", "3 750,00", "3750.00"),
    ):
        lines = page_lines(_odd_layout(number, amount, "Hansen"))
        lessons.append((candidates_for(lines), {"invoice_number": number, "total_amount": total}))
    # when a scorer is trained on them
    data = training_set(lessons)
    scorer = train_scorer(data)
    # then it scores the true total of a new invoice above the decoy, as the prior does not
    assert scorer is not None and scorer.fingerprint == data.fingerprint
    candidates = candidates_for(page_lines(_odd_layout("KB-4", "8 125,00", "Olsen")))
    totals = {c.value: c for c in candidates if c.field == "total_amount"}
    true, decoy = totals["8125.00"], totals["99.00"]
    assert scorer([true])[0] > scorer([decoy])[0]
    assert scorer([true])[0] - scorer([decoy])[0] > prior_score(true) - prior_score(decoy)
    # and it is saved and loaded as the same model
    path = tmp_path / "scorer.joblib"
    save_scorer(scorer, path)
    loaded = load_scorer(path)
    assert loaded is not None and loaded.fingerprint == scorer.fingerprint


def test_too_few_lessons_train_no_scorer():
    lines = page_lines(_odd_layout("KB-1", "1 000,00", "Hansen"))
    assert train_scorer(training_set([(candidates_for(lines), TRUTH)])) is None


def test_a_corrupt_or_foreign_artifact_is_not_loaded(tmp_path: Path):
    path = tmp_path / "scorer.joblib"
    path.write_bytes(b"not a model")
    assert load_scorer(path) is None
    assert load_scorer(tmp_path / "missing.joblib") is None


def test_calibration_maps_scores_to_observed_accuracy():
    # given scores where high ones are right and low ones mostly wrong
    records = [("total_amount", 0.9, True)] * 90 + [("total_amount", 0.9, False)] * 10
    records += [("total_amount", 0.3, True)] * 20 + [("total_amount", 0.3, False)] * 80
    calibration = fit_calibration(records)
    # then the probabilities are the observed rates, per field and pooled
    assert abs(calibration.probability("total_amount", 0.9) - 0.9) < 1e-6
    assert abs(calibration.probability("total_amount", 0.3) - 0.2) < 1e-6
    assert abs(calibration.probability("kid", 0.9) - 0.9) < 1e-6  # pooled curve
    again = Calibration.from_json(calibration.to_json())
    assert again.probability("total_amount", 0.6) == calibration.probability("total_amount", 0.6)


def test_the_shipped_calibration_is_monotone():
    calibration = load_calibration()
    for curve in (calibration.pooled, *calibration.per_field.values()):
        assert list(curve.probabilities) == sorted(curve.probabilities)


def test_an_empty_curve_passes_scores_through():
    assert Curve((), ())(0.42) == 0.42
