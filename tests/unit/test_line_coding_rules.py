"""When an invoice's coding is complete, what its case says, and which supplier identity the
coding model is asked about."""

from models.coding import (
    CODING_CASE,
    TargetState,
    is_correction,
    posting_row_key,
    unconfirmed_reason,
    undecided,
)
from workers.coding_service import choose_supplier_identity

ORG = "923609016"


def test_a_document_is_complete_when_every_value_is_decided_and_every_line_has_an_account():
    states = [
        TargetState(1, "account", "auto_accepted"),
        TargetState(1, "vat_code", "confirmed"),
        TargetState(2, "account", "confirmed"),
    ]
    assert undecided(states, [1, 2]) == []


def test_proposals_nobody_accepted_and_lines_without_an_account_stay_open():
    states = [
        TargetState(1, "account", "suggested"),
        TargetState(1, "vat_code", "abstained"),
        TargetState(2, "vat_code", "confirmed"),
    ]
    assert undecided(states, [1, 2]) == [(1, "account"), (1, "vat_code"), (2, "account")]


def test_codings_of_lines_the_invoice_no_longer_has_do_not_count():
    states = [TargetState(3, "account", "suggested"), TargetState(1, "account", "confirmed")]
    assert undecided(states, [1]) == []


def test_the_case_says_how_many_lines_and_values_need_a_person():
    (reason,) = unconfirmed_reason([(1, "account"), (1, "vat_code"), (2, "account")])
    assert reason.code == CODING_CASE
    assert "2 line(s)" in reason.message and "3 value(s)" in reason.message
    assert reason.detail["open"][0] == {"line_number": 1, "target": "account"}
    assert unconfirmed_reason([]) == []
    (whole,) = unconfirmed_reason([(0, "account")])
    assert "the invoice as a whole" in whole.message


def test_a_correction_is_a_value_other_than_the_one_that_stood():
    assert is_correction("6540", "6800")
    assert not is_correction("6540", "6540")
    assert not is_correction(None, "6540")  # the model abstained: nothing to correct


def test_a_lines_posting_key_names_the_document_and_line():
    assert posting_row_key("abc", 2) == "doc:abc:line:2"


def test_an_unknown_supplier_is_known_by_its_org_number_as_bilags_own_postings_store_it():
    identity = choose_supplier_identity([], ORG, ["Fjordlys Elektro AS"])
    assert (identity.key, identity.supplier_id) == (f"id:{ORG}", ORG)
    nameless = choose_supplier_identity([], None, ["Fjordlys Elektro AS"])
    assert (nameless.key, nameless.supplier_id) == ("name:fjordlys elektro as", None)


def test_a_supplier_the_erp_history_knows_by_name_is_asked_about_under_that_identity():
    known = [
        ("10023", "FJORDLYS ELEKTRO AS", 120),  # the ERP's own supplier id
        (None, "Fjordlys Elektro AS", 4),
        ("10099", "Fjordlys Bygg AS", 300),  # another supplier
    ]
    identity = choose_supplier_identity(known, ORG, ["Fjordlys Elektro AS"])
    assert (identity.key, identity.supplier_id) == ("id:10023", "10023")


def test_of_several_identities_the_one_with_most_postings_wins():
    known = [("10023", "Fjordlys Elektro AS", 3), (ORG, "Fjordlys Elektro AS", 40)]
    identity = choose_supplier_identity(known, ORG, ["Fjordlys Elektro AS"])
    assert identity.key == f"id:{ORG}"


def test_a_supplier_the_erp_pushed_is_known_by_its_erp_id_whatever_its_history_name():
    known = [
        ("10023", "Fjordlys El. (gml. navn)", 120),  # the ERP's id, under an old name
        ("10099", "Fjordlys Bygg AS", 300),
    ]
    identity = choose_supplier_identity(known, ORG, ["Fjordlys Elektro AS"], external_id="10023")
    assert (identity.key, identity.supplier_id) == ("id:10023", "10023")
    unlinked = choose_supplier_identity(known, ORG, ["Fjordlys Elektro AS"])
    assert unlinked.key == f"id:{ORG}"
