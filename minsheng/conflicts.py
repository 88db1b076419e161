"""Conflict: someone else acted on the same record first (a stale version, a race that was lost).

Raised by services; the API answers 409 and pages show the message, so the loser re-reads and
decides again instead of overwriting the winner's work.
"""


class Conflict(Exception):
    pass
