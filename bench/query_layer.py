"""Query layer vs hand-written SQL on a large SQLite file: first page, deep pages, counts (SPEC D2).

    uv run python bench/query_layer.py --rows 1000000          # or: python3 dev.py ... (see BENCHMARKS.md)

Rows are inserted with raw `executemany` (this measures reading, not the import path), then each
query runs through `kehu.query.list_customers` and as the equivalent hand-written SQL, in the same
process, alternating, and the medians are compared.  The ratio is what matters: the machine's
speed cancels out.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from kehu.app import Kehu
from kehu.config import Settings
from kehu.query import _encode_cursor, count_customers, list_customers, parse_conditions

INDUSTRIES = ["F52", "F51", "C39", "C38", "I65", "E48", "M73", "K70"]
GRADES = ["A", "B", "B", "C", "C", "C"]
STATUSES = ["active"] * 8 + ["pending_review", "dormant"]
TODAY = date(2026, 11, 1)


def fill(path: str, rows: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    batch = []
    for i in range(1, rows + 1):
        last = TODAY - timedelta(days=rnd.randrange(0, 900))
        batch.append((i, f"CUS20261101{i:07d}", "enterprise", f"测试{i}号科技有限公司", rnd.choice(INDUSTRIES),
                      rnd.choice(GRADES), last.isoformat(), rnd.choice(STATUSES), "internal", TODAY.isoformat(),
                      "{}", 1, "2026-11-01 00:00:00", "2026-11-01 00:00:00"))
        if len(batch) == 50_000:
            _insert(con, batch)
            batch = []
    _insert(con, batch)
    con.execute("ANALYZE")
    con.commit()
    con.close()


def _insert(con: sqlite3.Connection, batch: list[tuple]) -> None:
    con.executemany(
        "INSERT INTO customer (id, code, customer_type, name, industry, grade, last_contact_date, status,"
        " confidentiality, entry_date, custom, version, created_at, updated_at) VALUES"
        " (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)


PAGE = ("SELECT c.*, u.username, d.name FROM customer c LEFT JOIN user_account u ON u.id = c.owner_id"
        " LEFT JOIN department d ON d.id = c.department_id WHERE {where} ORDER BY c.id DESC LIMIT 51{tail}")


def page_with_contacts(raw: sqlite3.Connection, where: str, args: tuple, tail: str = "") -> list:
    """The same rows kehu returns: customers with owner, department and their contacts."""
    rows = raw.execute(PAGE.format(where=where, tail=tail), args).fetchall()
    ids = [r[0] for r in rows]
    marks = ",".join("?" * len(ids))
    contacts = raw.execute(f"SELECT * FROM contact WHERE customer_id IN ({marks}) ORDER BY customer_id, id", ids).fetchall()
    return [rows, contacts]


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


CONDITIONS = {"industry": "F52", "grade": "A", "last_contact_date__gte": "2025-06-01"}
VISIBLE = "c.deleted_at IS NULL AND c.status NOT IN ('inactive', 'dormant')"
WHERE = VISIBLE + " AND c.industry = ? AND c.grade = ? AND c.last_contact_date >= ?"
ARGS = ("F52", "A", "2025-06-01")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/bench.db")
        app = Kehu(settings)
        t0 = time.perf_counter()
        fill(f"{tmp}/bench.db", args.rows)
        print(f"filled {args.rows:,} rows in {time.perf_counter() - t0:.1f}s")
        raw = sqlite3.connect(f"{tmp}/bench.db")
        actor = app.system_actor
        conditions = parse_conditions(app, CONDITIONS)
        deep_id = int(args.rows * 0.1)  # newest first: the last tenth is 90% deep

        with app.db.read() as s:
            cursor_row = list_customers(app, s, actor, sort="-id", limit=1, with_total=False,
                                        cursor=None, offset=args.rows - deep_id).items[0]
            deep_cursor = _encode_cursor([cursor_row.id])

            cases = {
                "first page, 3 conditions, no count": (
                    lambda: list_customers(app, s, actor, conditions, limit=50, with_total=False),
                    lambda: page_with_contacts(raw, WHERE, ARGS)),
                "count, 3 conditions": (
                    lambda: count_customers(app, s, actor, conditions),
                    lambda: raw.execute(f"SELECT count(*) FROM customer c WHERE {WHERE}", ARGS).fetchone()),
                "page 90% deep, keyset cursor": (
                    lambda: list_customers(app, s, actor, cursor=deep_cursor, limit=50, with_total=False),
                    lambda: page_with_contacts(raw, VISIBLE + " AND c.id < ?", (cursor_row.id,))),
                "page 90% deep, offset": (
                    lambda: list_customers(app, s, actor, offset=args.rows - deep_id, limit=50, with_total=False),
                    lambda: page_with_contacts(raw, VISIBLE, (args.rows - deep_id,), " OFFSET ?")),
            }
            print(f"\n| query ({args.rows:,} customers, SQLite) | kehu ms | hand-written SQL ms | ratio |")
            print("|---|---:|---:|---:|")
            for name, (ours, theirs) in cases.items():
                ours(), theirs()  # warm caches
                a, b = timed(ours, args.repeat), timed(theirs, args.repeat)
                print(f"| {name} | {a:.2f} | {b:.2f} | {a / b:.2f}× |")
        raw.close()
        app.close()


if __name__ == "__main__":
    main()
