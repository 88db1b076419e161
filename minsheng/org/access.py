"""Who may open each page and call each API endpoint: the ONE table the access test and docs/security.md
are generated from.

Each URL name (``appeals:intake``) and each API operation (``POST /api/appeals/``) lists the grants that
pass its entrance — signing in and the role gate. Tokens:

* a role (``dispatcher``): any grant of that role, city-wide or limited to a region or unit;
* ``role@city``: only a city-wide grant of that role (the ledger has no region to limit);
* ``anonymous``: anyone, signed in or not; ``signed_in``: anyone signed in, whatever their roles;
* ``superuser``: the technical superuser (Django's ``is_superuser``).

What a grant reaches *behind* the entrance — which cases, projects, enterprises — is the selectors' and the
services' business (``org/scope.py``), proven by the scope, grant and property tests. A page that takes an
object (``<int:pk>``) is visited with an object that does not exist: the table says who is let in to look.

``tests/test_access_matrix.py`` visits every URL and every endpoint of the API schema as every persona and
compares the outcome with this table; an address without an entry fails it.
``python manage.py access_table`` prints the table for docs/security.md (a test checks the doc is current).
"""

from .choices import Role

ANONYMOUS = "anonymous"
SIGNED_IN = "signed_in"
SUPERUSER = "superuser"

R = Role
CENTRE = (R.CALL_AGENT, R.DISPATCHER, R.REVIEWER, R.CALLBACK_AGENT, R.SUPERVISOR, R.LEADER)
UNIT = (R.UNIT_HANDLER, R.UNIT_HEAD)


def city(*roles: str) -> tuple[str, ...]:
    return tuple(f"{role}@city" for role in roles)


# Filled in below, one line per address; kept sorted by name.
PAGES: dict[str, tuple[str, ...]] = {}
API: dict[str, tuple[str, ...]] = {}


def admits(tokens: tuple[str, ...], *, grants: tuple[tuple[str, bool], ...], superuser: bool = False,
           anonymous: bool = False) -> bool:
    """Whether an address with ``tokens`` lets in a person with ``grants`` ((role, city-wide) pairs)."""
    if ANONYMOUS in tokens:
        return True
    if anonymous:
        return False
    if SIGNED_IN in tokens:
        return True
    if superuser:
        return SUPERUSER in tokens
    return any(role in tokens or (city_wide and f"{role}@city" in tokens) for role, city_wide in grants)


def entry(key: str) -> tuple[str, ...] | None:
    return PAGES.get(key) if key in PAGES else API.get(key)


TOKEN_WORDS = {ANONYMOUS: "anyone", SIGNED_IN: "anyone signed in", SUPERUSER: "superuser"}


def _words(tokens: tuple[str, ...]) -> str:
    return ", ".join(TOKEN_WORDS.get(token, token.replace("@city", " (city-wide)")) for token in tokens) or "nobody"


def access_table_markdown() -> str:
    """The table of docs/security.md: one row per address, the grants that may enter it."""
    lines = ["| page (URL name) | who may open it |", "|---|---|"]
    lines += [f"| `{key}` | {_words(tokens)} |" for key, tokens in sorted(PAGES.items())]
    lines += ["", "| API endpoint | who may call it |", "|---|---|"]
    lines += [f"| `{key}` | {_words(tokens)} |" for key, tokens in sorted(API.items())]
    return "\n".join(lines) + "\n"
