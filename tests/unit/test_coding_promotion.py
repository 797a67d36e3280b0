"""The promotion rule: a retrained coding model is put in use only when it is not worse."""

from ml.coding.promotion import is_not_worse


def held_out(top1: float) -> dict[str, float | int | None]:
    return {"lines": 120, "top1": top1, "top3": 1.0, "threshold": 0.9, "coverage": 0.8}


def test_the_first_model_is_always_promoted():
    promoted, reason = is_not_worse({"account": held_out(0.5)}, None)
    assert promoted
    assert "no model in use" in reason


def test_a_model_as_good_or_better_on_every_target_is_promoted():
    old = {"account": held_out(0.90), "vat_code": held_out(0.97)}
    new = {"account": held_out(0.93), "vat_code": held_out(0.97)}
    promoted, reason = is_not_worse(new, old)
    assert promoted
    assert "account 0.930 vs 0.900" in reason


def test_a_drop_within_the_tolerance_is_noise_not_a_regression():
    promoted, _ = is_not_worse({"account": held_out(0.895)}, {"account": held_out(0.90)})
    assert promoted


def test_a_drop_past_the_tolerance_on_one_target_keeps_the_old_model():
    old = {"account": held_out(0.90), "vat_code": held_out(0.97)}
    new = {"account": held_out(0.95), "vat_code": held_out(0.95)}
    promoted, reason = is_not_worse(new, old)
    assert not promoted
    assert "vat_code 0.950 vs 0.970" in reason
    assert "account" not in reason


def test_the_tolerance_can_be_tightened():
    promoted, _ = is_not_worse({"account": held_out(0.899)}, {"account": held_out(0.90)}, 0.0)
    assert not promoted


def test_only_targets_both_versions_measured_are_compared():
    # the old model had too little history to hold out department lines; the new one has no
    # project model at all; neither can make the new one "worse"
    old = {"account": held_out(0.90), "department": None, "project": held_out(0.99)}
    new = {"account": held_out(0.91), "department": held_out(0.40), "vat_code": held_out(0.5)}
    promoted, reason = is_not_worse(new, old)
    assert promoted
    assert "department" not in reason and "project" not in reason


def test_registry_keys_beside_the_targets_are_ignored():
    old = {"account": held_out(0.90), "promoted": True, "reason": "first", "learned_seq": 10}
    new = {"account": held_out(0.90)}
    assert is_not_worse(new, old)[0]


def test_nothing_in_common_means_nothing_to_be_worse_than():
    promoted, reason = is_not_worse({"account": None}, {"account": held_out(0.9)})
    assert promoted
    assert "no target measured" in reason
