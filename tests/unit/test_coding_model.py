"""The coding model's pure parts: memory, ranking, calibration, threshold, artifacts, replay."""

import csv
import gzip
import json
import pickle
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from api.coding_command import coding_app
from ml.coding.artifact import load_coding_model, save_coding_model
from ml.coding.auto_accept import threshold_for_precision
from ml.coding.calibration import ShareCalibration
from ml.coding.coding_model import CodingModel
from ml.coding.examples import CodingExample, Posting, amount_bucket, normalised_name, supplier_key
from ml.coding.memory import SupplierMemory
from ml.coding.ranker import RANKER_FEATURES
from ml.coding.replay import replay_history
from ml.coding.schedule import RetrainSchedule
from ml.coding.target_model import TargetModel

START = date(2025, 1, 1)


def _example(supplier: str, amount: str, day: int = 0, description: str = "") -> CodingExample:
    return CodingExample(
        posting_date=START + timedelta(days=day),
        supplier_key=f"id:{supplier}",
        supplier_name=supplier,
        description=description,
        amount=Decimal(amount),
        currency="NOK",
    )


def _history(lines: int, seed: int = 7) -> list[Posting]:
    """Suppliers with habits: most always one account; one codes rent apart from repairs;
    one changes its account halfway; one is coded anyhow; one-off suppliers whose name says
    what they sell."""
    rng = random.Random(seed)
    suppliers = {
        "Telenor Norge AS": "6900",
        "Elkjøp Bedrift": "6540",
        "Statoil Fuel": "7000",
        "Rema 1000 Kantine": "7350",
        "Konsulenthuset Rådgivning": "6700",
    }
    words = {"Mobil": "6900", "Hotell": "7140", "Drivstoff": "7000"}
    postings = []
    for i in range(lines):
        day = i // 5
        choice = rng.random()
        amount = f"{rng.randint(200, 5000)}.00"
        if choice < 0.5:
            name = rng.choice(list(suppliers))
            account = suppliers[name]
        elif choice < 0.65:
            name = "Eiendom Utleie AS"
            rent = rng.random() < 0.7
            amount = "25000.00" if rent else f"{rng.randint(900, 4000)}.00"
            account = "6300" if rent else "6600"
        elif choice < 0.8:
            name = "Byttet Konto AS"
            account = "6800" if i < lines // 2 else "6810"
        elif choice < 0.9:
            name = "Blandet Innkjøp AS"
            account = rng.choice(["4000", "4010", "4020", "4030", "4040"])
        else:
            word = rng.choice(list(words))
            name = f"{word} Nr {i} AS"
            account = words[word]
        coding = {"account": account, "department": "200" if account < "6700" else "300"}
        postings.append(Posting(_example(name, amount, day), coding, reference=f"row-{i}"))
    return postings


def test_memory_prefers_the_recent_value_of_a_supplier_that_changed() -> None:
    memory = SupplierMemory()
    for day in range(10):
        memory.learn(_example("A", "100", day), "6800")
    memory.learn(_example("A", "100", 11), "6810")
    candidates = memory.candidates(_example("A", "120", 12))
    assert candidates[0] == "6810"
    assert set(candidates) == {"6800", "6810"}


def test_memory_remembers_exact_amounts_apart() -> None:
    memory = SupplierMemory()
    for day in range(6):
        memory.learn(_example("Landlord", "25000", day), "6300")
        memory.learn(_example("Landlord", "1200", day), "6600")
    assert memory.candidates(_example("Landlord", "25000", 9))[0] == "6300"
    assert memory.candidates(_example("Landlord", "1200", 9))[0] == "6600"


def test_threshold_is_the_widest_set_at_target_precision() -> None:
    probabilities = [0.99] * 100 + [0.8] * 100 + [0.5] * 100
    correct = [True] * 99 + [False] + [True] * 97 + [False] * 3 + [True] * 50 + [False] * 50
    chosen = threshold_for_precision(probabilities, correct, 0.98)
    assert chosen.threshold == 0.8
    assert chosen.coverage == 200 / 300
    assert chosen.precision == 196 / 200
    assert threshold_for_precision(probabilities, correct, 0.999).threshold is None
    assert threshold_for_precision([0.9] * 10, [True] * 10, 0.98).threshold is None


def test_target_model_ranks_habits_and_learns_online() -> None:
    postings = _history(2000)
    model = TargetModel("account").fit(
        [p.example for p in postings], [p.coding["account"] for p in postings]
    )
    assert model.held_out is not None and model.held_out.top1 > 0.9
    assert model.rank(_example("Telenor Norge AS", "499", 500)).top == "6900"
    assert model.rank(_example("Eiendom Utleie AS", "25000.00", 500)).top == "6300"
    switched = model.rank(_example("Byttet Konto AS", "500.00", 500))
    assert switched.top == "6810"
    ranked = model.rank(_example("Statoil Fuel", "800", 500))
    assert sum(ranked.probabilities) <= 1.0 + 1e-9
    assert ranked.probabilities == sorted(ranked.probabilities, reverse=True)
    # one confirmed posting changes the next answer, with no retraining
    for day in range(3):
        model.learn(_example("Telenor Norge AS", "499", 501 + day), "6910")
    assert model.rank(_example("Telenor Norge AS", "499", 505)).top == "6910"


def test_an_unknown_supplier_is_coded_from_its_name() -> None:
    postings = _history(2000)
    model = TargetModel("account").fit(
        [p.example for p in postings], [p.coding["account"] for p in postings]
    )
    for word, account in (("Hotell", "7140"), ("Drivstoff", "7000")):
        stranger = CodingExample(START, "id:new", f"{word} Nye AS", "", Decimal("900"), "NOK")
        assert model.rank(stranger).top == account


def test_suggestions_carry_probabilities_explanations_and_auto_accept() -> None:
    postings = _history(2000)
    model = CodingModel().fit(postings)
    assert set(model.targets) == {"account", "department"}
    suggestion = model.suggest(_example("Telenor Norge AS", "450.00", 500))["account"]
    assert suggestion.value == "6900"
    assert 0 < suggestion.probability <= 1
    assert suggestion.alternatives[0] == ("6900", suggestion.probability)
    assert len(suggestion.explanation) == 3
    assert {p["coding"]["account"] for p in suggestion.explanation} == {"6900"}
    assert all(p["supplier_name"] == "Telenor Norge AS" for p in suggestion.explanation)
    assert suggestion.threshold is not None
    assert suggestion.auto_accept == (suggestion.probability >= suggestion.threshold)
    metrics = model.metrics()["account"]
    assert metrics is not None and metrics["lines"] == 200


def test_a_weak_suggestion_abstains() -> None:
    model = CodingModel().fit(_history(2000))
    suggestion = model.suggest(_example("Blandet Innkjøp AS", "1000.00", 500))["account"]
    assert suggestion.value is None and suggestion.abstained
    assert suggestion.probability < model.policy.abstain_below
    assert not suggestion.auto_accept
    assert suggestion.alternatives[0][0] in {"4000", "4010", "4020", "4030", "4040"}


def test_artifact_round_trip_and_stale_files_are_refused(tmp_path: Path) -> None:
    model = CodingModel().fit(_history(400))
    path = tmp_path / "coding.pkl"
    save_coding_model(model, path)
    assert not (tmp_path / "coding.pkl.part").exists()
    loaded = load_coding_model(path)
    assert loaded is not None
    example = _example("Statoil Fuel", "700", 90)
    assert loaded.suggest(example)["account"].value == model.suggest(example)["account"].value
    with path.open("wb") as handle:
        pickle.dump({"format": 1, "sklearn": "0.1", "kind": "coding"}, handle)
        pickle.dump(model, handle)
    assert load_coding_model(path) is None
    path.write_bytes(b"not a model")
    assert load_coding_model(path) is None
    assert load_coding_model(tmp_path / "missing.pkl") is None


def test_replay_beats_the_baselines_and_reports_every_figure() -> None:
    postings = _history(3000)
    examples = [p.example for p in postings]
    values = [p.coding["account"] for p in postings]
    seen = []
    result = replay_history(
        examples,
        values,
        2400,
        "account",
        schedule=RetrainSchedule(min_new_rows=250, new_share=0.05),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert (result.n_train, result.n_test) == (2400, 600)
    assert result.retrains == 2
    assert seen[-1] == (600, 600)
    assert result.top1 >= result.baseline_last_used.top1
    assert result.top1 > result.baseline_most_frequent.top1
    assert result.top3 >= result.top1
    assert result.predict_ms_per_row > 0
    report = result.as_dict()
    for key in ("coverage_at_98", "precision_at_98", "train_seconds", "baseline_last_used"):
        assert key in report


def test_schedule_retrains_in_proportion_to_the_data() -> None:
    schedule = RetrainSchedule(min_new_rows=500, new_share=0.05)
    assert not schedule.due(1000, 499)
    assert schedule.due(1000, 500)
    assert not schedule.due(100_000, 4999)
    assert schedule.due(100_000, 5000)


def test_names_buckets_and_keys() -> None:
    assert normalised_name("Bygg-Service  AS.") == "bygg service as"
    assert normalised_name("Rådgivning") == "radgivning"
    assert amount_bucket(Decimal("100")) == amount_bucket(Decimal("110"))
    assert amount_bucket(Decimal("100")) != amount_bucket(Decimal("1000"))
    assert amount_bucket(Decimal("-100")) == -amount_bucket(Decimal("100"))
    assert supplier_key("S1", "923609016", "X") == "id:S1"
    assert supplier_key(None, "923609016", "X") == "org:923609016"
    assert supplier_key(None, None, "Bygg AS") == "name:bygg as"


def test_every_candidate_row_has_every_named_feature() -> None:
    postings = _history(600)
    model = TargetModel("account").fit(
        [p.example for p in postings], [p.coding["account"] for p in postings]
    )
    example = _example("Eiendom Utleie AS", "25000.00", 200)
    rows = model.rows(example, model.text_probabilities([example])[0])
    assert rows.values and all(len(row) == len(RANKER_FEATURES) for row in rows.features)


def test_coding_eval_command_prints_one_json_object(tmp_path: Path) -> None:
    history = tmp_path / "history.csv.gz"
    with gzip.open(history, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "supplier_id", "supplier_name", "amount", "account", "extra"])
        for posting in _history(1500):
            example = posting.example
            writer.writerow(
                [
                    example.posting_date.isoformat(),
                    example.supplier_key.removeprefix("id:"),
                    example.supplier_name,
                    str(example.amount),
                    posting.coding["account"],
                    "ignored",
                ]
            )
        writer.writerow(["2031-13-01", "S1", "Bad date", "1", "6000", ""])
    runner = CliRunner()
    result = runner.invoke(
        coding_app, ["eval", "--history", str(history), "--test-fraction", "0.2"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert (report["n_train"], report["n_test"], report["rows_rejected"]) == (1200, 300, 1)
    assert report["top1"] >= report["baseline_last_used"]["top1"]
    for key in ("top3", "coverage_at_98", "precision_at_98", "train_seconds", "predict_ms_per_row"):
        assert key in report
    late = runner.invoke(
        coding_app, ["eval", "--history", str(history), "--test-from", "2030-01-01"]
    )
    assert late.exit_code == 1
    assert "leaves 1500 training and 0 test rows" in late.output


def test_one_line_is_scored_as_in_a_batch() -> None:
    postings = _history(1000)
    model = TargetModel("account").fit(
        [p.example for p in postings], [p.coding["account"] for p in postings]
    )
    lines = [p.example for p in postings[:40]] + [_example("Helt Ukjent Leverandør", "1")]
    together = model.text_probabilities(lines)
    for line, row in zip(lines, together, strict=True):
        alone = model.text_probabilities([line])[0]
        assert alone == pytest.approx(row, abs=1e-5)


def test_a_suppliers_first_line_is_never_applied_unseen() -> None:
    model = CodingModel().fit(_history(2000))
    known = model.suggest(_example("Telenor Norge AS", "450.00", 500))["account"]
    assert known.auto_accept
    stranger = model.suggest(_example("Hotell Helt Ny AS", "1500.00", 500))["account"]
    assert stranger.value == "7140"
    assert not stranger.auto_accept


def test_small_held_out_slices_give_smooth_probabilities_never_certainty() -> None:
    shares = [0.9] * 40 + [0.6] * 40 + [0.1] * 80 + [0.02] * 40
    hits = [True] * 80 + [False] * 120  # perfectly separated, as a small clean history is
    calibrated = ShareCalibration().fit(shares, hits)(np.array([0.95, 0.6, 0.3, 0.05]))
    assert all(0 < p < 1 for p in calibrated)
    assert list(calibrated) == sorted(calibrated, reverse=True)
    large = ShareCalibration().fit(shares * 30, hits * 30)(np.array([0.95, 0.05]))
    assert list(large) == [1.0, 0.0]  # thousands of lines: isotonic, as measured
