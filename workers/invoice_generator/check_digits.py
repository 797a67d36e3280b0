"""Random Norwegian identifiers that pass the same checks a real one passes.

An extractor that validates what it reads (MOD11 org numbers, MOD11 accounts, MOD10/MOD11 KIDs,
MOD97 IBANs) would throw away a synthetic number with a wrong check digit, so the generator must
never print one. Numbers whose check digit would be "10" do not exist and are drawn again.
python-stdnum checks the results; it has no Norwegian KID module, so the KID check digits are
computed here with the Luhn (MOD10) and MOD11 rules the banks publish.
"""

import random

from stdnum import luhn
from stdnum.no import kontonr, orgnr

_ORG_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
_ACCOUNT_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_KID_MOD11_WEIGHTS = (2, 3, 4, 5, 6, 7)


def _mod11_check(body: str, weights: tuple[int, ...]) -> int:
    """The MOD11 check digit; 10 means the body has no valid check digit."""
    total = sum(weight * int(digit) for weight, digit in zip(weights, body, strict=True))
    return (11 - total % 11) % 11


def random_org_number(rng: random.Random) -> str:
    """A nine-digit organisation number; real ones start with 8 or 9, so these do too."""
    while True:
        body = str(rng.choice((8, 9))) + "".join(str(rng.randrange(10)) for _ in range(7))
        check = _mod11_check(body, _ORG_WEIGHTS)
        if check < 10:
            number = f"{body}{check}"
            assert orgnr.is_valid(number)
            return number


def random_bank_account(rng: random.Random, bank_code: str) -> str:
    """An eleven-digit account number at the bank with the four-digit ``bank_code``."""
    while True:
        body = bank_code + "".join(str(rng.randrange(10)) for _ in range(6))
        check = _mod11_check(body, _ACCOUNT_WEIGHTS)
        if check < 10:
            number = f"{body}{check}"
            assert kontonr.is_valid(number)
            return number


def norwegian_iban(bank_account: str) -> str:
    """The IBAN of a Norwegian account, compact: ``NO`` + two MOD97 check digits + 11 digits."""
    return kontonr.to_iban(bank_account)


def kid_mod10_check_digit(body: str) -> str:
    return luhn.calc_check_digit(body)


def kid_mod11_check_digit(body: str) -> str:
    """The KID MOD11 check digit: weights 2..7 repeating from the right; "-" when it is 10."""
    weights = tuple(_KID_MOD11_WEIGHTS[i % 6] for i in range(len(body)))
    total = sum(w * int(d) for w, d in zip(weights, reversed(body), strict=True))
    check = (11 - total % 11) % 11
    return "-" if check == 10 else str(check)


def random_kid(rng: random.Random, customer_number: str, invoice_digits: str) -> str:
    """A KID of 6-25 digits built the way invoicing systems build them, from the customer and
    invoice numbers zero-padded to a fixed length, with a MOD10 or MOD11 check digit.

    A MOD11 KID whose check would be "-" is re-drawn with one more digit, so every KID here is
    all digits (the truth format says digits, and a dash KID is rare in practice)."""
    length = rng.choice((6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 20, 25))
    use_mod11 = rng.random() < 0.4
    while True:
        body = (customer_number + invoice_digits.zfill(7)).zfill(length - 1)[-(length - 1) :]
        check = kid_mod11_check_digit(body) if use_mod11 else kid_mod10_check_digit(body)
        if check != "-":
            return body + check
        length = length + 1 if length < 25 else 6
