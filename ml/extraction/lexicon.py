"""The words invoices print before their values, in the six languages Nordic AP inboxes see.

Labels are compared as *keys*: case-folded, with spaces, dots, colons and similar punctuation
removed, so "Org. nr.:", "Org.nr" and "ORG NR" are one label. Each label carries a weight: 1.0
for a phrase that names exactly one field ("Fakturadato"), less for a generic one ("Dato",
"Total") that other fields share. Weights are priors for the scorer, not answers: the position of
the value, its checksum and the arithmetic decide between candidates.
"""

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

# field -> {label phrase: weight}. Phrases are written as printed; keys are derived below.
# fmt: off
_PHRASES: dict[str, dict[str, float]] = {
    "invoice_number": {
        # no / da / sv
        "Fakturanr": 1.0, "Fakturanummer": 1.0, "Faktura nr": 1.0, "Fakturanr.": 1.0,
        "Faktura-nr": 1.0, "Kreditnotanr": 1.0, "Kreditnota nr": 1.0, "Kreditnotanummer": 1.0,
        "Bilagsnr": 0.8, "Fakturanumre": 0.8,
        # en
        "Invoice no": 1.0, "Invoice number": 1.0, "Invoice #": 1.0, "Invoice nr": 1.0,
        "Credit note no": 1.0, "Credit note number": 1.0, "Document no": 0.7,
        # de
        "Rechnungsnummer": 1.0, "Rechnungs-Nr": 1.0, "Rechnungsnr": 1.0, "Rechnung Nr": 1.0,
        "Rechnung-Nr": 1.0, "Re-Nr": 0.9, "Gutschriftsnummer": 1.0, "Gutschrift Nr": 1.0,
        "Belegnummer": 0.8, "Beleg-Nr": 0.8, "Dokumentnummer": 0.7,
        # fr
        "Numéro de facture": 1.0, "N° de facture": 1.0, "Facture N°": 1.0, "Facture no": 1.0,
        "N° facture": 1.0, "Facture n°": 1.0, "Avoir N°": 1.0, "Facture #": 1.0,
        "Référence facture": 1.0,
        # titles that are often followed by the number on the same line
        "Faktura": 0.55, "Invoice": 0.55, "Rechnung": 0.55, "Facture": 0.6, "Kreditnota": 0.55,
        "Credit note": 0.55, "Gutschrift": 0.55, "Avoir": 0.5, "Nr": 0.3,
        "Nummer": 0.3,
    },
    "invoice_date": {
        "Fakturadato": 1.0, "Fakturadatum": 1.0, "Kreditnotadato": 1.0, "Utstedt": 0.8,
        "Invoice date": 1.0, "Date of invoice": 1.0, "Issue date": 1.0, "Date of issue": 1.0,
        "Rechnungsdatum": 1.0, "Datum der Rechnung": 1.0, "Belegdatum": 0.85,
        "Gutschriftsdatum": 1.0, "Date de facture": 1.0, "Date de facturation": 1.0,
        "Date facture": 1.0, "Date d'émission": 0.9,
        "Dato": 0.7, "Datum": 0.7, "Date": 0.7, "Dated": 0.6, "Le": 0.3, "vom": 0.5, "du": 0.4,
        "den": 0.4,
    },
    "due_date": {
        "Forfallsdato": 1.0, "Forfall": 0.95, "Forfaller": 0.95, "Betalingsfrist": 0.9,
        "Betales innen": 0.9, "Betal innen": 0.9, "Forfaldsdato": 1.0, "Förfallodatum": 1.0,
        "Förfallodag": 1.0, "Sista betalningsdag": 1.0, "Betalingsdato": 0.85,
        "Due date": 1.0, "Payment due": 1.0, "Due": 0.7, "Pay by": 0.9, "Payable by": 0.9,
        "Fälligkeitsdatum": 1.0, "Fällig am": 1.0, "Fälligkeit": 0.95, "Zahlbar bis": 1.0,
        "Zahlungsziel": 0.8, "Date d'échéance": 1.0, "Échéance": 1.0, "Date limite": 0.8,
        "Date limite de paiement": 1.0, "A payer avant le": 1.0, "Règlement avant le": 1.0,
        "Réglement avant le": 1.0, "A régler avant": 1.0, "À régler avant": 1.0,
    },
    "delivery_date": {
        "Leveringsdato": 1.0, "Levert": 0.8, "Leveransdatum": 1.0, "Leveringsdag": 1.0,
        "Leveransedato": 1.0, "Delivered": 0.8,
        "Delivery date": 1.0, "Date of delivery": 1.0, "Date of supply": 1.0,
        "Lieferdatum": 1.0, "Leistungsdatum": 1.0, "Liefertermin": 0.9,
        "Date de livraison": 1.0,
    },
    "currency": {
        "Valuta": 1.0, "Valutakode": 1.0, "Currency": 1.0, "Währung": 1.0, "Devise": 1.0,
        "Monnaie": 1.0,
    },
    "net_amount": {
        "Sum eks mva": 1.0, "Sum ekskl mva": 1.0, "Sum eksl mva": 1.0, "Totalt eks mva": 1.0,
        "Total eks mva": 1.0, "Beløp eks mva": 1.0, "Netto": 0.8, "Nettobeløp": 1.0,
        "Sum netto": 1.0, "Grunnlag": 0.7, "Mva-grunnlag": 0.85, "Avgiftsgrunnlag": 0.85,
        "Sum exkl moms": 1.0, "Belopp exkl moms": 1.0, "Netto belopp": 1.0,
        "Beløb ekskl moms": 1.0, "Subtotal": 0.85, "Sub total": 0.85, "Sum": 0.5,
        "Total excl VAT": 1.0, "Total excluding VAT": 1.0, "Amount excl VAT": 1.0,
        "Net amount": 1.0, "Net total": 1.0, "Total net": 1.0, "Net": 0.7,
        "Nettobetrag": 1.0, "Summe netto": 1.0, "Gesamt netto": 1.0, "Netto gesamt": 1.0,
        "Nettosumme": 1.0, "Summe Positionen": 0.85, "Zwischensumme": 0.7, "Warenwert": 0.85,
        "Rechnungsbetrag netto": 1.0, "Gesamtbetrag netto": 1.0, "Summe ohne MwSt": 1.0,
        "Rechnungssumme ohne USt": 1.0, "Summe ohne USt": 1.0, "Betrag ohne USt": 1.0,
        "Gesamtsumme netto": 1.0, "Positionssumme": 0.6,
        "Total HT": 1.0, "Montant HT": 1.0, "Base HT": 0.9, "Sous-total": 0.8,
        "Total hors taxes": 1.0,
        "Montant hors taxes": 1.0, "Net HT": 1.0, "Prix total HT": 0.9,
    },
    "vat_amount": {
        "MVA": 0.8, "Mva": 0.8, "Sum mva": 1.0, "Merverdiavgift": 1.0, "Totalt mva": 1.0,
        "Mva-beløp": 1.0, "Moms": 0.8, "Momsbelopp": 1.0, "Summa moms": 1.0, "Momsbeløb": 1.0,
        "VAT": 0.8, "VAT amount": 1.0, "Total VAT": 1.0, "Tax": 0.6, "Tax amount": 0.9,
        "MwSt": 0.8, "MWST": 0.8, "USt": 0.8, "Umsatzsteuer": 0.9, "Mehrwertsteuer": 0.9,
        "MwSt-Betrag": 1.0, "Summe MwSt": 1.0, "Steuerbetrag": 1.0, "Gesamt MwSt": 1.0,
        "zzgl MwSt": 0.9, "zzgl USt": 0.9, "TVA": 0.8, "Montant TVA": 1.0, "Total TVA": 1.0,
        "Taxes": 0.8, "Montant des taxes": 1.0, "VAT total": 1.0, "Tax total": 1.0,
        "USt Gesamt": 1.0, "MwSt Gesamt": 1.0, "Umsatzsteuer gesamt": 1.0, "Total MVA": 1.0,
        "Sum MVA": 1.0, "Steuerbetrag gesamt": 1.0, "Total Tax": 0.9,
        "Total merverdiavgift": 1.0,
    },
    "total_amount": {
        "Totalt": 0.8, "Total": 0.75, "Sum inkl mva": 1.0, "Totalt inkl mva": 1.0,
        "Total inkl mva": 1.0, "Beløp inkl mva": 1.0, "Totalbeløp": 0.95, "Fakturabeløp": 0.95,
        "Fakturatotal": 0.95, "Summa": 0.6, "Att betala": 0.9, "Totalt att betala": 0.95,
        "Belopp inkl moms": 1.0, "I alt": 0.8, "Total inkl moms": 1.0,
        "Total incl VAT": 1.0, "Total including VAT": 1.0, "Invoice total": 0.95,
        "Grand total": 1.0, "Total amount": 0.95, "Gross amount": 0.95,
        "Bruttobetrag": 1.0, "Bruttosumme": 1.0, "Rechnungssumme brutto": 1.0,
        "Gesamtbetrag": 0.95, "Rechnungsbetrag": 0.95, "Endbetrag": 1.0,
        "Summe brutto": 1.0, "Gesamt brutto": 1.0, "Brutto": 0.8, "Gesamtsumme": 0.95,
        "Rechnungssumme": 0.95, "Summe": 0.5, "Gesamt": 0.6,
        "Total TTC": 1.0, "Montant TTC": 1.0, "Net à payer": 0.9, "Total à payer": 0.9,
        "Montant total": 0.9,
    },
    "amount_due": {
        "Å betale": 1.0, "Beløp å betale": 1.0, "Sum å betale": 1.0, "Totalt å betale": 1.0,
        "Til betaling": 1.0, "Til gode": 0.9, "Til gode Dem": 1.0, "Å godskrive": 1.0,
        "Kreditert beløp": 1.0,
        # tesseract often reads the one-letter word "Å" with the English model, as "A"
        "A betale": 0.95, "Beløp a betale": 0.95, "Att betala": 0.8, "At betale": 1.0,
        "Amount due": 1.0, "Balance due": 1.0, "Amount payable": 1.0, "Total due": 1.0,
        "Zahlbetrag": 1.0, "Zu zahlen": 1.0, "Zahlbarer Betrag": 1.0, "Fälliger Betrag": 1.0,
        "Offener Betrag": 0.9, "Restbetrag": 0.9, "Net à payer": 1.0, "Reste à payer": 1.0,
        "Montant à payer": 1.0, "Montant total à payer": 1.0, "Montant à régler": 1.0,
        "A payer": 0.9, "À payer": 0.9,
        "Solde dû": 1.0, "Due payable": 1.0, "Payable": 0.7,
    },
    "po_number": {
        "Bestillingsnr": 1.0, "Bestillingsnummer": 1.0, "Ordrenr": 0.8, "Innkjøpsordre": 1.0,
        "Deres ordre": 0.9, "Deres ordrenr": 1.0, "Deres bestilling": 0.9, "Best nr": 0.9,
        "Beställningsnummer": 1.0, "Ert ordernr": 1.0, "Inköpsorder": 1.0, "Ordrenummer": 0.8,
        "PO": 0.9, "PO no": 1.0, "PO number": 1.0, "Purchase order": 1.0, "Your order": 0.9,
        "Order no": 0.8, "Order number": 0.8, "Bestellnummer": 1.0, "Bestell-Nr": 1.0,
        "Ihre Bestellung": 0.9, "Auftragsnummer": 0.8, "Auftrag": 0.6, "Bestellung": 0.7,
        "N° BC": 1.0, "BC#": 1.0, "BC": 0.7, "Bon de commande": 1.0, "N° de commande": 1.0,
        "Commande": 0.8,
        "Votre commande": 0.9,
    },
    "buyer_reference": {
        "Deres ref": 1.0, "Deres referanse": 1.0, "Kundens ref": 1.0, "Kundens referanse": 1.0,
        "Deres referanse nr": 1.0, "Referanse": 0.6,
        "Er referens": 1.0, "Jeres ref": 1.0, "Your ref": 1.0, "Your reference": 1.0,
        "Buyer reference": 1.0, "Customer reference": 0.9, "Customer ref": 1.0, "Ihr Zeichen": 1.0,
        "Ihre Referenz": 1.0, "Käuferreferenz": 1.0, "Leitweg-ID": 0.9,
        "Votre référence": 1.0, "Votre réf": 1.0, "Réf client": 0.9,
    },
    "kid": {
        "KID": 1.0, "KID-nr": 1.0, "KID nr": 1.0, "KID nummer": 1.0, "KID-nummer": 1.0,
        "Kundeidentifikasjon": 1.0, "Betalingsreferanse": 0.8, "OCR": 0.7, "OCR-nummer": 0.8,
        "KID no": 1.0, "KID ref": 1.0, "Payment reference (KID)": 1.0, "Bruk KID": 1.0,
        "Payment reference": 0.7,
    },
    "bank_account": {
        "Kontonr": 1.0, "Kontonummer": 1.0, "Bankkonto": 1.0, "Konto": 0.8,
        "Betal til konto": 1.0, "Til konto": 0.95, "Bankkontonr": 1.0, "Kontonr.": 1.0,
        "Account no": 0.9, "Account number": 0.9, "Bank account": 0.9, "Kontonummer hos": 0.9,
        "Bankforbindelse": 0.9, "Bank details": 0.8, "Bank": 0.6, "Bankkontonummer": 1.0,
    },
    "iban": {"IBAN": 1.0, "IBAN-nr": 1.0},
    "bic": {"BIC": 1.0, "SWIFT": 1.0, "BIC/SWIFT": 1.0, "SWIFT/BIC": 1.0, "SWIFT-kode": 1.0},
    "payment_terms": {
        "Betalingsbetingelser": 1.0, "Betingelser": 0.8, "Betalingsvilkår": 1.0,
        "Betalingsvilkor": 1.0, "Betalningsvillkor": 1.0, "Betalingsbetingelse": 1.0,
        "Payment terms": 1.0, "Terms": 0.7, "Zahlungsbedingungen": 1.0, "Zahlungsziel": 0.7,
        "Conditions de paiement": 1.0, "Conditions de règlement": 1.0, "Mode de règlement": 0.6,
    },
    "supplier_org_number": {
        "Org nr": 1.0, "Orgnr": 1.0, "Org no": 1.0, "Org nummer": 1.0,
        "Organisasjonsnummer": 1.0, "Organisasjonsnr": 1.0, "Foretaksregisteret": 1.0,
        "Organisationsnummer": 1.0, "Org-nr": 1.0, "CVR": 1.0, "CVR-nr": 1.0,
        "Company reg no": 0.9, "Registration no": 0.8, "Reg no": 0.7, "Foretaksnr": 1.0,
        "Organisation no": 1.0, "Organization no": 1.0, "Company no": 0.8,
    },
    # Phrases that contain a field's label but label something else: matched so the shorter
    # label inside them is not ("Gesamtbetrag der Zuschläge" is no total).
    "ignore": {
        "Gesamtbetrag der Zuschläge": 1.0, "Gesamtbetrag der Abschläge": 1.0,
        "Summe Zuschläge": 1.0, "Summe Abschläge": 1.0, "Erhaltene Anzahlungen": 1.0,
        "Total discount": 1.0, "Total charges": 1.0, "Sum rabatt": 1.0, "Facturé à": 1.0,
        "Rechnung an": 1.0, "Faktura til": 1.0, "Invoice to": 1.0,
        # the credited invoice's number, not this document's
        "Kreditnota til faktura nr": 1.0, "Krediterer faktura nr": 1.0, "Gjelder faktura": 1.0,
        "Kreditering av faktura": 1.0, "Credit note for invoice no": 1.0,
        "Credit note for invoice": 1.0, "Refers to invoice": 1.0, "Gutschrift zu Rechnung": 1.0,
        "Rechnungskorrektur zu": 1.0, "Avoir sur facture": 1.0,
        "Side": 1.0, "Sida": 1.0, "Seite": 1.0, "Page": 1.0, "Blatt": 1.0,
        "Vår ref": 1.0, "Vår referanse": 1.0, "Kontaktperson": 1.0, "Selger": 1.0,
        "Our ref": 1.0, "Our reference": 1.0, "Unser Zeichen": 1.0, "Notre référence": 1.0,
        "Kundenr": 1.0, "Kundenummer": 1.0, "Kunde nr": 1.0, "Customer no": 1.0,
        "Kundennummer": 1.0, "Øreavrunding": 1.0, "Avrunding": 1.0, "Öresavrundning": 1.0,
        "Rounding": 1.0,
        "Rundung": 1.0, "Arrondi": 1.0,
    },
    "supplier_vat_number": {
        "MVA-nr": 1.0, "Mva nr": 1.0, "Mva-nummer": 1.0, "Momsreg nr": 1.0,
        "Momsregistreringsnummer": 1.0,
        "VAT no": 1.0, "VAT number": 1.0, "VAT reg no": 1.0, "VAT ID": 1.0,
        "USt-IdNr": 1.0, "USt-ID": 1.0, "UStIdNr": 1.0, "USt-Id-Nr": 1.0,
        "Umsatzsteuer-ID": 1.0, "Umsatzsteuer-Identifikationsnummer": 1.0, "Steuernummer": 0.6,
        "N° TVA": 1.0, "TVA intracommunautaire": 1.0, "N° TVA intracommunautaire": 1.0,
        "Numéro de TVA": 1.0, "SE-nr": 0.8,
    },
}

# Headings over the buyer's address block, and words that put a number on the buyer's side.
BUYER_HEADINGS = (
    "Faktureres til", "Fakturaadresse", "Kunde", "Kjøper", "Mottaker", "Leveres til",
    "Faktura til", "Fakturamottaker", "Kundeadresse",
    "Faktureringsadresse", "Köpare", "Kund", "Kunde", "Bill to", "Billed to", "Invoice to",
    "Sold to", "Customer", "Buyer", "Ship to", "Deliver to", "Rechnungsempfänger",
    "Rechnungsadresse", "Empfänger", "Lieferadresse", "Facturé à", "Adresse de facturation",
    "Client", "Destinataire", "Livré à",
)
BUYER_WORDS = frozenset(
    {"kunde", "kundenr", "kundenummer", "kundens", "kjøper", "kjøpers", "buyer", "customer",
     "deres", "your", "kund", "köpare", "kunden", "ihre", "client", "votre"}
)
# Title words that make a document a credit note rather than an invoice.
CREDIT_NOTE_TITLES = frozenset(
    {"kreditnota", "kreditnote", "kreditfaktura", "creditnote", "credit note", "gutschrift",
     "stornorechnung", "avoir", "facture d'avoir", "kreditering"}
)
INVOICE_TITLES = frozenset({"faktura", "invoice", "rechnung", "facture", "taxinvoice"})
# Legal-form suffixes that make a line a company name.
LEGAL_FORMS = frozenset(
    {"as", "asa", "ab", "a/s", "aps", "oy", "oyj", "gmbh", "ag", "kg", "ug", "se", "ltd",
     "limited", "inc", "llc", "plc", "sa", "sarl", "sas", "bv", "nv", "nuf", "ans", "da", "ks",
     "gmbh&co", "e.k", "ek", "hf", "ehf"}
)
# fmt: on

_STRIP = re.compile(r"[\s.:;,_\-()\[\]'\u2019`\u00b4\"€$£]")
_ELISION = re.compile(r"(?i)\b[dl]['\u2019]")  # French "d'échéance", "l'échéance"


def label_key(text: str) -> str:
    """Text as labels compare: case- and accent-tolerant, without spaces and punctuation.

    Accents are kept on Nordic letters (å, ø, æ, ä, ö) because they carry meaning, but folded
    on French and German ones OCR often drops ("Échéance" = "Echeance").
    """
    folded = _STRIP.sub("", _ELISION.sub("", text.casefold()))
    return "".join(_fold_accent(char) for char in folded)


def _fold_accent(char: str) -> str:
    if char in "åøæäöü":
        return char
    decomposed = unicodedata.normalize("NFD", char)
    return decomposed[0] if decomposed else char


def _build() -> dict[str, list[tuple[str, float]]]:
    table: dict[str, list[tuple[str, float]]] = {}
    for field, phrases in _PHRASES.items():
        for phrase, weight in phrases.items():
            table.setdefault(label_key(phrase), []).append((field, weight))
    return table


LABELS: dict[str, list[tuple[str, float]]] = _build()
"""label key -> [(field, weight)]; a key may name several fields ("Net à payer")."""
BUYER_HEADING_KEYS = frozenset(label_key(heading) for heading in BUYER_HEADINGS)
MAX_LABEL_TOKENS = max(len(phrase.split()) for p in _PHRASES.values() for phrase in p) + 1
LABEL_KEYS_BY_FIELD: dict[str, frozenset[str]] = {
    field: frozenset(label_key(phrase) for phrase in phrases) for field, phrases in _PHRASES.items()
}

_NEAR_LENGTH = 7  # shorter words are one letter away from too many others ("mva", "sum")
_NEAR_KEYS = tuple(key for key in LABELS if len(key) >= _NEAR_LENGTH and key.isalpha())
# Words of the lexicon's own phrases ("Kundens" of "Kundens ref.") are read as they are, never
# as the label one letter away ("Kundenr").
_PHRASE_WORDS = frozenset(
    label_key(word)
    for phrases in (*_PHRASES.values(), BUYER_HEADINGS, INVOICE_TITLES, CREDIT_NOTE_TITLES)
    for phrase in phrases
    for word in phrase.split()
)


@lru_cache(maxsize=8192)
def near_label_key(key: str) -> str:
    """The label key one OCR slip away from ``key`` ("bestillingsnr" for "bestillingsar"),
    when exactly one is; else ``key`` itself ("fakturar" is one from "faktura" and from
    "fakturanr", so it stays).

    Only for OCR'd words: a letter lost or misread in a label shaded grey or set in a small
    font would otherwise lose the value beside it. Short words are never stretched."""
    if key in LABELS or key in _PHRASE_WORDS or len(key) < _NEAR_LENGTH:
        return key
    near = process.extract(key, _NEAR_KEYS, scorer=Levenshtein.distance, score_cutoff=1, limit=2)
    return near[0][0] if len(near) == 1 else key


# Generic words that label a value only in a title's company: "Handelsrechnung (380) Nr. X vom D".
NUMBER_WORDS = frozenset({"nr", "nummer", "n°", "number", "numero", "numéro"})
DATE_WORDS = frozenset({"vom", "du", "dated", "den", "date", "dato", "datum"})


def is_title_key(key: str) -> bool:
    """Whether a key is a document title: "Faktura", "Rechnung" and its compounds
    ("Handelsrechnung", "Rechnungskorrektur"), "Gutschrift", "Kreditnota", "Facture"."""
    return (
        key in INVOICE_TITLES
        or key in CREDIT_NOTE_TITLES
        or key.endswith("rechnung")
        or key in ("rechnungskorrektur", "gutschrift", "kreditnota", "avoir", "facture")
    )


# Words that turn a VAT label into a net or a gross one: "Subtotal excl. VAT", "Sum inkl. mva".
EXCLUDING_WORDS = frozenset(
    {
        "excl",
        "ex",
        "exkl",
        "excluding",
        "eks",
        "ekskl",
        "eksl",
        "ohne",
        "hors",
        "uten",
        "utan",
        "exklusive",
        "exclusive",
        "zzgl",
    }
)
INCLUDING_WORDS = frozenset(
    {"incl", "inkl", "including", "inklusive", "med", "mit", "inclusive", "ttc"}
)
