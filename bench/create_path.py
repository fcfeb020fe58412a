"""Creating customers: `records.create_in` one by one vs `batch.create_many` vs raw executemany (SQLite).

    uv run python bench/create_path.py --rows 5000          # or: python3 dev.py ... (see BENCHMARKS.md)

The rows are demo customers (`kehu.demo`'s generator, seed 0: enterprises, institutions and
individuals, 1–3 contacts, owners and departments, many fields left empty), generated once before
any timing.  Each path writes them into a fresh SQLite file (WAL, synchronous=FULL, as kehu runs):

- `create_in`: one call per customer, 200 per transaction (what the demo generator did);
- `create_many`: one call per 200 customers, one transaction each;
- floor: the rows `create_many` stored (customers, contacts, history rows) copied with
  `sqlite3.executemany`, 200 customers per transaction — no validation, no ORM, no hooks.

Statements are counted with a `before_cursor_execute` listener (an executemany counts as one).
"""

from __future__ import annotations

import argparse
import copy
import sqlite3
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from kehu import batch, demo, records
from kehu.app import Kehu
from kehu.config import Settings

CHUNK = 200
TABLES = ("customer", "contact", "change_log")


def fresh_app(path: Path) -> Kehu:
    app = Kehu(Settings(data_dir=path.with_suffix(".data"), database_url=f"sqlite:///{path}"))
    demo.ensure_organisation(app)
    return app


def demo_rows(app: Kehu, count: int, seed: int = 0) -> list[dict]:
    owners, departments, _ = demo._owners(app)
    gen = demo._Generator(seed, owners, demo._used(app), with_tags="tags" in app.fields)
    rows = []
    for _ in range(count):
        data, owner = gen.customer()
        data["department"] = departments[owner]
        rows.append(data)
    return rows


class Counter:
    def __init__(self, app: Kehu):
        self.n = 0
        event.listen(app.db.engine, "before_cursor_execute", self)

    def __call__(self, *args) -> None:
        self.n += 1


def run_create_in(app: Kehu, rows: list[dict]) -> tuple[float, int]:
    _, _, admin = demo._owners(app)
    counter = Counter(app)
    start = time.perf_counter()
    for i in range(0, len(rows), CHUNK):
        with app.db.write() as session:
            for data in rows[i:i + CHUNK]:
                records.create_in(app, session, admin, data, reason=demo.REASON)
    return time.perf_counter() - start, counter.n


def run_create_many(app: Kehu, rows: list[dict]) -> tuple[float, int]:
    _, _, admin = demo._owners(app)
    counter = Counter(app)
    start = time.perf_counter()
    for i in range(0, len(rows), CHUNK):
        with app.db.write() as session:
            results = batch.create_many(app, session, admin, rows[i:i + CHUNK], reason=demo.REASON)
            assert not any(r.errors for r in results), [r.errors for r in results if r.errors][:1]
    return time.perf_counter() - start, counter.n


def run_floor(source: Path, target: Path) -> tuple[float, int]:
    """Copy what create_many stored into an empty kehu database with executemany, 200 customers per commit."""
    src = sqlite3.connect(source)
    data = {}
    for table in TABLES:
        cursor = src.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 - fixed table names
        data[table] = ([d[0] for d in cursor.description], cursor.fetchall())
    src.close()
    by_customer = {table: {} for table in ("contact", "change_log")}
    for table in by_customer:
        columns, rows = data[table]
        at = columns.index("customer_id")
        for row in rows:
            by_customer[table].setdefault(row[at], []).append(row)
    con = sqlite3.connect(target, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA foreign_keys=ON")
    sql = {t: f"INSERT INTO {t} ({', '.join(c)}) VALUES ({', '.join('?' * len(c))})"  # noqa: S608
           for t, (c, _) in data.items()}
    customers = data["customer"][1]
    statements = 0
    start = time.perf_counter()
    for i in range(0, len(customers), CHUNK):
        chunk = customers[i:i + CHUNK]
        ids = [row[0] for row in chunk]
        con.execute("BEGIN IMMEDIATE")
        con.executemany(sql["customer"], chunk)
        for table in ("contact", "change_log"):
            con.executemany(sql[table], [r for cid in ids for r in by_customer[table].get(cid, ())])
        con.execute("COMMIT")
        statements += 5
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed, statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        apps = {name: fresh_app(tmp / f"{name}.db") for name in ("create_in", "create_many", "floor")}
        rows = demo_rows(apps["create_in"], args.rows)
        results = {
            "create_in": run_create_in(apps["create_in"], copy.deepcopy(rows)),
            "create_many": run_create_many(apps["create_many"], copy.deepcopy(rows)),
        }
        for app in apps.values():
            app.close()
        results["floor"] = run_floor(tmp / "create_many.db", tmp / "floor.db")
    n = args.rows
    floor = n / results["floor"][0]
    labels = {
        "create_in": "`records.create_in`, one call per customer, 200 per transaction",
        "create_many": "`batch.create_many`, 200 customers per call and transaction",
        "floor": "raw `sqlite3.executemany` of the same rows (customer, contact, change_log), 200 per transaction",
    }
    print(f"| path ({n:,} demo customers, SQLite) | customers/s | statements per customer | × floor time |")
    print("|---|---:|---:|---:|")
    for name in ("create_in", "create_many", "floor"):
        seconds, statements = results[name]
        rate = n / seconds
        print(f"| {labels[name]} | {rate:,.0f} | {statements / n:.2f} | {floor / rate:.2f}× |")
    speedup = results["create_in"][0] / results["create_many"][0]
    print(f"\ncreate_many is {speedup:.1f}× faster than create_in one by one.")


if __name__ == "__main__":
    main()
