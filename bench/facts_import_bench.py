"""Facts import with history: 100,000 facts recorded, then the same file with every value changed, then
reported again unchanged — each all-or-nothing, each a batch of revisions.

    .venv/bin/python bench/facts_import_bench.py --database postgres   [--enterprises 20000] [--facts 5]
    .venv/bin/python bench/facts_import_bench.py --database sqlite

The rows go to ``services.facts_import`` as the upload reader gives them (dicts of text), so the time is
the service's: every row checked, the values in force locked and compared, the values, one batch and
the revisions written. Runs on a database of its own (a SQLite file under /tmp or the PostgreSQL
database ``ms_facts_bench``, dropped and re-created). Prints figures; asserts nothing about time.
"""

import argparse
import os
import time

from proc_cpu import backend_cpu_seconds
from scratch_database import django_on_scratch_database

DATABASE_NAME = "ms_facts_bench"
FACTS = ["gas_m3", "electricity_kwh", "tax_paid", "revenue", "employees", "rd_spending", "output_value",
         "equipment_investment", "digital_investment"]


def enterprises(n: int) -> list[str]:
    """``n`` registered enterprises (bulk-created: the bench is about facts), their credit codes."""
    from datetime import date

    from minsheng.identifiers import uscc_complete
    from minsheng.org.choices import RegionLevel
    from minsheng.org.services import region_create
    from minsheng.subsidies.models import Enterprise, Industry

    city = region_create(code="440600", division_code="440600", name="佛山市", level=RegionLevel.CITY)
    district = region_create(code="440604", division_code="440604", name="禅城区", level=RegionLevel.DISTRICT,
                             parent=city)
    metal = Industry.objects.get(code="33")
    codes = [uscc_complete(f"91440604MA{i:07d}") for i in range(1, n + 1)]
    Enterprise.objects.bulk_create([Enterprise(uscc=code, name=f"企业{i}", region=district, district=district,
                                               industry_code="3360", industry=metal, scale="规上",
                                               registered_on=date(2015, 6, 30)) for i, code in enumerate(codes)],
                                   batch_size=5000)
    return codes


def timed(label: str, rows: list[dict]) -> None:
    from django.db import connection

    from minsheng.subsidies import services

    backend = backend_cpu_seconds(connection)
    cpu, wall = time.process_time(), time.perf_counter()
    result = services.facts_import(rows=rows, source="bench")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    backend = backend_cpu_seconds(connection) - backend if backend is not None else None
    print(f"   {label}: {len(rows):,} rows in {wall:.2f} s wall, {cpu:.2f} s app CPU"
          + (f", {backend:.2f} s database CPU" if backend is not None else "")
          + f" — {result.created:,} new, {result.updated:,} changed, {result.unchanged:,} unchanged")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--facts", type=int, default=5, help="facts per enterprise (at most 9)")
    args = parser.parse_args()
    django_on_scratch_database(args.database, name=DATABASE_NAME)
    from django.db import connection

    from minsheng.subsidies.models import EnterpriseFactRevision

    codes = enterprises(args.enterprises)
    names = FACTS[:args.facts]
    print(f"facts import bench on {connection.vendor} ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}): "
          f"{len(codes):,} enterprises × {len(names)} facts")

    def rows(value) -> list[dict]:
        return [{"uscc": code, "fact": name, "period": "2025", "value": f"{value(i, j)}"}
                for i, code in enumerate(codes) for j, name in enumerate(names)]

    timed("new values", rows(lambda i, j: 1000 + i + j))
    timed("every value changed", rows(lambda i, j: 2000.5 + i + j))
    timed("reported again unchanged", rows(lambda i, j: 2000.5 + i + j))
    print(f"   revisions kept: {EnterpriseFactRevision.objects.count():,}")


if __name__ == "__main__":
    main()
