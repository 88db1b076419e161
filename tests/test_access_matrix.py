"""Every page and every API endpoint, visited by every persona, against the one table in
``minsheng.org.access`` (issue 10). An address without an entry fails; so does an entry without an address.

The personas: each staff role city-wide and limited to 顺德区 (unit roles: a city unit and a 顺德 unit),
citizen, enterprise user, administrator, the technical superuser, a person with no role, multi-role
combinations, and anonymous. Objects in addresses do not exist (999999): a visit shows the entrance."""

import pytest

from minsheng.org import access

from .access_visits import NOT_VISITED, api_addresses, client_for, page_addresses, personas, visit

pytestmark = pytest.mark.slow  # date-independent: left out of the runs at other dates

GROUPS = ["api/appeals", "api/subsidies", "api/other", "appeals", "projects", "subsidies", "other"]


def _group(address) -> str:
    if address.api:
        app = address.url.split("/")[2]
        return f"api/{app}" if f"api/{app}" in GROUPS else "api/other"
    app = address.key.split(":")[0] if ":" in address.key else ""
    return app if app in GROUPS else "other"


def test_every_address_has_exactly_one_entry_and_every_entry_an_address(db):
    pages = {a.key for a in page_addresses()}
    api = {a.key for a in api_addresses()}
    assert sorted(pages - set(access.PAGES)) == [], "pages without an entry in minsheng/org/access.py"
    assert sorted(api - set(access.API)) == [], "API endpoints without an entry in minsheng/org/access.py"
    assert sorted(set(access.PAGES) - pages - set(NOT_VISITED)) == [], "entries for pages that do not exist"
    assert sorted(set(access.API) - api) == [], "entries for endpoints that do not exist"


@pytest.mark.parametrize("group", GROUPS)
def test_each_persona_enters_exactly_the_addresses_the_table_allows(db, group):
    addresses = [a for a in page_addresses() + api_addresses() if _group(a) == group]
    people = personas()
    clients = {p.name: client_for(p) for p in people}
    wrong = []
    for address in addresses:
        tokens = access.entry(address.key)
        if tokens is None:
            continue  # reported by the test above
        for person in people:
            seen = visit(clients[person.name], address)
            expected = access.admits(tokens, grants=person.grants, superuser=person.superuser,
                                     anonymous=person.anonymous)
            if seen != ("allowed" if expected else "denied"):
                wrong.append(f"{address.key} as {person.name}: {seen}, expected "
                             f"{'allowed' if expected else 'denied'}")
    assert wrong == []


def test_the_role_table_in_the_security_doc_is_current():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "security.md").read_text(encoding="utf-8")
    start, end = "<!-- access-table:start -->\n", "<!-- access-table:end -->"
    current = text[text.index(start) + len(start):text.index(end)]
    assert current == access.access_table_markdown(), "run: python manage.py access_table, paste into docs/security.md"
