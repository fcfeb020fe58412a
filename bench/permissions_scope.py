"""The cost of a permissions scope: list (first page) and count for a department head (scope
"department and below", SPEC G1/G2) against the same queries without a scope (SQLite).

    uv run python bench/permissions_scope.py                  # 100,000 customers
    uv run python bench/permissions_scope.py --size 1000000   # what BENCHMARKS.md reports

Customers are inserted with raw `executemany` into a database where the permissions plugin is
enabled (this measures reading, not the import path): 31 departments (1 head office, 5 regions,
each with 5 teams), 200 sales people, customers spread over the teams with a random owner and a
random confidentiality level.  The scoped reader is a department head of one region: her subtree
(the region and its 5 teams) holds about a fifth of the customers.  The unscoped reader is the
system user (no condition at all), on the same queries — D5's default list (inactive and dormant
left out), newest first, and the same count.  Both run in the same process, alternating, and the
medians are compared: the ratio is what matters.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from kehu.actors import Actor
from kehu.app import Kehu
from kehu.config import Settings
from kehu.models import Department, User
from kehu.query import count_customers, list_customers

INDUSTRIES = ["F52", "F51", "C39", "C38", "I65", "E48", "M73", "K70"]
GRADES = ["A", "B", "B", "C", "C", "C"]
STATUSES = ["active"] * 8 + ["pending_review", "dormant"]
LEVELS = ["public", "internal", "internal", "internal", "confidential"]
REGIONS, TEAMS, SALES = 5, 5, 200


def organisation(app: Kehu) -> tuple[list[int], list[int], int]:
    """Departments and users; returns (team department ids, sales user ids, the head's user id)."""
    from kehu.testing import make_user

    teams: list[int] = []
    with app.db.write() as session:
        office = Department(name="总部")
        session.add(office)
        session.flush()
        regions = []
        for r in range(REGIONS):
            region = Department(name=f"大区{r + 1}", parent_id=office.id)
            session.add(region)
            session.flush()
            regions.append(region.id)
            for t in range(TEAMS):
                team = Department(name=f"大区{r + 1}-{t + 1}组", parent_id=region.id)
                session.add(team)
                session.flush()
                teams.append(team.id)
        head_region = regions[0]
    sales = [make_user(app, f"sales{i}", password=None, department_id=teams[i % len(teams)]).id for i in range(SALES)]
    head = make_user(app, "head", password=None, department_id=head_region).id
    return teams, sales, head


def fill(path: str, rows: int, teams: list[int], sales: list[int], seed: int = 1) -> None:
    rnd = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    batch = []
    for i in range(1, rows + 1):
        batch.append((i, f"CUS20261101{i:07d}", "enterprise", f"测试{i}号科技有限公司", rnd.choice(INDUSTRIES),
                      rnd.choice(GRADES), "2026-01-01", rnd.choice(STATUSES), rnd.choice(LEVELS), "2026-11-01",
                      "{}", 1, "2026-11-01 00:00:00", "2026-11-01 00:00:00", rnd.choice(sales), rnd.choice(teams)))
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
        " confidentiality, entry_date, custom, version, created_at, updated_at, owner_id, department_id)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000, help="customers (default 100,000)")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/bench.db")
        Kehu(settings).set_plugin_enabled("permissions", True)
        app = Kehu(settings)  # a fresh app with the plugin (its roles seeded at start)
        from kehu_permissions import service

        teams, sales, head = organisation(app)
        service.assign(app, app.system_actor, "department_head", user="head")
        t0 = time.perf_counter()
        fill(f"{tmp}/bench.db", args.size, teams, sales)
        print(f"filled {args.size:,} customers in {time.perf_counter() - t0:.1f}s")
        with app.db.read() as s:
            reader = Actor.of(s.scalar(select(User).where(User.id == head)))
        system = app.system_actor

        with app.db.read() as s:
            in_scope = count_customers(app, s, reader)
            everything = count_customers(app, s, system)
            print(f"the head's subtree holds {in_scope:,} of {everything:,} listed customers")
            cases = {
                "first page (50, newest first), no count": (
                    lambda: list_customers(app, s, reader, limit=50, with_total=False),
                    lambda: list_customers(app, s, system, limit=50, with_total=False)),
                "count": (
                    lambda: count_customers(app, s, reader),
                    lambda: count_customers(app, s, system)),
                "first page with its total": (
                    lambda: list_customers(app, s, reader, limit=50),
                    lambda: list_customers(app, s, system, limit=50)),
            }
            print(f"\n| query ({args.size:,} customers, SQLite) | subtree scope ms | no scope ms | ratio |")
            print("|---|---:|---:|---:|")
            for name, (scoped, unscoped) in cases.items():
                scoped(), unscoped()  # warm caches
                a, b = timed(scoped, args.repeat), timed(unscoped, args.repeat)
                print(f"| {name} | {a:.2f} | {b:.2f} | {a / b:.2f}× |")
        app.close()


if __name__ == "__main__":
    main()
