"""Scoring extracted fields and lines against canonical truth (api/evaluate/extraction_metrics)."""

import pytest

from api.evaluate.extraction_metrics import ExtractionScores, format_report, match_lines


def a_line(amount, description="Konsulenttimer", quantity=None, **keys):
    return {"description": description, "quantity": quantity, "amount": amount, **keys}


def scored(truth, fields, lines=()):
    scores = ExtractionScores()
    scores.add(None, truth, fields, list(lines))
    return scores


def row(scores, name):
    return next(r for r in scores.field_table() if r["field"] == name)


# --- header fields ----------------------------------------------------------------------------


def test_amounts_are_equal_whatever_their_trailing_zeros():
    # given a truth of 82003.30 and a prediction of 82003.3
    scores = scored({"total_amount": "82003.30"}, {"total_amount": ("82003.3", 0.9)})
    # then the prediction is right
    assert row(scores, "total_amount") == {
        "field": "total_amount",
        "n": 1,
        "correct": 1,
        "accuracy": 1.0,
        "missing": 0,
        "false_positives": 0,
    }


def test_a_different_amount_is_wrong():
    scores = scored({"total_amount": "82003.30"}, {"total_amount": ("82003.03", 0.9)})
    assert row(scores, "total_amount")["correct"] == 0


@pytest.mark.parametrize(
    ("predicted", "right"),
    [("2015-01-25", True), ("25.01.2015", True), ("2015-01-26", False), ("31.02.2015", False)],
)
def test_dates_compare_as_dates(predicted, right):
    # given a truth date and a prediction, canonical or as printed (or not a date at all)
    scores = scored({"invoice_date": "2015-01-25"}, {"invoice_date": (predicted, 0.8)})
    # then it is right exactly when it is the same day
    assert row(scores, "invoice_date")["correct"] == int(right)


def test_an_invoice_number_ignores_case_and_separators():
    scores = scored(
        {"invoice_number": "FA02/2015/020059"}, {"invoice_number": ("fa02/2015/020 059", 0.7)}
    )
    assert row(scores, "invoice_number")["correct"] == 1


def test_a_field_the_truth_has_and_the_prediction_lacks_is_wrong():
    # given truth with three fields, one predicted right, one predicted None, one not at all
    truth = {"invoice_number": "A-1", "due_date": "2026-01-31", "currency": "NOK"}
    scores = scored(truth, {"invoice_number": ("A1", 0.9), "due_date": (None, 0.0)})
    # then the two missing ones count in n as wrong, and say they were missing
    assert [(r["field"], r["n"], r["correct"], r["missing"]) for r in scores.field_table()] == [
        ("invoice_number", 1, 1, 0),
        ("due_date", 1, 0, 1),
        ("currency", 1, 0, 1),
    ]
    # and they are listed with the truth for diagnostics
    assert scores.errors == [
        {"name": None, "field": "due_date", "predicted": None, "truth": "2026-01-31"},
        {"name": None, "field": "currency", "predicted": None, "truth": "NOK"},
    ]


def test_a_prediction_of_an_unrecorded_field_is_a_false_positive_not_an_error():
    # given truth without a KID and a prediction of one
    scores = scored({"currency": "EUR"}, {"kid": ("12345678903", 0.99)})
    # then it is counted apart, outside n, and not in the reliability figures
    assert row(scores, "kid") == {
        "field": "kid",
        "n": 0,
        "correct": 0,
        "accuracy": None,
        "missing": 0,
        "false_positives": 1,
    }
    assert scores.share_right_at(0.0) == (0, 0.0)
    assert scores.errors[0]["field"] == "currency"


def test_an_unknown_field_name_is_refused():
    with pytest.raises(ValueError, match="total"):
        scored({}, {"total": ("1", 1.0)})


# --- reliability --------------------------------------------------------------------------------


def test_reliability_bins_hold_predictions_by_confidence():
    # given four cases predicted at confidences 0.3 (wrong), 0.96 (right), 0.99 (wrong), 1.0 (right)
    scores = ExtractionScores()
    for confidence, value in ((0.3, "9"), (0.96, "10"), (0.99, "8"), (1.0, "10")):
        scores.add(None, {"total_amount": "10.00"}, {"total_amount": (value, confidence)}, [])
    # when binned
    bins = {(r["low"], r["high"]): r for r in scores.reliability()}
    # then each lands in its half-open bin, and 1.0 in the last, closed one
    assert bins[(0.0, 0.5)]["n"] == 1 and bins[(0.0, 0.5)]["accuracy"] == 0.0
    assert bins[(0.95, 0.99)]["n"] == 1 and bins[(0.95, 0.99)]["accuracy"] == 1.0
    assert bins[(0.99, 1.0)]["n"] == 2 and bins[(0.99, 1.0)]["accuracy"] == 0.5
    assert bins[(0.99, 1.0)]["mean_confidence"] == pytest.approx(0.995)
    assert bins[(0.5, 0.7)] == {
        "low": 0.5,
        "high": 0.7,
        "n": 0,
        "accuracy": None,
        "mean_confidence": None,
    }
    assert sum(r["n"] for r in bins.values()) == 4
    # and a threshold counts what reaches it
    assert scores.share_right_at(0.95) == (3, pytest.approx(2 / 3))
    assert scores.share_right_at(0.995) == (1, 1.0)


def test_a_missing_prediction_has_no_confidence_to_bin():
    scores = scored({"total_amount": "10"}, {"total_amount": (None, 0.0)})
    assert sum(r["n"] for r in scores.reliability()) == 0


# --- lines ---------------------------------------------------------------------------------------


def test_duplicate_lines_pair_one_to_one():
    # given two identical truth lines and a third with the same amount but another quantity
    truth = [
        a_line("100.00", "Widget", "1"),
        a_line("100.00", "Widget", "1"),
        a_line("100.00", "Gadget", "2"),
    ]
    # and predictions in another order, one of them twice too many
    predicted = [
        a_line("100", "Gadget", "2"),
        a_line("100.0", "Widget", "1"),
        a_line("100", "Widget", "1.00"),
        a_line("100", "Widget", "1"),
    ]
    # when matched
    pairs = match_lines(predicted, truth)
    # then each truth line is matched once, the gadgets together, the widgets in order
    assert pairs == [(0, 2), (1, 0), (2, 1)]


def test_lines_match_on_amount_and_stated_quantity():
    truth = [a_line("50.00", "Frakt", "2")]
    assert match_lines([a_line("50", "Frakt", "3")], truth) == []
    assert match_lines([a_line("50.01", "Frakt", "2")], truth) == []
    assert match_lines([a_line("50", "Frakt")], truth) == [(0, 0)]  # no quantity: amount decides
    assert match_lines([a_line(None, "Frakt", "2")], truth) == []


def test_line_precision_recall_and_key_accuracy():
    # given three truth lines and three predicted: two matchable, one with a made-up amount
    truth = {
        "lines": [
            a_line(
                "1000.00",
                "Architecte Junior (Facturation sur Feuilles de Temps)",
                "2",
                unit="Heures",
            ),
            a_line("112.00", "Restaurant", "14", unit_price="8.00"),
            a_line("9800.00", "Dépôt", "98"),
        ]
    }
    predicted = [
        a_line("1000", "Architecte Junior (Facturation sur Feuilles de Tenps)", "2", unit="heures"),
        a_line("112", "Hotel", "14", unit_price="8.5"),
        a_line("5.00", "Dépôt", "98"),
    ]
    scores = scored(truth, {}, predicted)
    lines = scores.line_scores()
    # then two of three are matched either way
    assert (lines["precision"], lines["recall"]) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert lines["f1"] == pytest.approx(2 / 3)
    # and on matched lines an OCR slip in a long description is right, another item is wrong
    assert lines["keys"]["description"] == {"n": 2, "correct": 1, "accuracy": 0.5}
    assert lines["keys"]["unit"] == {"n": 1, "correct": 1, "accuracy": 1.0}
    assert lines["keys"]["unit_price"] == {"n": 1, "correct": 0, "accuracy": 0.0}
    assert lines["keys"]["amount"]["correct"] == 2
    assert "vat_rate" not in lines["keys"]  # nobody recorded it
    fields = {error["field"] for error in scores.errors}
    assert fields == {"lines[1].description", "lines[1].unit_price", "lines"}


def test_lines_are_not_scored_when_the_truth_does_not_record_them():
    scores = scored({"currency": "EUR"}, {"currency": ("EUR", 1.0)}, [a_line("5")])
    assert scores.line_scores()["predicted"] == 0
    assert scores.line_scores()["precision"] is None


def test_predicted_lines_against_no_truth_lines_are_all_wrong():
    scores = scored({"lines": []}, {}, [a_line("5")])
    assert scores.line_scores()["precision"] == 0.0


# --- report --------------------------------------------------------------------------------------


def test_the_report_is_aligned_tables_and_json_has_the_same_figures():
    scores = ExtractionScores()
    scores.add(
        None,
        {"invoice_number": "1", "total_amount": "10", "lines": [a_line("10")]},
        {"invoice_number": ("1", 0.97), "total_amount": ("11", 0.6)},
        [a_line("10")],
    )
    report = format_report(scores, "zugferd", fields=["total_amount", "invoice_number", "kid"])
    lines = report.splitlines()
    assert lines[0] == "zugferd (1 invoices)"
    field_lines = lines[2:6]
    assert field_lines[0].split() == ["field", "n", "right", "accuracy", "missing", "false+"]
    assert field_lines[2].split() == ["total_amount", "1", "0", "0.0%", "0", "0"]
    assert field_lines[3].split() == ["invoice_number", "1", "1", "100.0%", "0", "0"]
    assert len({len(line) for line in field_lines}) == 1  # every row as wide as the header
    assert "0.95-0.99" in report
    data = scores.to_json()
    assert data["cases"] == 1
    assert data["lines"]["f1"] == 1.0
    assert data["errors"] == [
        {"name": None, "field": "total_amount", "predicted": "11", "truth": "10"}
    ]
