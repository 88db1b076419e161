"""Builders for tests: a small region tree, units, and named personas holding one role each."""

import itertools

from minsheng.org import geo
from minsheng.org.choices import RegionLevel, Role, UnitKind
from minsheng.org.models import Region, Unit
from minsheng.org.services import membership_grant, region_create, unit_create, user_create

PASSWORD = "a-test-password-2026"
_counter = itertools.count(1)


def region_tree() -> dict[str, Region]:
    """city 440600 > districts 440604 (禅城区), 440606 (顺德区) > one town each > one community > one grid.

    Returns the regions by short name: city, chancheng, shunde, zumiao, daliang, community, grid.
    Reuses the tree when it exists already in this test database.
    """
    existing = Region.objects.filter(code="440600").first()
    if existing:
        return _names()
    city = region_create(
        code="440600",
        division_code="440600",
        name="佛山市",
        level=RegionLevel.CITY,
        geometry=geo.box_polygon(112.4, 22.6, 113.4, 23.6),
    )
    chancheng = region_create(
        code="440604",
        division_code="440604",
        name="禅城区",
        level=RegionLevel.DISTRICT,
        parent=city,
        geometry=geo.box_polygon(113.0, 22.95, 113.15, 23.05),
    )
    shunde = region_create(
        code="440606",
        division_code="440606",
        name="顺德区",
        level=RegionLevel.DISTRICT,
        parent=city,
        geometry=geo.box_polygon(113.15, 22.65, 113.4, 23.05),
    )
    zumiao = region_create(
        code="440604012",
        division_code="440604012",
        name="祖庙街道",
        level=RegionLevel.TOWN,
        parent=chancheng,
        geometry=geo.box_polygon(113.0, 22.95, 113.15, 23.05),
    )
    region_create(
        code="440606005",
        division_code="440606005",
        name="大良街道",
        level=RegionLevel.TOWN,
        parent=shunde,
        geometry=geo.box_polygon(113.15, 22.65, 113.4, 23.05),
    )
    community = region_create(
        code="440604012001",
        name="东风社区",
        level=RegionLevel.COMMUNITY,
        parent=zumiao,
        geometry=geo.box_polygon(113.0, 22.95, 113.05, 23.0),
    )
    region_create(
        code="44060401200101",
        name="东风社区第1网格",
        level=RegionLevel.GRID,
        parent=community,
        geometry=geo.box_polygon(113.0, 22.95, 113.025, 23.0),
    )
    return _names()


def _names() -> dict[str, Region]:
    by_code = {r.code: r for r in Region.objects.all()}
    return {
        "city": by_code["440600"],
        "chancheng": by_code["440604"],
        "shunde": by_code["440606"],
        "zumiao": by_code["440604012"],
        "daliang": by_code["440606005"],
        "community": by_code["440604012001"],
        "grid": by_code["44060401200101"],
    }


def unit(
    name: str | None = None, *, kind: str = UnitKind.MUNICIPAL_DEPARTMENT, code: str | None = None, regions=()
) -> Unit:
    number = next(_counter)
    return unit_create(
        code=code or f"U{number:04d}", name=name or f"测试单位{number}", kind=kind, regions=list(regions)
    )


def person(
    role: str | Role,
    *,
    unit: Unit | None = None,
    region: Region | None = None,
    username: str | None = None,
    superuser: bool = False,
):
    """A persona: one user holding ``role`` (scoped to ``unit``/``region``), password PASSWORD."""
    number = next(_counter)
    user = user_create(
        username=username or f"{role}{number}", password=PASSWORD, display_name=f"{role} {number}", check_password=False
    )
    if superuser:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    membership_grant(user=user, role=str(role), unit=unit, region=region)
    return user


def person_with_grants(world, grants):
    """A person holding ``grants``, each (role, where): ``where`` names a unit attribute of ``world`` for the
    unit roles, else "city" or a key of ``world.regions`` (the property tests' random grant sets)."""
    from minsheng.org.choices import Role
    from minsheng.org.services import membership_grant, user_create

    user = user_create(username=f"p{abs(hash(tuple(grants)))}", password=None)
    for role, where in grants:
        if role in (Role.UNIT_HANDLER, Role.UNIT_HEAD):
            membership_grant(user=user, role=role, unit=getattr(world, where))
        elif role == Role.CITIZEN:
            membership_grant(user=user, role=role)
        else:
            membership_grant(user=user, role=role, region=None if where == "city" else world.regions[where])
    return user
