"""`bilag bench matching`: the generated cases, their verdicts, and the command's figures."""

import json
from collections import defaultdict

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.evaluate import matching_bench
from api.evaluate.matching_bench import (
    CASE_KINDS,
    generate_company,
    run_matching_bench,
)
from models.matching.duplicates import normalise_invoice_number
from models.matching.records import InvoiceMatch, MatchOutcome, MatchReason

runner = CliRunner()
SMALL = {"invoices": 300, "po_lines": 3_000, "suppliers": 30, "seed": 1}


@pytest.fixture(scope="module")
def report():
    return run_matching_bench(**SMALL)


def test_every_generated_case_gets_its_expected_outcome_and_reasons(report):
    details = [
        (r.document.kind, r.document.step, r.outcome.value, sorted(r.reason_codes))
        for r in report.wrong
    ]
    assert details == []
    assert report.invoices == 300 and report.po_lines == 3_000


def test_the_small_run_covers_every_case_kind_outcome_and_reason(report):
    kinds = {row["kind"]: row["count"] for row in report.by_kind()}
    assert all(kinds[kind.name] > 0 for kind in CASE_KINDS), kinds
    documents = [result.document for result in report.results]
    assert {d.expected_outcome for d in documents} == set(MatchOutcome)
    assert set().union(*(d.expected_reasons for d in documents)) == set(MatchReason)


def test_generation_is_deterministic_and_cases_share_no_po_line():
    company = generate_company(**SMALL)
    assert company == generate_company(**SMALL)
    assert company.po_lines == 3_000 and len(company.documents) == 300

    cases_by_item = defaultdict(set)
    for document in company.documents:
        for line in document.invoice.lines:
            if line.item_code and not line.item_code.startswith("X-"):
                cases_by_item[line.item_code].add(document.case)
    assert cases_by_item
    assert all(len(cases) == 1 for cases in cases_by_item.values())


def test_only_the_re_sends_repeat_an_invoice_number_of_their_supplier():
    company = generate_company(**SMALL)
    seen = defaultdict(list)
    for document in company.documents:
        fingerprint = document.fingerprint
        key = (fingerprint.supplier_key, fingerprint.document_type)
        seen[key, normalise_invoice_number(fingerprint.invoice_number)].append(document)
    repeated = [docs for docs in seen.values() if len(docs) > 1]
    assert repeated
    for first, *again in repeated:
        assert first.step == "invoice" and [d.step for d in again] == ["re-send"]
        assert {first.kind, *(d.kind for d in again)} == {"duplicate"}


def test_the_command_prints_the_figures_as_json():
    arguments = "bench matching --invoices 200 --po-lines 2000 --suppliers 20 --seed 3 --json"
    result = runner.invoke(app, arguments.split())

    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["invoices"] == 200 and figures["po_lines"] == 2_000
    assert figures["correct"] == 200 and figures["wrong"] == 0 and figures["mismatches"] == []
    for key in (
        "generation_seconds",
        "matching_seconds",
        "matching_cpu_seconds",
        "invoices_per_second",
        "ms_per_invoice_mean",
        "ms_per_invoice_p99",
        "lines_per_invoice",
    ):
        assert figures[key] > 0, key
    confusion = figures["confusion"]
    assert set(confusion) == {outcome.value for outcome in MatchOutcome}
    assert sum(sum(row.values()) for row in confusion.values()) == 200
    assert sum(confusion[outcome][outcome] for outcome in confusion) == 200
    assert sum(row["count"] for row in figures["by_kind"]) == 200
    assert all(row["correct"] == row["count"] for row in figures["by_kind"])


def test_the_command_exits_1_and_shows_the_misses_when_verdicts_are_wrong(monkeypatch):
    def never_matches(invoice, orders, tolerances, *, po_required=False):
        return InvoiceMatch(MatchOutcome.NOT_PO_BACKED, None, ())

    monkeypatch.setattr(matching_bench, "match_invoice_to_orders", never_matches)
    result = runner.invoke(
        app, ["bench", "matching", "--invoices", "60", "--po-lines", "600", "--suppliers", "10"]
    )

    assert result.exit_code == 1
    assert "expected \\ actual" in result.stdout and "case kind" in result.stdout
    assert "missed their expected outcome or reasons; the first 10:" in result.stdout
    assert "expected matched {}, got not_po_backed {}" in result.stdout


def test_too_few_po_lines_for_the_cases_is_refused():
    result = runner.invoke(app, ["bench", "matching", "--invoices", "100", "--po-lines", "10"])

    assert result.exit_code == 2
    assert "too few" in result.output
