"""Words that make a synthetic invoice read like a Norwegian supplier's: names, places, and
what each trade sells at which VAT rate.

Each catalogue entry carries its Norwegian and English text side by side, so an English layout
draws the same random choices as a Norwegian one and only the words change.
"""

from decimal import Decimal
from typing import NamedTuple


class Item(NamedTuple):
    """Something a trade sells; ``quantity`` is how it is counted: "int", "hours" or "decimal"."""

    no: str
    en: str
    unit: str
    low: int
    high: int
    vat_rate: Decimal
    quantity: str


class Trade(NamedTuple):
    names: tuple[str, ...]
    items: tuple[Item, ...]
    code_prefix: str


_25, _15, _12, _0 = Decimal("25"), Decimal("15"), Decimal("12"), Decimal("0")

TRADES: tuple[Trade, ...] = (
    Trade(
        ("Elektro", "Elektroservice", "El-installasjon", "Elektro & Automasjon"),
        (
            Item("Elektrikertimer", "Electrician hours", "hour", 850, 1195, _25, "hours"),
            Item("Lærlingtimer", "Apprentice hours", "hour", 450, 650, _25, "hours"),
            Item("Kabel PFSP 3x2,5 mm²", "Cable PFSP 3x2.5 mm²", "metre", 14, 39, _25, "decimal"),
            Item(
                "Stikkontakt dobbel jordet, hvit",
                "Double socket outlet, earthed, white",
                "piece",
                89,
                189,
                _25,
                "int",
            ),
            Item(
                "Sikringsskap 24 moduler, komplett montert og merket",
                "Fuse box 24 modules, fully installed and labelled",
                "piece",
                6500,
                14900,
                _25,
                "int",
            ),
            Item(
                "Feilsøking og utbedring av jordfeil i hovedtavle, inkludert måling og "
                "dokumentasjon",
                "Fault finding and repair of an earth fault in the main switchboard, including "
                "measurement and documentation",
                "hour",
                950,
                1250,
                _25,
                "hours",
            ),
            Item("Kjøring servicebil", "Service van mileage", "km", 8, 15, _25, "int"),
            Item(
                "LED downlight 8W dimbar",
                "LED downlight 8W dimmable",
                "piece",
                249,
                599,
                _25,
                "int",
            ),
        ),
        "EL",
    ),
    Trade(
        ("Rør", "Rørservice", "VVS", "Rørleggerbedrift"),
        (
            Item("Rørleggertimer", "Plumber hours", "hour", 890, 1250, _25, "hours"),
            Item(
                "Varmtvannsbereder 200 l inkl. montering",
                "Water heater 200 l incl. installation",
                "piece",
                11900,
                18900,
                _25,
                "int",
            ),
            Item("Blandebatteri servant", "Basin mixer tap", "piece", 1290, 3490, _25, "int"),
            Item(
                "Rørdeler og forbruksmateriell",
                "Pipe fittings and consumables",
                "lump",
                300,
                2500,
                _25,
                "int",
            ),
            Item(
                "Utskifting av avløpsrør i kjeller, inkl. rigg, riving og bortkjøring av gammelt "
                "materiell",
                "Replacement of drain pipes in the basement, incl. rigging, demolition and removal "
                "of old material",
                "hour",
                950,
                1190,
                _25,
                "hours",
            ),
            Item("Oppmøte servicebil", "Call-out charge", "piece", 450, 890, _25, "int"),
        ),
        "VVS",
    ),
    Trade(
        ("IT", "IT-Tjenester", "Data", "Digital", "Teknologi"),
        (
            Item(
                "Konsulenttimer senior", "Senior consultant hours", "hour", 1250, 1650, _25, "hours"
            ),
            Item(
                "Konsulenttimer junior", "Junior consultant hours", "hour", 850, 1150, _25, "hours"
            ),
            Item(
                "Microsoft 365 Business Standard, lisens per bruker per måned",
                "Microsoft 365 Business Standard, licence per user per month",
                "piece",
                139,
                159,
                _25,
                "int",
            ),
            Item(
                "Drift og overvåking av servere og nettverk, fastpris",
                "Operation and monitoring of servers and network, fixed price",
                "month",
                4500,
                18500,
                _25,
                "int",
            ),
            Item(
                "Bistand migrering av e-post og filområder til SharePoint Online etter avtale",
                "Assistance migrating e-mail and file shares to SharePoint Online as agreed",
                "hour",
                1150,
                1450,
                _25,
                "hours",
            ),
            Item(
                "Domene og DNS-administrasjon",
                "Domain and DNS administration",
                "piece",
                149,
                490,
                _25,
                "int",
            ),
            Item(
                'Bærbar PC 14" 16 GB RAM', 'Laptop 14" 16 GB RAM', "piece", 9990, 18990, _25, "int"
            ),
        ),
        "IT",
    ),
    Trade(
        ("Catering", "Mat & Selskap", "Kjøkken", "Selskapsmat"),
        (
            Item(
                "Lunsjbuffet med varmrett, levert",
                "Lunch buffet with hot dish, delivered",
                "person",
                189,
                329,
                _15,
                "int",
            ),
            Item(
                "Smørbrød, blandet pålegg", "Open sandwiches, assorted", "piece", 45, 79, _15, "int"
            ),
            Item("Kaffe, te og frukt", "Coffee, tea and fruit", "person", 39, 69, _15, "int"),
            Item("Serveringspersonale", "Serving staff", "hour", 450, 690, _25, "hours"),
            Item(
                "Leie av duker, servise og bestikk",
                "Hire of tablecloths, crockery and cutlery",
                "lump",
                500,
                2500,
                _25,
                "int",
            ),
            Item(
                "Utkjøring og henting av utstyr",
                "Delivery and collection",
                "piece",
                390,
                890,
                _25,
                "int",
            ),
            Item("Bløtkake, 20 stykker", "Cream cake, 20 pieces", "piece", 590, 890, _15, "int"),
        ),
        "CAT",
    ),
    Trade(
        ("Hotell", "Fjordhotell", "Konferansehotell", "Gjestgiveri"),
        (
            Item(
                "Overnatting enkeltrom inkl. frokost",
                "Single room incl. breakfast",
                "night",
                990,
                1890,
                _12,
                "int",
            ),
            Item("Overnatting dobbeltrom", "Double room", "night", 1290, 2390, _12, "int"),
            Item("Møterom heldag", "Meeting room, full day", "piece", 2500, 7500, _25, "int"),
            Item(
                "Middag i restaurant, tre retter",
                "Three-course dinner in the restaurant",
                "person",
                495,
                795,
                _25,
                "int",
            ),
            Item("Parkering", "Parking", "night", 150, 290, _25, "int"),
            Item(
                "Dagpakke kurs og konferanse inkl. lunsj og pausemat",
                "Day conference package incl. lunch and refreshments",
                "person",
                590,
                890,
                _25,
                "int",
            ),
        ),
        "HTL",
    ),
    Trade(
        ("Transport", "Buss", "Turbuss", "Taxi"),
        (
            Item(
                "Persontransport buss Oslo\u2013Gardermoen t/r",
                "Coach transport Oslo\u2013Gardermoen return",
                "piece",
                3900,
                8900,
                _12,
                "int",
            ),
            Item(
                "Taxi til og fra flyplass",
                "Taxi to and from the airport",
                "piece",
                450,
                1290,
                _12,
                "int",
            ),
            Item("Bompenger", "Road tolls", "piece", 30, 250, _0, "int"),
            Item(
                "Godstransport pall, Oslo\u2013Bergen",
                "Pallet freight, Oslo\u2013Bergen",
                "piece",
                890,
                2400,
                _25,
                "int",
            ),
            Item("Ventetid sjåfør", "Driver waiting time", "hour", 490, 790, _12, "hours"),
            Item("Ferjebillett", "Ferry ticket", "piece", 120, 640, _12, "int"),
        ),
        "TR",
    ),
    Trade(
        ("Kontorrekvisita", "Kontorservice", "Kontor"),
        (
            Item(
                "Kopipapir A4 80 g, 5x500 ark",
                "Copy paper A4 80 g, 5x500 sheets",
                "pack",
                199,
                349,
                _25,
                "int",
            ),
            Item("Toner HP 26A sort", "Toner HP 26A black", "piece", 790, 1490, _25, "int"),
            Item(
                "Kontorstol ergonomisk med armlener",
                "Ergonomic office chair with armrests",
                "piece",
                2990,
                6990,
                _25,
                "int",
            ),
            Item("Kaffe filtermalt 250 g", "Ground coffee 250 g", "pack", 49, 89, _15, "int"),
            Item(
                "Fruktkurv, levert ukentlig",
                "Fruit basket, weekly delivery",
                "piece",
                390,
                690,
                _15,
                "int",
            ),
            Item("Melk lett 1 l", "Semi-skimmed milk 1 l", "piece", 19, 29, _15, "int"),
            Item(
                "Permer A4 bred rygg, assorterte farger",
                "Lever arch files A4, assorted colours",
                "piece",
                29,
                59,
                _25,
                "int",
            ),
            Item("Frakt", "Freight", "piece", 99, 349, _25, "int"),
        ),
        "KT",
    ),
    Trade(
        ("Bokhandel", "Fagbok", "Forlag"),
        (
            Item(
                "Faglitteratur: Norsk regnskapsrett, 5. utgave",
                "Textbook: Norwegian accounting law, 5th edition",
                "piece",
                499,
                899,
                _0,
                "int",
            ),
            Item(
                "Abonnement Dagens Næringsliv digital, 12 mnd",
                "Subscription Dagens Næringsliv digital, 12 months",
                "piece",
                2490,
                4990,
                _0,
                "int",
            ),
            Item("Notatbøker A5 linjert", "Notebooks A5 ruled", "piece", 39, 89, _25, "int"),
            Item(
                "Kursavgift regnskapsseminar",
                "Fee, accounting seminar",
                "person",
                2900,
                6900,
                _0,
                "int",
            ),
            Item("Porto", "Postage", "piece", 49, 149, _0, "int"),
            Item(
                "Kulepenner blå, 10-pakning",
                "Ballpoint pens blue, pack of 10",
                "pack",
                49,
                129,
                _25,
                "int",
            ),
        ),
        "BK",
    ),
    Trade(
        ("Renhold", "Rengjøring", "Renholdsservice"),
        (
            Item(
                "Renhold kontorlokaler iht. avtale, fast månedspris",
                "Office cleaning as agreed, fixed monthly price",
                "month",
                6500,
                24000,
                _25,
                "int",
            ),
            Item(
                "Vindusvask utvendig og innvendig",
                "Window cleaning, outside and inside",
                "piece",
                1900,
                6900,
                _25,
                "int",
            ),
            Item(
                "Tepperens møterom", "Carpet cleaning, meeting rooms", "m2", 25, 65, _25, "decimal"
            ),
            Item(
                "Forbruksmateriell: tørkepapir og såpe",
                "Consumables: paper towels and soap",
                "lump",
                400,
                1900,
                _25,
                "int",
            ),
            Item(
                "Ekstra renhold etter arrangement",
                "Extra cleaning after event",
                "hour",
                490,
                690,
                _25,
                "hours",
            ),
        ),
        "RH",
    ),
    Trade(
        ("Bygg", "Tømrer", "Byggservice", "Entreprenør"),
        (
            Item("Tømrertimer", "Carpenter hours", "hour", 690, 990, _25, "hours"),
            Item(
                "Materialer iht. spesifikasjon",
                "Materials as specified",
                "lump",
                2000,
                45000,
                _25,
                "int",
            ),
            Item("Leie av container 10 m³", "Skip hire 10 m³", "piece", 2900, 5900, _25, "int"),
            Item("Rigg og drift", "Site setup and running costs", "lump", 1500, 9500, _25, "int"),
            Item(
                "Etterisolering av yttervegg og montering av ny kledning, byggetrinn 2",
                "Additional insulation of outer wall and new cladding, construction phase 2",
                "hour",
                720,
                950,
                _25,
                "hours",
            ),
        ),
        "BY",
    ),
    Trade(
        ("Regnskap", "Revisjon", "Økonomi", "Regnskapsbyrå"),
        (
            Item(
                "Løpende regnskapsføring, fastpris",
                "Bookkeeping, fixed price",
                "month",
                3500,
                12500,
                _25,
                "int",
            ),
            Item("Lønnskjøring per ansatt", "Payroll per employee", "piece", 190, 390, _25, "int"),
            Item(
                "Årsoppgjør og skattemelding",
                "Annual accounts and tax return",
                "piece",
                9500,
                29500,
                _25,
                "int",
            ),
            Item(
                "Rådgivning merverdiavgift ved oppkjøp av virksomhet, jf. engasjementsbrev",
                "VAT advice on the acquisition of a business, as per engagement letter",
                "hour",
                1450,
                2250,
                _25,
                "hours",
            ),
            Item(
                "Gebyr Brønnøysundregistrene (utlegg)",
                "Fee Brønnøysund Register Centre (outlay)",
                "piece",
                250,
                2250,
                _0,
                "int",
            ),
        ),
        "RG",
    ),
)

# One word per unit and dialect: a supplier's system prints one of these throughout.
UNITS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "hour": (("t", "timer", "time", "tim"), ("h", "hrs", "hours", "hr")),
    "piece": (("stk", "stk.", "STK", "stk"), ("pcs", "ea", "pc", "units")),
    "metre": (("m", "m", "meter", "m"), ("m", "m", "metres", "m")),
    "m2": (("m2", "m²", "kvm", "m2"), ("m2", "m²", "sqm", "m2")),
    "month": (("mnd", "mnd.", "måned", "mnd"), ("month", "mo", "month", "mth")),
    "km": (("km", "km", "km", "km"), ("km", "km", "km", "km")),
    "night": (("døgn", "natt", "døgn", "stk"), ("night", "nights", "night", "pcs")),
    "person": (("pers", "pers.", "kuvert", "stk"), ("pers", "pax", "person", "pcs")),
    "pack": (("pk", "pk.", "pakke", "eske"), ("pack", "pk", "pack", "box")),
    "lump": (("RS", "stk", "post", "RS"), ("lot", "ea", "lot", "item")),
}

DETAIL_SUFFIXES_NO = (
    ", uke {week}",
    " \u2013 {month_name} {year}",
    ", iht. avtale {number}",
    ", prosjekt {place}",
    ", ref. ordre {number}",
    " levert {place}",
)
DETAIL_SUFFIXES_EN = (
    ", week {week}",
    " \u2013 {month_name} {year}",
    ", per agreement {number}",
    ", project {place}",
    ", ref. order {number}",
    " delivered {place}",
)
MONTHS_NO = (
    "januar", "februar", "mars", "april", "mai", "juni",
    "juli", "august", "september", "oktober", "november", "desember",
)  # fmt: skip
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

NAME_WORDS = (
    "Fjordlys", "Nordlys", "Havbris", "Tindefjell", "Solstrand", "Bjørkely", "Granli",
    "Vestvind", "Fossheim", "Lyngdal", "Elvebakken", "Skogli", "Furuholmen", "Kystlys",
    "Trollheim", "Nordkapp", "Sørlandets", "Midtnorsk", "Østfold", "Romsdal", "Hardanger",
    "Lofoten", "Polar", "Aurora", "Brattli", "Sjøkanten", "Fjellstad", "Viken", "Agder",
    "Nidaros", "Bergenhus", "Fønix", "Vidde", "Havn", "Stein & Sønn", "Myrvold",
)  # fmt: skip
SURNAMES = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Berg", "Haugen", "Hagen", "Bakken", "Solberg", "Lie", "Dahl", "Moen",
    "Strand", "Eriksen", "Halvorsen", "Nordmann", "Aas", "Lunde",
)  # fmt: skip
FIRST_NAMES = (
    "Kari", "Ola", "Ingrid", "Lars", "Silje", "Jonas", "Marte", "Anders", "Nora", "Henrik",
    "Ida", "Erik", "Sofie", "Magnus", "Hilde", "Per", "Astrid", "Tor", "Linnea", "Espen",
)  # fmt: skip
BUYER_KINDS = (
    "Bygg", "Eiendom", "Regnskap", "Holding", "Transport", "Maskin", "Invest", "Handel",
    "Entreprenør", "Eiendomsforvaltning", "Arkitekter", "Rådgivning", "Shipping", "Havbruk",
)  # fmt: skip
STREETS = (
    "Storgata", "Kongens gate", "Industriveien", "Havnegata", "Strandveien", "Fjordveien",
    "Sandakerveien", "Nygårdsgaten", "Dronningens gate", "Kirkegata", "Stasjonsveien",
    "Løkkeveien", "Tollbugata", "Møllendalsveien", "Bryggeveien", "Verkstedveien", "Hoffsveien",
    "Drammensveien", "Grenseveien", "Sjøgata", "Bjørnstjerne Bjørnsons gate", "Ringveien",
)  # fmt: skip
PLACES = (
    ("0155", "Oslo"), ("0250", "Oslo"), ("0484", "Oslo"), ("5003", "Bergen"), ("5057", "Bergen"),
    ("7010", "Trondheim"), ("7042", "Trondheim"), ("4006", "Stavanger"), ("4020", "Stavanger"),
    ("9008", "Tromsø"), ("3015", "Drammen"), ("4610", "Kristiansand"), ("1366", "Lysaker"),
    ("2317", "Hamar"), ("6002", "Ålesund"), ("8006", "Bodø"), ("1530", "Moss"),
    ("3117", "Tønsberg"), ("2815", "Gjøvik"), ("1607", "Fredrikstad"), ("5527", "Haugesund"),
    ("6413", "Molde"), ("2609", "Lillehammer"), ("3616", "Kongsberg"), ("1338", "Sandvika"),
)  # fmt: skip

# Bank, BIC and a few of its four-digit registration numbers (the first four of an account).
BANKS = (
    ("DNB", "DNBANOKKXXX", ("1503", "1201", "1254", "1644")),
    ("Nordea", "NDEANOKK", ("6003", "6011", "6094")),
    ("SpareBank 1 SR-Bank", "SPRONO22", ("3201", "3208")),
    ("Sparebanken Vest", "SPAVNOBB", ("3625", "3411")),
    ("Danske Bank", "DABANO22", ("8101", "8601")),
    ("Handelsbanken", "HANDNOKK", ("9001", "9041")),
)

CURRENCIES = ("EUR", "SEK", "USD", "DKK")
# Rough kroner per unit, so a foreign invoice has foreign-looking amounts.
CURRENCY_SCALE = {
    "NOK": Decimal("1"),
    "EUR": Decimal("0.085"),
    "USD": Decimal("0.095"),
    "SEK": Decimal("1"),
    "DKK": Decimal("0.65"),
}
