"""Visiting every address as a persona: the addresses (from the URL configuration and the API schema),
the personas (each role city-wide and limited, multi-role combinations, anonymous) and what a visit shows."""

import json
import re
from dataclasses import dataclass

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from minsheng.org.choices import Role, UnitKind
from minsheng.org.models import Membership
from minsheng.org.services import membership_grant, unit_create, user_create
from minsheng.org.tests.factories import region_tree

MISSING = "999999"  # an object that does not exist: a visit shows the entrance, never someone's data
# Addresses not visited, and why.
NOT_VISITED = {
    "logout": "signing out ends the persona's session; it is open to anyone (POST)",
}


@dataclass(frozen=True)
class Address:
    key: str  # the entry's name in minsheng.org.access: a URL name, or "METHOD /api/path"
    method: str
    url: str
    api: bool


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), full)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name


def _fill(route: str) -> str:
    route = re.sub(r"<(?:int:)?[a-z_]+>", MISSING, route)
    route = re.sub(r"<(?:str|slug|path):[a-z_]+>", "NOPE", route)
    return "/" + route.lstrip("^").rstrip("$")


def page_addresses() -> list[Address]:
    """Every named page of the URL configuration (the API comes from its schema; the admin is one entry)."""
    seen, found = set(), []
    for route, name in _walk(get_resolver().url_patterns):
        if route.startswith("api/") or name is None or name in seen or name in NOT_VISITED:
            continue
        seen.add(name)
        if route.startswith("admin/"):
            if name == "admin:index":
                found.append(Address("admin:index", "GET", "/admin/", api=False))
            continue
        found.append(Address(name, "GET", _fill(route), api=False))
    return sorted(found, key=lambda a: a.key)


def api_addresses() -> list[Address]:
    schema = Client().get("/api/openapi.json").json()
    found = []
    for path, operations in schema["paths"].items():
        for method in operations:
            url = re.sub(r"\{[^}]+\}", MISSING, path)
            found.append(Address(f"{method.upper()} {path}", method.upper(), url, api=True))
    return sorted(found, key=lambda a: a.key)


@dataclass
class Persona:
    name: str
    grants: tuple[tuple[str, bool], ...]  # (role, city-wide)
    superuser: bool = False
    anonymous: bool = False
    user: object = None


STAFF_ROLES = [Role.CALL_AGENT, Role.DISPATCHER, Role.REVIEWER, Role.CALLBACK_AGENT, Role.SUPERVISOR,
               Role.PROJECT_OFFICER, Role.FUNDS_OFFICER, Role.LEADER, Role.SECURITY_ADMIN, Role.AUDITOR]


def persona_specs() -> list[tuple[str, list[tuple[str, str]], bool]]:
    """(name, [(role, where)], superuser); where: "city", "shunde", "unit", "shunde_unit"."""
    specs = [("anonymous", [], False), ("no_role", [], False), ("superuser", [], True)]
    for role in STAFF_ROLES:
        specs += [(f"{role}@city", [(role, "city")], False), (f"{role}@shunde", [(role, "shunde")], False)]
    for role in (Role.UNIT_HANDLER, Role.UNIT_HEAD):
        specs += [(f"{role}@unit", [(role, "unit")], False), (f"{role}@shunde_unit", [(role, "shunde_unit")], False)]
    specs += [(str(Role.CITIZEN), [(Role.CITIZEN, "city")], False),
              (str(Role.ENTERPRISE), [(Role.ENTERPRISE, "city")], False),
              (str(Role.ADMIN), [(Role.ADMIN, "city")], False),
              ("dispatcher@chancheng+callback_agent@shunde",
               [(Role.DISPATCHER, "chancheng"), (Role.CALLBACK_AGENT, "shunde")], False),
              ("unit_handler@unit+citizen", [(Role.UNIT_HANDLER, "unit"), (Role.CITIZEN, "city")], False),
              ("leader@shunde+project_officer@city", [(Role.LEADER, "shunde"), (Role.PROJECT_OFFICER, "city")],
               False)]
    return specs


def personas() -> list[Persona]:
    """The personas, made in the database (no password: they are signed in directly)."""
    regions = region_tree()
    city_unit = unit_create(code="ACCESS-U1", name="访问测试市直单位", kind=UnitKind.MUNICIPAL_DEPARTMENT)
    shunde_unit = unit_create(code="ACCESS-U2", name="访问测试顺德单位", kind=UnitKind.TOWN_OFFICE,
                              regions=[regions["shunde"]])
    made = []
    for name, grants, superuser in persona_specs():
        if name == "anonymous":
            made.append(Persona(name, (), anonymous=True))
            continue
        user = user_create(username=f"access-{name}"[:150], password=None, display_name=name)
        if superuser:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        for role, where in grants:
            unit = {"unit": city_unit, "shunde_unit": shunde_unit}.get(where)
            region = regions.get(where) if where in ("shunde", "chancheng") else None
            if where == "shunde_unit":
                region = regions["shunde"]
            if role in (Role.CITIZEN, Role.ENTERPRISE):
                unit = region = None
            membership_grant(user=user, role=str(role), unit=unit, region=region)
        made.append(Persona(name, tuple((str(r), w == "city" or (w == "unit")) for r, w in grants),
                            superuser=superuser, user=user))
    assert Membership.objects.filter(user__username__startswith="access-").exists()
    return made


def client_for(persona: Persona) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", raise_request_exception=False)
    if not persona.anonymous:
        client.force_login(persona.user)
    return client


def visit(client: Client, address: Address) -> str:
    """"allowed", "denied", or "error <status>" (a 500 is always wrong)."""
    if address.method == "GET":
        response = client.get(address.url)
        if response.status_code == 405 and not address.api:
            response = client.post(address.url, {})
    elif address.api:
        response = client.generic(address.method, address.url, json.dumps({}), content_type="application/json")
    else:
        response = client.post(address.url, {})
    status = response.status_code
    if status >= 500:
        return f"error {status}"
    if status in (401, 403):
        return "denied"
    if status in (301, 302) and "/login/" in response.get("Location", ""):
        return "denied"
    return "allowed"
