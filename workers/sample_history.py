"""A demo company's posting history: two years of an ERP's coded supplier lines.

The demo's own suppliers are coded as a Norwegian company would code them (electrician work
to repairs, office supplies to office costs, cleaning to cleaning), beside other regular
suppliers of a small office and one-off suppliers, so a fresh demo shows auto-accepted lines,
uncertain suggestions for suppliers never coded before, and explanations.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from models.posting_history import HistoryRow


@dataclass(frozen=True)
class HistorySupplier:
    supplier_id: str
    name: str
    lines: tuple[tuple[str, str, str, str], ...]  # description, account, VAT code, department
    low: int
    high: int


DEMO_HISTORY_SUPPLIERS = (
    HistorySupplier(
        "923456783",
        "Fjordlys Elektro AS",
        (
            ("Elektrikertimer", "6620", "1", "200"),
            ("Kabel og materiell", "6620", "1", "200"),
        ),
        800,
        9000,
    ),
    HistorySupplier(
        "934567897",
        "Kontorhuset Bergen AS",
        (
            ("Kopipapir A4", "6800", "1", "100"),
            ("Blekkpatroner", "6800", "1", "100"),
            ("Kontorstol", "6540", "1", "100"),
        ),
        300,
        4000,
    ),
    HistorySupplier(
        "945678909",
        "Vestland Reinhold AS",
        (("Renhold kontorlokaler", "6360", "1", "200"),),
        8400,
        8400,
    ),
    HistorySupplier(
        "10077", "Hotell Bryggen AS", (("Overnatting", "7140", "11", "300"),), 1200, 6000
    ),
    HistorySupplier(
        "10100",
        "Telenor Norge AS",
        (("Mobilabonnement", "6900", "1", "100"), ("Bredbånd", "6900", "1", "100")),
        400,
        2500,
    ),
    HistorySupplier("10150", "Circle K Norge AS", (("Drivstoff", "7000", "1", "300"),), 300, 1800),
)


# Suppliers used once or twice: what they sell is in their name, and nobody coded them before.
_OCCASIONAL_TRADES = (
    ("Rørlegger", "Rørleggerarbeid", "6620", "200"),
    ("Elektro", "Elektrikerarbeid", "6620", "200"),
    ("Kontorrekvisita", "Kontormateriell", "6800", "100"),
    ("Rengjøring", "Vask og renhold", "6360", "200"),
    ("Hotell", "Overnatting", "7140", "300"),
    ("Kjøkken", "Kjøkkenutstyr", "6540", "100"),
)
_TOWNS = ("Bergen", "Voss", "Molde", "Bodø", "Hamar", "Skien", "Alta", "Røros", "Lofoten", "Sogn")
_OCCASIONAL_SHARE = 0.15


def demo_history(today: date, rows: int = 720, seed: int = 2024) -> list[HistoryRow]:
    """``rows`` postings over the two years before ``today``, oldest first."""
    rng = random.Random(seed)
    start = today - timedelta(days=730)
    history = []
    for index in range(rows):
        if rng.random() < _OCCASIONAL_SHARE:
            trade, description, account, department = rng.choice(_OCCASIONAL_TRADES)
            name = f"{rng.choice(_TOWNS)} {trade} {rng.randint(1, 999)} AS"
            supplier_id, vat_code, amount = f"X{index}", "1", rng.randint(400, 12000)
        else:
            supplier = rng.choice(DEMO_HISTORY_SUPPLIERS)
            description, account, vat_code, department = rng.choice(supplier.lines)
            supplier_id, name = supplier.supplier_id, supplier.name
            amount = rng.randint(supplier.low, supplier.high)
        history.append(
            HistoryRow(
                row_key=f"demo-{index}",
                posting_date=start + timedelta(days=index * 730 // rows),
                supplier_id=supplier_id,
                supplier_name=name,
                description=description,
                amount=Decimal(amount).quantize(Decimal("1.00")),
                currency="NOK",
                account=account,
                vat_code=vat_code,
                department=department,
                project=None,
            )
        )
    return history
