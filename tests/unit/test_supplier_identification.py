import time
from dataclasses import replace

import pytest
from stdnum.no import orgnr

from models.supplier_identification import (
    KnownSupplier,
    SupplierEvidence,
    SupplierRegister,
    identify_supplier,
    normalize_supplier_name,
)

ORG_A = "923609016"
ORG_B = "974760673"
ORG_UNKNOWN = "988077917"
ACCOUNT_A = "86011117947"
IBAN_A = "NO9386011117947"
ACCOUNT_B = "15030000037"
ACCOUNT_UNKNOWN = "15030000029"


def a_supplier(**overrides) -> KnownSupplier:
    defaults = KnownSupplier(
        id="acme",
        name="Acme Kontorrekvisita AS",
        org_number=ORG_A,
        vat_number=None,
        bank_accounts=frozenset({ACCOUNT_A}),
    )
    return replace(defaults, **overrides)


def another_supplier(**overrides) -> KnownSupplier:
    defaults = KnownSupplier(
        id="fjord",
        name="Fjordkraft Energi AS",
        org_number=ORG_B,
        vat_number=None,
        bank_accounts=frozenset({ACCOUNT_B}),
    )
    return replace(defaults, **overrides)


def evidence(**found) -> SupplierEvidence:
    return SupplierEvidence(**found)


def register(*suppliers: KnownSupplier) -> list[KnownSupplier]:
    return list(suppliers) or [a_supplier(), another_supplier()]


# --- order of identifiers -----------------------------------------------------------------------


def test_org_number_identifies_the_supplier():
    # given an invoice showing supplier A's org number
    # when the supplier is identified
    result = identify_supplier(evidence(org_number=ORG_A), register())
    # then it is A, by org number, with full certainty
    assert result.supplier_id == "acme"
    assert result.matched_by == "org_number"
    assert result.score == 1.0
    assert not result.proposed_new
    assert not result.bank_account_changed
    assert any("org number 923609016" in note for note in result.notes)


def test_org_number_decides_over_vat_number_account_and_name():
    # given an invoice with A's org number but B's VAT number, account and name
    found = evidence(
        org_number=ORG_A,
        vat_number=f"NO{ORG_B}MVA",
        bank_account=ACCOUNT_B,
        name="Fjordkraft Energi AS",
    )
    # when the supplier is identified
    result = identify_supplier(found, register())
    # then it is A, and the disagreeing VAT number is pointed out
    assert (result.supplier_id, result.matched_by) == ("acme", "org_number")
    assert any(f"NO{ORG_B}MVA" in note for note in result.notes)


def test_norwegian_vat_number_identifies_by_its_org_number():
    # given an invoice showing only A's Norwegian VAT number, and A on file with its org number
    # when the supplier is identified
    result = identify_supplier(evidence(vat_number=f"NO{ORG_A}MVA"), register())
    # then it is A, by VAT number
    assert (result.supplier_id, result.matched_by) == ("acme", "vat_number")


def test_norwegian_vat_number_on_file_is_found_by_org_number():
    # given A on file with only its VAT number, and an invoice showing only its org number
    suppliers = register(a_supplier(org_number=None, vat_number=f"NO {ORG_A} MVA"))
    # when the supplier is identified
    result = identify_supplier(evidence(org_number=ORG_A), suppliers)
    # then it is A
    assert (result.supplier_id, result.matched_by) == ("acme", "org_number")


def test_foreign_vat_number_matches_the_vat_number_on_file():
    # given a German supplier on file with its VAT id and no org number
    german = a_supplier(id="de", name="Muster GmbH", org_number=None, vat_number="DE136695976")
    # when an invoice with that VAT id is identified
    result = identify_supplier(evidence(vat_number="DE136695976"), register(german))
    # then it is the German supplier, by VAT number
    assert (result.supplier_id, result.matched_by) == ("de", "vat_number")


def test_vat_number_decides_over_account_and_name():
    # given an invoice with a Swedish supplier's VAT id but B's account and name
    swedish = a_supplier(id="se", org_number=None, vat_number="SE556677889901")
    found = evidence(
        vat_number="SE556677889901", bank_account=ACCOUNT_B, name="Fjordkraft Energi AS"
    )
    # when the supplier is identified
    result = identify_supplier(found, register(swedish, another_supplier()))
    # then it is the Swedish supplier, and the account is flagged as B's
    assert (result.supplier_id, result.matched_by) == ("se", "vat_number")
    assert result.bank_account_changed


def test_bank_account_identifies_when_no_org_or_vat_number_was_read():
    # given an invoice showing only A's account
    # when the supplier is identified
    result = identify_supplier(evidence(bank_account=ACCOUNT_A), register())
    # then it is A, by bank account
    assert (result.supplier_id, result.matched_by) == ("acme", "bank_account")
    assert result.score == 1.0
    assert not result.bank_account_changed


def test_bank_account_decides_over_name():
    # given an invoice with A's account but B's name
    found = evidence(bank_account=ACCOUNT_A, name="Fjordkraft Energi AS")
    # when the supplier is identified
    result = identify_supplier(found, register())
    # then it is A
    assert (result.supplier_id, result.matched_by) == ("acme", "bank_account")


def test_norwegian_iban_on_the_invoice_finds_the_account_on_file():
    # given A on file with its 11-digit account and an invoice showing the IBAN for it
    # when the supplier is identified
    result = identify_supplier(evidence(iban=IBAN_A), register())
    # then the IBAN's BBAN finds A, and the account is not reported as changed
    assert (result.supplier_id, result.matched_by) == ("acme", "bank_account")
    assert not result.bank_account_changed


def test_norwegian_account_on_the_invoice_finds_the_iban_on_file():
    # given A on file with its IBAN and an invoice showing the 11-digit account
    suppliers = register(a_supplier(bank_accounts=frozenset({IBAN_A})), another_supplier())
    # when the supplier is identified
    result = identify_supplier(evidence(bank_account=ACCOUNT_A), suppliers)
    # then it is A
    assert (result.supplier_id, result.matched_by) == ("acme", "bank_account")
    assert not result.bank_account_changed


def test_foreign_iban_matches_the_iban_on_file():
    # given a German supplier on file with its IBAN
    german = a_supplier(id="de", bank_accounts=frozenset({"DE89370400440532013000"}))
    # when an invoice showing the IBAN in groups is identified
    result = identify_supplier(evidence(iban="DE89 3704 0044 0532 0130 00"), register(german))
    # then it is the German supplier
    assert (result.supplier_id, result.matched_by) == ("de", "bank_account")


def test_name_identifies_when_no_identifier_was_read():
    # given an invoice showing only A's name, spelled with a different legal form and case
    # when the supplier is identified
    result = identify_supplier(evidence(name="ACME KONTORREKVISITA A/S"), register())
    # then it is A by name, with the similarity as score
    assert (result.supplier_id, result.matched_by) == ("acme", "name")
    assert result.score == pytest.approx(1.0)


def test_slightly_misread_name_still_identifies():
    # given an invoice where OCR dropped a letter from A's name
    # when the supplier is identified
    result = identify_supplier(evidence(name="Acme Kontorrekvisia AS"), register())
    # then it is A by name, with a score below 1 but above the threshold
    assert (result.supplier_id, result.matched_by) == ("acme", "name")
    assert 0.9 <= result.score < 1.0


# --- a name never overrides an identifier -------------------------------------------------------


def test_name_never_overrides_a_disagreeing_org_number():
    # given an invoice with A's name but an org number that is not A's
    found = evidence(name="Acme Kontorrekvisita AS", org_number=ORG_UNKNOWN)
    # when the supplier is identified
    result = identify_supplier(found, register())
    # then nothing is matched, a new supplier is proposed, and the conflict is explained
    assert result.supplier_id is None
    assert result.matched_by is None
    assert result.proposed_new
    assert any(ORG_UNKNOWN in note and ORG_A in note for note in result.notes)


def test_name_never_overrides_a_disagreeing_vat_number():
    # given a Swedish supplier on file and an invoice with its name but a Danish VAT id
    swedish = a_supplier(id="se", name="Svensk Papper AB", org_number=None)
    swedish = replace(swedish, vat_number="SE556677889901")
    found = evidence(name="Svensk Papper AB", vat_number="DK12345674")
    # when the supplier is identified
    result = identify_supplier(found, register(swedish))
    # then nothing is matched and the conflict is explained
    assert result.supplier_id is None
    assert result.proposed_new
    assert any("DK12345674" in note and "SE556677889901" in note for note in result.notes)


def test_name_matches_a_supplier_with_no_org_number_on_file_and_says_so():
    # given A on file without an org number, and an invoice with its name and an org number
    suppliers = register(a_supplier(org_number=None))
    found = evidence(name="Acme Kontorrekvisita AS", org_number=ORG_UNKNOWN)
    # when the supplier is identified
    result = identify_supplier(found, suppliers)
    # then A is matched by name, and the org number is noted as not on file
    assert (result.supplier_id, result.matched_by) == ("acme", "name")
    assert any(ORG_UNKNOWN in note and "not on file" in note for note in result.notes)


def test_account_does_not_identify_a_supplier_whose_org_number_disagrees():
    # given an invoice from an unknown org number that shows A's account
    found = evidence(org_number=ORG_UNKNOWN, bank_account=ACCOUNT_A)
    # when the supplier is identified
    result = identify_supplier(found, register())
    # then A is not matched, and the note says whose account it is
    assert result.supplier_id is None
    assert result.proposed_new
    assert any("Acme" in note and ORG_UNKNOWN in note for note in result.notes)


# --- bank account changes -----------------------------------------------------------------------


def test_account_of_another_supplier_is_flagged_as_changed():
    # given an invoice with A's org number and B's bank account (the classic fraud)
    found = evidence(org_number=ORG_A, bank_account=ACCOUNT_B)
    # when the supplier is identified
    result = identify_supplier(found, register())
    # then it is still A, the account is flagged, and the note names whose account it is
    assert (result.supplier_id, result.matched_by) == ("acme", "org_number")
    assert result.bank_account_changed
    assert any(ACCOUNT_B in note and "Fjordkraft" in note for note in result.notes)


def test_unknown_account_is_flagged_as_changed():
    # given an invoice with A's org number and an account nobody has on file
    found = evidence(org_number=ORG_A, bank_account=ACCOUNT_UNKNOWN)
    # when the supplier is identified
    result = identify_supplier(found, register())
    # then it is A and the account is flagged
    assert result.supplier_id == "acme"
    assert result.bank_account_changed
    assert any(ACCOUNT_UNKNOWN in note for note in result.notes)


def test_one_unknown_account_among_known_ones_is_flagged():
    # given an invoice with A's account and also an IBAN nobody has on file
    found = evidence(org_number=ORG_A, bank_account=ACCOUNT_A, iban="DE89370400440532013000")
    # when the supplier is identified
    result = identify_supplier(found, register())
    # then the unknown IBAN is enough to flag a change
    assert result.bank_account_changed


def test_account_on_file_is_not_flagged():
    # given an invoice with A's org number and A's account
    found = evidence(org_number=ORG_A, bank_account=ACCOUNT_A, iban=IBAN_A)
    # when the supplier is identified
    result = identify_supplier(found, register())
    # then nothing is flagged
    assert not result.bank_account_changed


def test_account_of_supplier_with_none_on_file_is_unverified_not_changed():
    # given A on file without accounts, and an invoice with its org number and an account
    suppliers = register(a_supplier(bank_accounts=frozenset()))
    found = evidence(org_number=ORG_A, bank_account=ACCOUNT_UNKNOWN)
    # when the supplier is identified
    result = identify_supplier(found, suppliers)
    # then it is not a change, but the account is noted as unverified
    assert result.supplier_id == "acme"
    assert not result.bank_account_changed
    assert any("unverified" in note and ACCOUNT_UNKNOWN in note for note in result.notes)


# --- names that do not decide -------------------------------------------------------------------


def test_two_nearly_equal_names_are_not_guessed_between():
    # given two suppliers whose names differ by one letter
    suppliers = register(
        a_supplier(id="nordisk", name="Nordisk Bygg AS", org_number=None),
        another_supplier(id="nordiske", name="Nordiske Bygg AS", org_number=None),
    )
    # when an invoice with one of the names is identified
    result = identify_supplier(evidence(name="Nordisk Bygg AS"), suppliers)
    # then neither is chosen, and both are named
    assert result.supplier_id is None
    assert result.proposed_new
    assert any("nordisk" in note and "nordiske" in note for note in result.notes)


def test_same_name_with_different_legal_forms_is_ambiguous():
    # given a Norwegian and a Swedish company with the same name
    suppliers = register(
        a_supplier(id="no", name="Nordic Tools AS", org_number=None),
        another_supplier(id="se", name="Nordic Tools AB", org_number=None),
    )
    # when an invoice with the name is identified
    result = identify_supplier(evidence(name="Nordic Tools"), suppliers)
    # then neither is chosen
    assert result.supplier_id is None


def test_clearly_best_name_wins_over_a_distant_runner_up():
    # given one supplier with the exact name and one with a name about 88% similar
    suppliers = register(
        a_supplier(id="exact", name="Bergen Rørlegger AS", org_number=None),
        another_supplier(id="near", name="Bergens Rørleggere AS", org_number=None),
    )
    # when an invoice with the exact name is identified
    result = identify_supplier(evidence(name="Bergen Rørlegger AS"), suppliers)
    # then the exact one is chosen
    assert (result.supplier_id, result.matched_by) == ("exact", "name")


def test_dissimilar_name_proposes_a_new_supplier():
    # given an invoice from a supplier not in the register
    # when the supplier is identified
    result = identify_supplier(evidence(name="Helt Ukjent Firma AS"), register())
    # then a new supplier is proposed
    assert result.supplier_id is None
    assert result.proposed_new
    assert result.score == 0.0


# --- edges ----------------------------------------------------------------------------------------


def test_empty_register_proposes_a_new_supplier():
    # given no suppliers on file
    # when an invoice is identified
    result = identify_supplier(evidence(org_number=ORG_A, name="Acme AS"), [])
    # then a new supplier is proposed
    assert result.supplier_id is None
    assert result.proposed_new


def test_no_evidence_matches_nothing_and_says_so():
    # given nothing read off the invoice
    # when the supplier is identified
    result = identify_supplier(evidence(), register())
    # then nothing matches and the note says why
    assert result.supplier_id is None
    assert result.proposed_new
    assert result.notes


def test_org_number_on_file_twice_is_narrowed_by_the_account():
    # given two register entries with A's org number but different accounts
    suppliers = register(a_supplier(), a_supplier(id="acme-2", bank_accounts=frozenset()))
    # when an invoice with the org number and A's account is identified
    result = identify_supplier(evidence(org_number=ORG_A, bank_account=ACCOUNT_A), suppliers)
    # then the entry holding the account is chosen
    assert result.supplier_id == "acme"


def test_org_number_on_file_twice_without_a_decider_is_left_to_a_human():
    # given two register entries with A's org number
    suppliers = register(a_supplier(), a_supplier(id="acme-2"))
    # when an invoice with only the org number is identified
    result = identify_supplier(evidence(org_number=ORG_A), suppliers)
    # then neither is chosen, and no third copy is proposed
    assert result.supplier_id is None
    assert not result.proposed_new
    assert any("acme-2" in note for note in result.notes)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Acme Kontorrekvisita AS", "acme kontorrekvisita"),
        ("ACME A/S", "acme"),
        ("Acme ApS", "acme"),
        ("Muster GmbH & Co. KG", "muster co kg"),
        ("Société Générale S.A.", "société générale"),
        ("Oy Hartwall Ab", "hartwall"),
        ("Ericsson AB (publ)", "ericsson"),
        ("Acme Ltd.", "acme"),
        ("SAS AB", "sas ab"),
    ],
)
def test_supplier_names_are_compared_without_case_punctuation_or_legal_form(name, expected):
    # given a supplier name as printed
    # when it is normalised
    result = normalize_supplier_name(name)
    # then only what tells suppliers apart remains (a name of legal forms only is kept)
    assert result == expected


# --- a large register ---------------------------------------------------------------------------


def an_org_number(serial: int) -> str | None:
    """A valid org number from eight serial digits, or None when no check digit exists."""
    base = f"{10_000_000 + serial:08d}"
    check = (11 - orgnr.checksum(base + "0")) % 11
    return None if check == 10 else f"{base}{check}"


def a_large_register(size: int) -> list[KnownSupplier]:
    syllables = ["ber", "gen", "nor", "dis", "kraft", "lund", "vik", "sol", "holm", "stad"]
    suppliers = []
    for i in range(size):
        first, second = divmod(i, 1000)
        name = " ".join(
            "".join(syllables[int(digit)] for digit in f"{part:03d}") for part in (first, second)
        )
        name = f"{name.title()} AS"
        account = frozenset({f"{15_000_000_000 + i:011d}"})
        suppliers.append(KnownSupplier(str(i), name, an_org_number(i), None, account))
    return suppliers


def test_a_register_of_fifty_thousand_suppliers_answers_quickly():
    # given a register of 50,000 suppliers indexed once
    suppliers = a_large_register(50_000)
    target = next(s for s in reversed(suppliers) if s.org_number)
    indexed = SupplierRegister(suppliers)
    indexed.identify(evidence(org_number="000000000", name="warm up the indexes"))
    # when a hundred invoices are identified by org number, account and name
    started = time.perf_counter()
    for _ in range(100):
        assert indexed.identify(evidence(org_number=target.org_number)).supplier_id == target.id
        by_account = evidence(bank_account=next(iter(target.bank_accounts)))
        assert indexed.identify(by_account).supplier_id == target.id
    by_name = indexed.identify(evidence(name=target.name))
    elapsed = time.perf_counter() - started
    # then each takes well under a millisecond and a name search well under a second
    assert by_name.supplier_id == target.id
    assert elapsed < 1.0
    # and the one-shot function, which indexes the register on each call, is still usable
    started = time.perf_counter()
    assert identify_supplier(evidence(org_number=target.org_number), suppliers).supplier_id
    assert time.perf_counter() - started < 2.0
