"""Nordic and European identifiers as they are printed on invoices.

Suppliers print the same number as ``923 609 016``, ``923609016`` or ``NO 923 609 016 MVA``; the
rest of Bilag only ever stores the compact canonical form, so everything that reads one goes
through a ``normalize_*`` function here. Each takes the printed text and answers None unless the
check digits hold, so an extractor can offer every number-shaped fragment and keep only the real
ones. The checks are python-stdnum's wherever it has one.
"""

import re
from collections.abc import Callable
from functools import lru_cache
from itertools import combinations

from stdnum import bic, iban, luhn, numdb
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.gb import vat as gb_vat
from stdnum.no import kontonr, orgnr
from stdnum.util import clean

# Digit-group separators seen in printed numbers: space, no-break space, thin and narrow no-break
# space, dot and hyphen.
_SEPARATORS = " \u00a0\u2009\u202f.-"
_SPACES = " \u00a0\u2009\u202f"

# Labels printed in front of a number; stripped so a whole "IBAN: NO93 ..." fragment can be
# passed as it was read. Each is matched case-insensitively at the start, with a ":" after it.
_KID_LABEL = r"kid(?:[-\s]?(?:nr|no|nummer)\.?)?"
_ACCOUNT_LABEL = r"(?:bank)?konto(?:nr|nummer)?\.?|account(?:\s*(?:no|nr|number)\.?)?"
_IBAN_LABEL = r"iban(?:[-\s]?(?:nr|no)\.?)?"
_BIC_LABEL = r"(?:bic|swift)(?:\s*[-/]?\s*(?:bic|swift))?(?:[-\s]?(?:code|kode|adresse))?"
_VAT_LABEL = (
    r"(?:org\.?\s*nr|mva[-\s]?nr|moms(?:reg)?\.?\s*nr|vat(?:\s*reg\.?)?(?:\s*(?:no|nr|number|id))?"
    r"|ust[-\s.]?id[-\s.]?nr|n°\s*tva|tva(?:\s+intracom\w*)?|btw(?:[-\s]?nr)?)\.?"
)

_KID_SHAPE = re.compile(r"\d{1,24}[\d-]")
# VAT prefixes that are not the ISO 3166 code of their country (Greece, Northern Ireland).
_VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}

# What OCR engines read instead of a digit, and the digit meant.
_LOOKALIKES = {
    **dict.fromkeys("OoDQ", "0"),
    **dict.fromkeys("lIi|!", "1"),
    **dict.fromkeys("Zz", "2"),
    **dict.fromkeys("Ss$", "5"),
    **dict.fromkeys("Gb", "6"),
    "T": "7",
    "B": "8",
    **dict.fromkeys("gq", "9"),
    "A": "4",
}
# The longest identifier (an IBAN) has 34 characters; more candidate positions than that means
# the text is not one identifier, and the search would only slow down.
_MAX_REPAIR_POSITIONS = 34


def normalize_org_number(text: str) -> str | None:
    """The nine digits of an organisation or VAT number, or None unless the checksum holds.

    Returning None rather than raising lets extractors try every number-shaped fragment and keep
    only real ones: roughly one random nine-digit number in eleven passes MOD11, so the check is
    what separates an org number from an account, phone or invoice number.
    """
    compact = clean(text, _SEPARATORS).upper()
    compact = compact.removeprefix("NO").removesuffix("MVA")
    if len(compact) != 9 or not compact.isdigit() or not orgnr.is_valid(compact):
        return None
    return compact


def vat_number_for(org_number: str) -> str:
    """The VAT id (``NO…MVA``) a VAT-registered company prints and EHF invoices carry.

    Raises ``ValueError`` for a number that fails the checksum, so an invalid VAT id is never
    built from a typo.
    """
    return f"NO{orgnr.validate(org_number)}MVA"


def normalize_kid(text: str) -> str | None:
    """A Norwegian KID payment reference (2 to 25 characters), or None unless a check digit holds.

    A KID ends in either a MOD10 (Luhn) or a MOD11 check digit, and which one is the payee's
    agreement with its bank, so either is accepted; MOD11 writes a check value of 10 as "-",
    which is kept because the bank needs the reference exactly. Only spaces are separators: a
    hyphen inside a number is more likely a range or a date than a grouped KID. python-stdnum
    2.2 has no KID module, hence the MOD11 weights below. Roughly one random number in five
    passes one of the two checks, so a KID should still be read next to its label.
    """
    compact = clean(_strip_label(text, _KID_LABEL), _SPACES)
    if not _KID_SHAPE.fullmatch(compact):
        return None
    if compact[-1] != "-" and luhn.is_valid(compact):
        return compact
    return compact if _kid_mod11_check_digit(compact[:-1]) == compact[-1] else None


def _kid_mod11_check_digit(payload: str) -> str:
    total = sum(int(digit) * (2 + i % 6) for i, digit in enumerate(reversed(payload)))
    check = (11 - total % 11) % 11
    return "-" if check == 10 else str(check)


def normalize_bank_account(text: str) -> str | None:
    """The 11 digits of a Norwegian bank account ("1503.12.34567"), or None unless MOD11 holds."""
    compact = clean(_strip_label(text, _ACCOUNT_LABEL), _SEPARATORS)
    if len(compact) != 11 or not compact.isdigit() or not kontonr.is_valid(compact):
        return None
    return compact


def normalize_iban(text: str) -> str | None:
    """An IBAN of any country in upper case without spaces, or None unless it validates.

    Beyond MOD97 this checks the country's BBAN layout and, where python-stdnum knows one, the
    national check digit (for Norway the account's MOD11).
    """
    compact = clean(_strip_label(text, _IBAN_LABEL), _SEPARATORS).upper()
    try:
        return str(iban.validate(compact))
    except ValidationError:
        return None


def normalize_bic(text: str) -> str | None:
    """A BIC / SWIFT code (8 or 11 characters, upper case), or None when it may be a word.

    The ISO 9362 shape alone does not separate a BIC from an upper-case heading: "RECHNUNG",
    "BETALING", "BANKGIRO" and "PLUSGIRO" all have four letters, a real country code (Niue,
    Liechtenstein, Gibraltar) and two more letters. So a code must have the shape, a valid
    ISO 3166 country, and at least one sign that it is a code and not a word:

    * it was printed after a "BIC" or "SWIFT" label in ``text`` (pass "BIC: DNBANOKK"), or
    * its location or branch holds a digit ("UBSWCHZH80A"), or
    * its branch is "XXX", the primary-office branch no word ends with.

    Without a label it must also have been printed in upper case: banks print BICs in capitals,
    while a lower- or mixed-case "Betaling" is always a word. The consequence for extractors: an
    all-letter eight-character code such as "DNBANOKK" is only believed next to its label.
    """
    body = text.strip()
    stripped = _strip_label(body, _BIC_LABEL)
    labelled = stripped != body
    code = clean(stripped, _SPACES + "-")
    if not bic.is_valid(code):
        return None
    upper = code.upper()
    looks_like_code = any(char.isdigit() for char in upper[6:]) or upper[8:] == "XXX"
    if not labelled and not (looks_like_code and code == upper):
        return None
    return upper


def normalize_vat_number(text: str) -> str | None:
    """A VAT id in compact form with its country prefix, or None unless it validates.

    Norwegian ids come back as ``NO…MVA``. "MVA" is what makes one: it is the legal marker of
    VAT registration, so "923609016 MVA" counts but a bare "NO923609016" does not. EU ids
    (including Greek "EL" and Northern Irish "XI") are checked by python-stdnum's ``eu.vat`` and
    British ones by ``gb.vat``.
    """
    compact = clean(_strip_label(text, _VAT_LABEL), _SEPARATORS).upper()
    compact = compact.removesuffix("FORETAKSREGISTERET")
    if compact.endswith("MVA") or compact.startswith("NO"):
        org_number = compact.removeprefix("NO").removesuffix("MVA")
        if not compact.endswith("MVA") or len(org_number) != 9 or not org_number.isdigit():
            return None
        return f"NO{org_number}MVA" if orgnr.is_valid(org_number) else None
    try:
        if compact.startswith("GB"):
            return f"GB{gb_vat.validate(compact)}"
        return str(eu_vat.validate(compact))
    except ValidationError:
        return None


def vat_country(vat_number: str) -> str:
    """The ISO 3166 country of a VAT id: "NO", "DE", and "GR" for a Greek "EL…" id.

    Raises ``ValueError`` for text that is not a valid VAT id, since a country read off an
    invalid id would decide VAT treatment (reverse charge or not) on a typo.
    """
    compact = normalize_vat_number(vat_number)
    if compact is None:
        raise ValueError(f"not a valid VAT id: {vat_number!r}")
    prefix = compact[:2]
    return _VAT_PREFIX_COUNTRY.get(prefix, prefix)


def repair_ocr_digits(
    text: str, normalize: Callable[[str], str | None], max_changes: int = 2
) -> tuple[str, int] | None:
    """The identifier ``normalize`` finds in OCR text, repairing letters read for digits.

    Returns ``(value, changes)``: 0 changes when the text is valid as read. Otherwise look-alike
    characters (O for 0, l for 1, S for 5, B for 8, ...) are replaced by their digit in every
    combination of up to ``max_changes`` positions, and a repair is kept when the check digits
    then hold. A check digit catches one wrong digit, but with several repairs allowed two
    readings can each pass by chance; when two *different* values validate, None is returned,
    since paying the wrong account is worse than asking a human.

    Only positions where a digit belongs are touched: for an IBAN (``normalize_iban``) the
    country code never is, and the rest only where the country's BBAN layout allows a digit; for
    all-digit identifiers, a look-alike is only replaced when every letter of its word is a
    look-alike too, so "NO", "MVA", "KID" and "Org.nr" stay as printed.
    """
    if (value := normalize(text)) is not None:
        return value, 0
    positions = _iban_positions(text) if normalize is normalize_iban else _digit_positions(text)
    if len(positions) > _MAX_REPAIR_POSITIONS:
        return None
    repairs: dict[str, int] = {}
    for changes in range(1, max_changes + 1):
        for chosen in combinations(positions, changes):
            chars = list(text)
            for position in chosen:
                chars[position] = _LOOKALIKES[text[position]]
            value = normalize("".join(chars))
            if value is not None:
                repairs.setdefault(value, changes)
                if len(repairs) > 1:
                    return None
    if len(repairs) != 1:
        return None
    return next(iter(repairs.items()))


def _digit_positions(text: str) -> list[int]:
    positions: list[int] = []
    for word in re.finditer(r"[^\W\d_]+|[|!$]+", text):
        if all(char in _LOOKALIKES for char in word[0]):
            positions.extend(range(word.start(), word.end()))
    return positions


def _iban_positions(text: str) -> list[int]:
    start = len(text) - len(_strip_label(text, _IBAN_LABEL))
    indices = [i for i in range(start, len(text)) if text[i] not in _SEPARATORS]
    if len(indices) < 4:
        return []
    layout = "nn" + _bban_layout(text[indices[0]] + text[indices[1]])
    return [
        index
        for index, kind in zip(indices[2:], layout, strict=False)
        if kind in "nc" and text[index] in _LOOKALIKES
    ]


@lru_cache(maxsize=128)
def _bban_layout(country: str) -> str:
    """One letter per BBAN position, "n" digit, "a" letter or "c" either: "4!a2!n" → "aaaann"."""
    info = numdb.get("iban").info(country.upper())[0][1]
    return "".join(
        kind * int(count) for count, kind in re.findall(r"(\d+)!([nac])", info.get("bban", ""))
    )


def _strip_label(text: str, label: str) -> str:
    # The look-ahead keeps a label from eating the start of a code: "BICSFRPP" is a BIC, and the
    # "no" of "IBAN no9386011117947" is Norway's country code.
    pattern = rf"^\s*(?:{label})(?![^\W_])\s*:?\s*"
    return re.sub(pattern, "", text, count=1, flags=re.IGNORECASE)
