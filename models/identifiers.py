"""Norwegian organisation and VAT numbers as they are printed on invoices.

Suppliers print the same number as ``923 609 016``, ``923609016`` or ``NO 923 609 016 MVA``; the
rest of Bilag only ever stores the nine digits, so everything that reads one goes through
:func:`normalize_org_number`. The MOD11 check is python-stdnum's, not ours.
"""

from stdnum.no import orgnr
from stdnum.util import clean

# Digit-group separators seen in printed numbers: space, no-break space, thin and narrow no-break
# space, dot and hyphen.
_SEPARATORS = " \u00a0\u2009\u202f.-"


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
