"""Which supplier in the company's register an invoice comes from.

Identifiers decide before names, in the order of how much they prove: the org number is the
supplier's legal identity, a VAT id is the same identity for VAT, a bank account is where the
money goes, and a name is only text that resembles another. A weaker signal never overrides a
stronger one that disagrees with the register, and every decision carries a human-readable note,
so an AP clerk can see why an invoice landed on a supplier or why it did not.

Pure: the caller loads the register once into :class:`SupplierRegister` and asks it per invoice.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz, process

# A name must be at least this similar (rapidfuzz 0-100) to count, and this much more similar
# than the best other supplier: "Nordic Bygg AS" must not land on "Nordisk Bygg AS" by a hair.
NAME_THRESHOLD = 90.0
NAME_MARGIN = 5.0

# Stripped from names before comparing: "Acme AS" and "ACME A/S" are the same supplier, and a
# legal form shared by half the register would only inflate similarity.
_LEGAL_FORMS = frozenset(
    {
        *("as", "asa", "nuf"),  # Norway
        *("ab", "publ"),  # Sweden
        "aps",  # Denmark ("A/S" becomes "as")
        *("oy", "oyj"),  # Finland
        *("gmbh", "ag"),  # Germany, Austria, Switzerland
        *("ltd", "limited", "plc", "inc", "llc"),  # English-speaking
        *("sa", "sarl", "sas"),  # France
        "bv",  # Netherlands
    }
)
_NORWEGIAN_VAT = re.compile(r"(?:NO)?(\d{9})MVA")
_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True)
class KnownSupplier:
    """A supplier in the company's register, with the identifiers on file."""

    id: str
    name: str
    org_number: str | None = None
    vat_number: str | None = None
    bank_accounts: frozenset[str] = frozenset()  # compact BBAN digits or IBANs


@dataclass(frozen=True)
class SupplierEvidence:
    """What extraction read off the invoice, already normalised; None means not found."""

    name: str | None = None
    org_number: str | None = None
    vat_number: str | None = None
    bank_account: str | None = None
    iban: str | None = None


@dataclass(frozen=True)
class SupplierIdentification:
    """The outcome, with the reason in ``notes``.

    ``supplier_id`` None with ``proposed_new`` True: nothing in the register matched, so the
    caller may propose a new supplier from the evidence. ``supplier_id`` None with
    ``proposed_new`` False: an identifier is on file for several suppliers (duplicates in the
    register), and a human must choose rather than a third copy be created. ``score`` is 1.0 for
    an identifier match, the name similarity (0-1) for a name match and 0.0 otherwise.
    """

    supplier_id: str | None
    matched_by: str | None  # "org_number" | "vat_number" | "bank_account" | "name"
    score: float
    proposed_new: bool
    bank_account_changed: bool
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Evidence:
    """The evidence reduced to lookup keys."""

    org: str | None
    vat: str | None
    vat_org: str | None
    accounts: dict[str, str]  # lookup key -> account as it appeared in the evidence


@dataclass(frozen=True)
class _OnFile:
    """A register supplier's identifiers reduced to lookup keys."""

    org: str | None
    vat: str | None
    accounts: frozenset[str]


class SupplierRegister:
    """A register indexed once by every identifier, so each invoice costs dict lookups.

    Each index is built on the first lookup that needs it: most invoices are settled by the org
    number, so the name index (the slowest to build) is often never needed.
    """

    def __init__(self, suppliers: Iterable[KnownSupplier]) -> None:
        self._suppliers = tuple(suppliers)
        self._on_file: dict[int, _OnFile] = {}

    def __len__(self) -> int:
        return len(self._suppliers)

    @cached_property
    def _by_org(self) -> dict[str, list[int]]:
        """Org number -> suppliers, including the org number inside a Norwegian VAT id."""
        index: dict[str, list[int]] = {}
        for position, supplier in enumerate(self._suppliers):
            org = _org_key(supplier.org_number) if supplier.org_number else None
            vat_org = _org_of_vat(_vat_key(supplier.vat_number)) if supplier.vat_number else None
            for key in dict.fromkeys((org, vat_org)):
                if key:
                    index.setdefault(key, []).append(position)
        return index

    @cached_property
    def _by_vat(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = {}
        for position, supplier in enumerate(self._suppliers):
            if supplier.vat_number:
                index.setdefault(_vat_key(supplier.vat_number), []).append(position)
        return index

    @cached_property
    def _by_account(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = {}
        for position, supplier in enumerate(self._suppliers):
            for account in supplier.bank_accounts:
                index.setdefault(_account_key(account), []).append(position)
        return index

    @cached_property
    def _names(self) -> list[str]:
        return [normalize_supplier_name(supplier.name) for supplier in self._suppliers]

    def _file(self, index: int) -> _OnFile:
        """One supplier's identifiers as lookup keys, computed when a candidate needs them."""
        if index not in self._on_file:
            supplier = self._suppliers[index]
            vat = _vat_key(supplier.vat_number) if supplier.vat_number else None
            org = _org_key(supplier.org_number) if supplier.org_number else _org_of_vat(vat)
            accounts = frozenset(_account_key(account) for account in supplier.bank_accounts)
            self._on_file[index] = _OnFile(org, vat, accounts)
        return self._on_file[index]

    def identify(self, evidence: SupplierEvidence) -> SupplierIdentification:
        """The register's supplier for this evidence, trying org, VAT, account, then name."""
        if not self._suppliers:
            return _new(["the supplier register is empty"])
        keys = _keys(evidence)
        notes: list[str] = []
        if keys.org and keys.org in self._by_org:
            found = self._by_org[keys.org]
            return self._matched(found, "org_number", f"org number {keys.org}", keys, notes)
        if keys.vat:
            found = _union(self._by_vat.get(keys.vat), self._by_org.get(keys.vat_org or ""))
            found = self._agreeing(found, keys, f"VAT number {keys.vat}", notes)
            if found:
                return self._matched(found, "vat_number", f"VAT number {keys.vat}", keys, notes)
        owners = _union(*(self._by_account.get(key) for key in keys.accounts))
        if len(owners) > 1:
            notes.append(f"bank account is on file for several suppliers: {self._list(owners)}")
        else:
            found = self._agreeing(owners, keys, "bank account", notes)
            if found:
                return self._matched(found, "bank_account", "bank account", keys, notes)
        if evidence.name:
            return self._by_name(evidence.name, keys, notes)
        if not (keys.org or keys.vat or keys.accounts):
            notes.append("no supplier name or identifier was read from the invoice")
        return _new(notes)

    def _by_name(self, name: str, keys: _Evidence, notes: list[str]) -> SupplierIdentification:
        query = normalize_supplier_name(name)
        hits = self._similar_names(query) if query else []
        if not hits or hits[0][1] < NAME_THRESHOLD:
            notes.append(f"no supplier name is {NAME_THRESHOLD:.0f}% similar to {name!r}")
            return _new(notes)
        (_, score, index), runner_up = hits[0], hits[1:]
        if runner_up and score - runner_up[0][1] < NAME_MARGIN:
            indices = [index, runner_up[0][2]]
            notes.append(f"name {name!r} is about equally similar to {self._list(indices)}")
            return _new(notes)
        if conflicts := self._disagreements(index, keys):
            supplier = self._suppliers[index]
            notes.append(
                f"name {name!r} resembles {_label(supplier)}, but the invoice's "
                f"{' and '.join(conflicts)}: not the same supplier"
            )
            return _new(notes)
        reason = f"name {name!r} ({score:.0f}% similar)"
        return self._matched([index], "name", reason, keys, notes, score / 100)

    def _similar_names(self, query: str) -> list[tuple[str, float, int]]:
        """The two most similar names in the register, best first, as (name, score, index)."""
        return process.extract(
            query,
            self._names,
            scorer=fuzz.token_sort_ratio,
            limit=2,
            score_cutoff=NAME_THRESHOLD - NAME_MARGIN,
        )

    def _agreeing(
        self, indices: Sequence[int], keys: _Evidence, found_by: str, notes: list[str]
    ) -> list[int]:
        """The suppliers whose org and VAT on file do not contradict the evidence."""
        agreeing = []
        for index in indices:
            if conflicts := self._disagreements(index, keys):
                supplier = self._suppliers[index]
                notes.append(
                    f"{found_by} is on file for {_label(supplier)}, but the invoice's "
                    f"{' and '.join(conflicts)}: not matched"
                )
            else:
                agreeing.append(index)
        return agreeing

    def _disagreements(self, index: int, keys: _Evidence) -> list[str]:
        org, vat = self._file(index).org, self._file(index).vat
        conflicts = []
        evidence_org = keys.org or keys.vat_org
        if evidence_org and org and evidence_org != org:
            conflicts.append(f"org number {evidence_org} differs from {org} on file")
        elif keys.vat_org and org and keys.vat_org != org:
            conflicts.append(f"VAT number {keys.vat} is not for org number {org} on file")
        elif keys.vat and vat and keys.vat != vat and not (keys.vat_org and keys.vat_org == org):
            conflicts.append(f"VAT number {keys.vat} differs from {vat} on file")
        return conflicts

    def _matched(
        self,
        indices: Sequence[int],
        matched_by: str,
        reason: str,
        keys: _Evidence,
        notes: list[str],
        score: float = 1.0,
    ) -> SupplierIdentification:
        if len(indices) > 1:
            holders = [i for i in indices if keys.accounts.keys() & self._file(i).accounts]
            if len(holders) != 1:
                notes.append(f"{reason} is on file for several suppliers: {self._list(indices)}")
                return SupplierIdentification(None, None, 0.0, False, False, tuple(notes))
            indices = holders
        index = indices[0]
        notes.append(f"matched {_label(self._suppliers[index])} by {reason}")
        notes.extend(self._unconfirmed(index, keys))
        changed = self._account_changed(index, keys, notes)
        supplier_id = self._suppliers[index].id
        return SupplierIdentification(supplier_id, matched_by, score, False, changed, tuple(notes))

    def _unconfirmed(self, index: int, keys: _Evidence) -> list[str]:
        """Notes for evidence identifiers that disagree with, or are missing from, the file."""
        supplier, notes = self._suppliers[index], []
        if conflicts := self._disagreements(index, keys):
            notes.append(f"check {_label(supplier)}: the invoice's {' and '.join(conflicts)}")
        if keys.org and not self._file(index).org:
            notes.append(f"org number {keys.org} is not on file for {_label(supplier)}")
        return notes

    def _account_changed(self, index: int, keys: _Evidence, notes: list[str]) -> bool:
        """True when the supplier has accounts on file and the invoice pays elsewhere (fraud)."""
        supplier, on_file = self._suppliers[index], self._file(index).accounts
        if not keys.accounts:
            return False
        if not on_file:
            printed = ", ".join(keys.accounts.values())
            notes.append(
                f"bank account {printed} is unverified: none on file for {_label(supplier)}"
            )
            return False
        unknown = {key: printed for key, printed in keys.accounts.items() if key not in on_file}
        for key, printed in unknown.items():
            owners = [other for other in self._by_account.get(key, ()) if other != index]
            whose = f"; it is on file for {self._list(owners)}" if owners else ""
            notes.append(f"bank account {printed} is not on file for {_label(supplier)}{whose}")
        return bool(unknown)

    def _list(self, indices: Iterable[int]) -> str:
        return ", ".join(_label(self._suppliers[index]) for index in indices)


def identify_supplier(
    evidence: SupplierEvidence, register: Sequence[KnownSupplier]
) -> SupplierIdentification:
    """One-shot :meth:`SupplierRegister.identify`; keep a ``SupplierRegister`` to ask often."""
    return SupplierRegister(register).identify(evidence)


def normalize_supplier_name(name: str) -> str:
    """A name reduced to what tells suppliers apart: casefolded, no punctuation or legal form.

    Dots, slashes and apostrophes are dropped rather than spaced so "A/S" and "S.A." become the
    legal forms "as" and "sa". A name that is nothing but legal forms ("SAS AB") keeps them, or
    it would match every other such name.
    """
    words = re.findall(r"[^\W_]+", re.sub(r"[./'\u2019]", "", name.casefold()))
    kept = [word for word in words if word not in _LEGAL_FORMS]
    return " ".join(kept or words)


def _keys(evidence: SupplierEvidence) -> _Evidence:
    vat = _vat_key(evidence.vat_number) if evidence.vat_number else None
    accounts = {
        _account_key(printed): printed
        for printed in (evidence.bank_account, evidence.iban)
        if printed
    }
    org = _org_key(evidence.org_number) if evidence.org_number else None
    return _Evidence(org, vat, _org_of_vat(vat), accounts)


def _compact(text: str) -> str:
    # Register values are usually compact already; skipping the regex halves indexing time.
    return text.upper() if text.isalnum() else _SEPARATORS.sub("", text).upper()


def _org_key(org_number: str) -> str:
    return _compact(org_number).removeprefix("NO").removesuffix("MVA")


def _vat_key(vat_number: str) -> str:
    """Norwegian VAT ids in their ``NO…MVA`` form, so "923609016MVA" finds "NO923609016MVA"."""
    compact = _compact(vat_number)
    if match := _NORWEGIAN_VAT.fullmatch(compact):
        return f"NO{match[1]}MVA"
    return compact


def _org_of_vat(vat: str | None) -> str | None:
    """The org number inside a Norwegian VAT id; foreign ids carry none we could look up."""
    match = _NORWEGIAN_VAT.fullmatch(vat) if vat else None
    return match[1] if match else None


def _account_key(account: str) -> str:
    """A Norwegian IBAN (NO + 2 check digits + 11-digit BBAN) is keyed by its BBAN."""
    compact = _compact(account)
    if len(compact) == 15 and compact.startswith("NO") and compact[2:].isdigit():
        return compact[4:]
    return compact


def _union(*groups: Sequence[int] | None) -> list[int]:
    return list(dict.fromkeys(index for group in groups if group for index in group))


def _new(notes: list[str]) -> SupplierIdentification:
    return SupplierIdentification(None, None, 0.0, True, False, tuple(notes))


def _label(supplier: KnownSupplier) -> str:
    return f"{supplier.name} ({supplier.id})"
