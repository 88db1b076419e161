"""CPU seconds used by processes on this machine, read from /proc: the benchmarks print them beside
wall-clock times, which a shared 2-core machine inflates."""

import os
from pathlib import Path


def cpu_seconds(pids) -> float:
    """User + system CPU seconds the processes have used so far (processes gone meanwhile count 0)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def backend_cpu_seconds(connection) -> float | None:
    """CPU seconds used so far by the PostgreSQL backend of a Django ``connection``; None for another
    database or a server on another machine."""
    if connection.vendor != "postgresql":
        return None
    if not hasattr(connection, "_bench_backend_pid"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            connection._bench_backend_pid = cursor.fetchone()[0]
    if not Path(f"/proc/{connection._bench_backend_pid}").exists():
        return None
    return cpu_seconds([connection._bench_backend_pid])
