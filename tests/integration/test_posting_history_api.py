"""Posting history arrives over the API and from the command line, once, for one company only."""

import gzip
import json
from decimal import Decimal
from functools import partial

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, col, func, select

from api.routes import postings
from models.db import session_scope
from models.migrate import upgrade_to_head
from models.posting_history import parse_history_csv
from models.tables import AuditEvent, PostingHistory
from models.tenants import create_company
from tests.integration.helpers import run_bilag
from workers import posting_history_store
from workers.posting_history_store import StoredHistory, store_history_rows

pytestmark = pytest.mark.integration

URL = "/api/v1/postings/history"
HEADER = "date;supplier_id;supplier_name;description;amount;currency;account;vat_code"
GOOD_LINES = [
    "2026-03-14;10042;Kontorrekvisita AS;Printerpapir;1 234,50;NOK;6800;1",
    "2026-03-15;;Taxi Oslo AS;Tur til kunde;350;;7140;0",
    "2026-03-15;;Taxi Oslo AS;Tur til kunde;350;;7140;0",  # a second, identical ride
    "16.03.2026;20077;Kaffe & Co;Kaffebønner;-12,5;eur;6790;",
]


def a_csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def post_csv(client, tenant, body: bytes, **headers: str):
    return client.post(
        URL, content=body, headers={**tenant.headers, "Content-Type": "text/csv", **headers}
    )


def history_of(client, tenant, **params) -> list[dict]:
    response = client.get(URL, params=params, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert body["type"] == f"urn:bilag:problem:{code}"
    return body


def imports_audited(company_id) -> list[dict]:
    with session_scope() as session:
        events = session.exec(
            select(AuditEvent)
            .where(
                AuditEvent.company_id == company_id,
                AuditEvent.action == "posting_history.imported",
            )
            .order_by(col(AuditEvent.id))
        ).all()
        return [event.new_value for event in events]


def test_a_csv_import_stores_every_row_and_a_second_import_stores_nothing(client, tenant):
    first = post_csv(client, tenant, a_csv(*GOOD_LINES))

    assert first.status_code == 200, first.text
    assert first.json() == {
        "rows": 4,
        "inserted": 4,
        "duplicates": 0,
        "errors": [],
        "error_count": 0,
        "warnings": [],
    }
    stored = history_of(client, tenant)
    assert [row["supplier_name"] for row in stored] == [
        "Kaffe & Co",
        "Taxi Oslo AS",
        "Taxi Oslo AS",
        "Kontorrekvisita AS",
    ]  # newest first
    coffee = stored[0]
    assert (coffee["posting_date"], Decimal(coffee["amount"]), coffee["currency"]) == (
        "2026-03-16",
        Decimal("-12.50"),
        "EUR",
    )
    assert stored[1]["currency"] == "NOK"  # the company's, where the column is blank
    assert stored[1]["row_key"] != stored[2]["row_key"]

    again = post_csv(client, tenant, a_csv(*GOOD_LINES))

    assert again.status_code == 200, again.text
    assert (again.json()["inserted"], again.json()["duplicates"]) == (0, 4)
    assert len(history_of(client, tenant)) == 4
    assert [event["inserted"] for event in imports_audited(tenant.company_id)] == [4, 0]


def test_a_json_import_is_idempotent_and_agrees_with_the_csv_import(client, tenant):
    rows = [
        {
            "date": "2026-03-14",
            "supplier_id": "10042",
            "supplier_name": "Kontorrekvisita AS",
            "description": "Printerpapir",
            "amount": 1234.50,
            "currency": "NOK",
            "account": "6800",
            "vat_code": "1",
        },
        {"date": "2026-03-20", "supplier_name": "Taxi Oslo AS", "amount": "99", "account": 7140},
    ]

    first = client.post(URL, json={"rows": rows}, headers=tenant.headers)
    again = client.post(URL, json={"rows": rows}, headers=tenant.headers)
    as_csv = post_csv(client, tenant, a_csv(GOOD_LINES[0]))

    assert first.status_code == 200, first.text
    assert (first.json()["inserted"], first.json()["duplicates"]) == (2, 0)
    assert (again.json()["inserted"], again.json()["duplicates"]) == (0, 2)
    assert (as_csv.json()["inserted"], as_csv.json()["duplicates"]) == (0, 1)
    assert {row["account"] for row in history_of(client, tenant)} == {"6800", "7140"}


def test_bad_rows_are_reported_by_line_and_the_good_ones_kept(client, tenant):
    body = a_csv(
        GOOD_LINES[0],
        "2026-02-30;1;Feil Dato AS;x;100;NOK;6800;1",
        "",
        "2026-03-01;2;Feil Beløp AS;x;1.234,50;NOK;6800;1",
        GOOD_LINES[1],
    )

    response = post_csv(client, tenant, body)

    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["rows"], result["inserted"], result["error_count"]) == (4, 2, 2)
    assert [error["line"] for error in result["errors"]] == [3, 5]
    assert "2026-02-30" in result["errors"][0]["message"]
    assert "1.234,50" in result["errors"][1]["message"]
    assert {row["supplier_name"] for row in history_of(client, tenant)} == {
        "Kontorrekvisita AS",
        "Taxi Oslo AS",
    }


def test_json_errors_name_the_rows_index(client, tenant):
    rows = [
        {"date": "2026-03-14", "supplier_name": "A", "amount": "1", "account": "6800"},
        {"date": "2026-03-14", "supplier_name": "B", "amount": "ten", "account": "6800"},
    ]

    result = client.post(URL, json={"rows": rows}, headers=tenant.headers).json()

    assert result["inserted"] == 1
    assert [error["line"] for error in result["errors"]] == [2]


def test_a_body_with_no_good_row_is_a_422_listing_the_errors_and_stores_nothing(client, tenant):
    response = post_csv(
        client, tenant, a_csv("yesterday;1;A;x;100;NOK;6800;1", "2026-03-01;1;A;x;;NOK;;")
    )

    body = assert_problem(response, 422, "no_valid_rows")
    assert body["error_count"] == 2
    assert [error["line"] for error in body["errors"]] == [2, 3]
    assert history_of(client, tenant) == []
    assert imports_audited(tenant.company_id) == []


def test_a_csv_without_the_required_columns_is_a_422_naming_them(client, tenant):
    response = post_csv(client, tenant, a_csv("2026-03-14;100", header="date;amount"))

    body = assert_problem(response, 422, "no_valid_rows")
    assert body["errors"][0]["line"] == 1
    assert "account" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/xml", b"<rows/>"),
        ("application/pdf", b"%PDF-1.7"),
        ("", a_csv(*GOOD_LINES)),
        ("multipart/form-data; boundary=x", b"--x--"),
    ],
)
def test_a_body_that_is_neither_json_nor_csv_is_a_415(client, tenant, content_type, body):
    headers = {**tenant.headers, "Content-Type": content_type}

    response = client.post(URL, content=body, headers=headers)

    problem = assert_problem(response, 415, "unsupported_media_type")
    assert "text/csv" in problem["accepted_types"]
    assert history_of(client, tenant) == []


def test_gzipped_csv_is_read_as_content_encoding_or_as_application_gzip(client, tenant):
    packed = gzip.compress(a_csv(*GOOD_LINES))

    encoded = post_csv(client, tenant, packed, **{"Content-Encoding": "gzip"})
    as_type = client.post(
        URL, content=packed, headers={**tenant.headers, "Content-Type": "application/gzip"}
    )

    assert (encoded.status_code, encoded.json()["inserted"]) == (200, 4)
    assert (as_type.status_code, as_type.json()["duplicates"]) == (200, 4)


def test_a_gzip_bomb_is_refused_when_it_inflates_past_the_limit(client, tenant, configure):
    configure(max_upload_bytes=100_000)
    bomb = gzip.compress(a_csv(*GOOD_LINES) + b"\n" * 5_000_000)
    assert len(bomb) < 100_000

    response = post_csv(client, tenant, bomb, **{"Content-Encoding": "gzip"})

    assert assert_problem(response, 413, "payload_too_large")["max_bytes"] == 100_000
    assert history_of(client, tenant) == []


def test_a_request_over_the_row_limit_is_refused_whole(client, tenant, monkeypatch):
    monkeypatch.setattr(postings, "MAX_ROWS", 3)

    as_csv = post_csv(client, tenant, a_csv(*GOOD_LINES))
    as_json = client.post(
        URL,
        json={
            "rows": [{"date": "2026-03-14", "supplier_name": "A", "amount": "1", "account": "1"}]
            * 4
        },
        headers=tenant.headers,
    )

    assert assert_problem(as_csv, 413, "too_many_rows")["max_rows"] == 3
    assert_problem(as_json, 413, "too_many_rows")
    assert history_of(client, tenant) == []


def test_invalid_json_and_a_body_without_rows_are_refused(client, tenant):
    headers = {**tenant.headers, "Content-Type": "application/json"}

    assert_problem(client.post(URL, content=b'{"rows": [', headers=headers), 400, "unreadable_body")
    assert_problem(
        client.post(URL, json=[{"date": "2026-03-14"}], headers=tenant.headers),
        422,
        "validation_error",
    )


def test_one_company_never_sees_another_companys_history(client, tenant, other_tenant):
    assert post_csv(client, tenant, a_csv(*GOOD_LINES)).json()["inserted"] == 4

    assert history_of(client, other_tenant) == []
    # the same rows are new to the other company: row keys are per company
    assert post_csv(client, other_tenant, a_csv(GOOD_LINES[0])).json()["inserted"] == 1
    assert len(history_of(client, other_tenant)) == 1
    assert len(history_of(client, tenant)) == 4


def test_importing_needs_the_write_scope_and_listing_a_key(client, a_tenant):
    reader = a_tenant("Lesetilgang AS", scopes=("documents:read",))

    assert_problem(post_csv(client, reader, a_csv(*GOOD_LINES)), 403, "forbidden")
    assert_problem(client.get(URL), 401, "unauthenticated")
    assert history_of(client, reader) == []


def test_the_list_pages_newest_first_with_a_cursor(client, tenant):
    lines = [f"2026-01-{day:02d};;Leverandør {day};x;{day};NOK;6800;1" for day in range(1, 8)]
    post_csv(client, tenant, a_csv(*lines))

    seen: list[str] = []
    cursor = None
    for _ in range(4):
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(URL, params=params, headers=tenant.headers).json()
        seen += [row["supplier_name"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == [f"Leverandør {day}" for day in range(7, 0, -1)]
    bad = client.get(URL, params={"cursor": "%%%"}, headers=tenant.headers)
    assert_problem(bad, 400, "invalid_cursor")


def test_the_command_line_imports_a_gzipped_file_once(tmp_path, tenant):
    # named .csv on purpose: gzip is told by its bytes, not by the name
    path = tmp_path / "hovedbok.csv"
    path.write_bytes(gzip.compress(a_csv(*GOOD_LINES, "2026-03-17;;Feil AS;x;abc;NOK;6800;1")))

    first = run_bilag("history", "import", str(path), "--company", tenant.org_number)
    again = run_bilag("history", "import", str(path), "--company", tenant.org_number)

    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert {key: summary[key] for key in ("rows", "inserted", "duplicates", "error_count")} == {
        "rows": 5,
        "inserted": 4,
        "duplicates": 0,
        "error_count": 1,
    }
    assert summary["errors"] == [{"line": 6, "message": summary["errors"][0]["message"]}]
    assert "abc" in summary["errors"][0]["message"]
    assert again.returncode == 0, again.stderr
    assert (json.loads(again.stdout)["inserted"], json.loads(again.stdout)["duplicates"]) == (0, 4)
    with session_scope() as session:
        count = session.exec(
            select(func.count()).where(PostingHistory.company_id == tenant.company_id)
        ).one()
    assert count == 4
    assert len(imports_audited(tenant.company_id)) == 2


def test_the_command_line_exits_1_when_the_file_cannot_be_used(tmp_path, tenant):
    missing = run_bilag(
        "history", "import", str(tmp_path / "nope.csv"), "--company", tenant.org_number
    )
    no_company = tmp_path / "ok.csv"
    no_company.write_bytes(a_csv(*GOOD_LINES))
    unknown = run_bilag("history", "import", str(no_company), "--company", "945678909")
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(a_csv(*GOOD_LINES))[:40])
    truncated = run_bilag("history", "import", str(broken), "--company", tenant.org_number)
    wrong_columns = tmp_path / "wrong.csv"
    wrong_columns.write_bytes(a_csv("1;2", header="dato;beløp"))
    refused = run_bilag("history", "import", str(wrong_columns), "--company", tenant.org_number)

    assert (missing.returncode, unknown.returncode, truncated.returncode) == (1, 1, 1)
    assert "could not be read" in missing.stderr
    assert "no company" in unknown.stderr
    assert "could not be read" in truncated.stderr
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["errors"][0]["line"] == 1
    with session_scope() as session:
        count = session.exec(
            select(func.count()).where(PostingHistory.company_id == tenant.company_id)
        ).one()
    assert count == 0
    assert imports_audited(tenant.company_id) == []


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_the_store_counts_new_and_known_rows_across_batches_on_both_databases(
    dialect, tenant, tmp_path, monkeypatch
):
    monkeypatch.setattr(posting_history_store, "BATCH_ROWS", 2)
    header = "date,supplier_name,amount,account,row_key"
    lines = [f"2026-03-{day:02d},Leverandør {day},{day}00,6800,V-{day}" for day in range(1, 6)]
    first = parse_history_csv(a_csv(*lines, header=header).decode().splitlines(True), "NOK")
    # a later export: two known rows, one new, and the new one repeated under the same key
    later_lines = [lines[0], lines[4], "2026-04-01,Ny AS,1,6800,V-6", "2026-04-01,Ny AS,1,6800,V-6"]
    later = parse_history_csv(a_csv(*later_lines, header=header).decode().splitlines(True), "NOK")
    if dialect == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'bilag.db'}")
        upgrade_to_head(engine)
        with Session(engine) as session:
            company = create_company(session, name="Demo AS", org_number="912345688", actor="t")
            session.commit()
            company_id = company.id
        sessions = partial(Session, engine)
    else:
        company_id, sessions = tenant.company_id, session_scope

    with sessions() as session:
        stored_first = store_history_rows(session, company_id, first.rows)
        session.commit()
    with sessions() as session:
        stored_later = store_history_rows(session, company_id, later.rows)
        session.commit()
        keys = session.exec(
            select(PostingHistory.row_key).where(PostingHistory.company_id == company_id)
        ).all()
        audited = session.exec(
            select(func.count()).where(
                AuditEvent.action == "posting_history.imported", AuditEvent.company_id == company_id
            )
        ).one()

    assert stored_first == StoredHistory(inserted=5, duplicates=0)
    assert stored_later == StoredHistory(inserted=1, duplicates=3)
    assert sorted(keys) == [f"V-{n}" for n in range(1, 7)]
    assert audited == 2  # one per import, not one per batch or row
