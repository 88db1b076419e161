"""Foshan for the demo: the city, 5 districts and 32 towns/streets with their real division codes,
generated communities and grids (schematic boxes, not real boundaries), about 70 real-named units,
and one account for every role.
"""

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model

from . import geo
from .choices import RegionLevel, Role, UnitKind
from .models import Region, Unit
from .services import membership_grant, region_create, unit_create, user_create

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEMO_PASSWORD = "minsheng-demo-2026"  # noqa: S105 (printed by the demo command on purpose)
COMMUNITY_NAMES = [
    "东风",
    "新华",
    "文华",
    "朝阳",
    "幸福",
    "和平",
    "同济",
    "南浦",
    "石湾",
    "澜石",
    "环市",
    "丰收",
    "安宁",
    "福宁",
    "碧桂",
    "金澜",
    "滨江",
    "岭南",
    "明珠",
    "紫荆",
]


@dataclass
class FoshanDemo:
    city: Region
    districts: list[Region] = field(default_factory=list)
    towns: list[Region] = field(default_factory=list)
    units_by_code: dict[str, Unit] = field(default_factory=dict)
    town_office: dict[int, Unit] = field(default_factory=dict)  # town region id -> its office
    district_government: dict[int, Unit] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role label, where)


def _split(box: list[float], count: int) -> list[list[float]]:
    """Cut a box into ``count`` boxes on a near-square lattice."""
    columns = max(1, round(count**0.5))
    rows = -(-count // columns)
    west, south, east, north = box
    width, height = (east - west) / columns, (north - south) / rows
    cells = []
    for index in range(count):
        column, row = index % columns, index // columns
        cells.append(
            [west + column * width, south + row * height, west + (column + 1) * width, south + (row + 1) * height]
        )
    return cells


def load_regions(*, rng: random.Random, communities_per_town: int = 4, grids_per_community: int = 3) -> FoshanDemo:
    data = json.loads((FIXTURES / "foshan_divisions.json").read_text(encoding="utf-8"))
    city_box = [112.40, 22.65, 113.40, 23.55]
    city = region_create(
        code=data["division_code"],
        division_code=data["division_code"],
        name=data["name"],
        level=RegionLevel.CITY,
        geometry=geo.box_polygon(*city_box),
    )
    demo = FoshanDemo(city=city)
    for district_data in data["districts"]:
        district = region_create(
            code=district_data["division_code"],
            division_code=district_data["division_code"],
            name=district_data["name"],
            level=RegionLevel.DISTRICT,
            parent=city,
            geometry=geo.box_polygon(*district_data["box"]),
        )
        demo.districts.append(district)
        town_boxes = _split(district_data["box"], len(district_data["towns"]))
        for town_data, town_box in zip(district_data["towns"], town_boxes, strict=True):
            town = region_create(
                code=town_data["division_code"],
                division_code=town_data["division_code"],
                name=town_data["name"],
                level=RegionLevel.TOWN,
                parent=district,
                geometry=geo.box_polygon(*town_box),
            )
            demo.towns.append(town)
            names = rng.sample(COMMUNITY_NAMES, communities_per_town)
            for number, (name, community_box) in enumerate(
                zip(names, _split(town_box, communities_per_town), strict=True), 1
            ):
                community = region_create(
                    code=f"{town.code}{number:03d}",
                    name=f"{name}社区",
                    level=RegionLevel.COMMUNITY,
                    parent=town,
                    geometry=geo.box_polygon(*community_box),
                )
                west, south, east, north = community_box
                strip = (east - west) / grids_per_community
                for grid_number in range(1, grids_per_community + 1):
                    grid_box = [west + (grid_number - 1) * strip, south, west + grid_number * strip, north]
                    region_create(
                        code=f"{community.code}{grid_number:02d}",
                        name=f"{community.name}第{grid_number}网格",
                        level=RegionLevel.GRID,
                        parent=community,
                        geometry=geo.box_polygon(*grid_box),
                    )
    return demo


def load_units(demo: FoshanDemo) -> None:
    data = json.loads((FIXTURES / "foshan_units.json").read_text(encoding="utf-8"))
    for item in data["municipal_departments"]:
        unit = unit_create(
            kind=UnitKind.MUNICIPAL_DEPARTMENT,
            regions=[demo.city],
            contact_phone="0757-12345",
            address="佛山市禅城区岭南大道北",
            **item,
        )
        demo.units_by_code[unit.code] = unit
    for item in data["public_utilities"]:
        unit = unit_create(kind=UnitKind.PUBLIC_UTILITY, regions=[demo.city], contact_phone="0757-12345", **item)
        demo.units_by_code[unit.code] = unit
    for district in demo.districts:
        government = unit_create(
            code=f"FS-{district.code}",
            name=f"佛山市{district.name}人民政府",
            short_name=f"{district.name}政府",
            kind=UnitKind.DISTRICT_GOVERNMENT,
            regions=[district],
        )
        demo.units_by_code[government.code] = government
        demo.district_government[district.pk] = government
    for town in demo.towns:
        district = next(d for d in demo.districts if d.pk == town.parent_id)
        suffix = "办事处" if town.name.endswith("街道") else "人民政府"
        name = f"佛山市{district.name}{town.name}{suffix}"
        office = unit_create(
            code=f"FS-{town.code}",
            name=name,
            short_name=town.name,
            kind=UnitKind.TOWN_OFFICE,
            parent=demo.district_government[district.pk],
            regions=[town],
        )
        demo.units_by_code[office.code] = office
        demo.town_office[town.pk] = office


def demo_account(
    demo: FoshanDemo,
    *,
    username: str,
    display_name: str,
    role: str,
    unit: Unit | None = None,
    region: Region | None = None,
    staff: bool = False,
    superuser: bool = False,
    mobile: str = "",
):
    """One demo person with one role; the password is DEMO_PASSWORD."""
    user = user_create(username=username, password=DEMO_PASSWORD, display_name=display_name, mobile=mobile)
    if staff or superuser:
        user.is_staff = True
        user.is_superuser = superuser
        user.save(update_fields=["is_staff", "is_superuser"])
    membership_grant(user=user, role=role, unit=unit, region=region)
    where = " / ".join(x.name for x in (unit, region) if x is not None)
    demo.accounts.append((username, str(Role(role).label), where))
    return user


def load_accounts(demo: FoshanDemo) -> None:
    units = demo.units_by_code
    a = demo_account
    a(demo, username="admin", display_name="系统管理员", role=Role.ADMIN, superuser=True)
    a(demo, username="citizen", display_name="陈市民", role=Role.CITIZEN, mobile="13800138000")
    a(demo, username="enterprise", display_name="何企业", role=Role.ENTERPRISE, mobile="13923456789")
    a(demo, username="agent", display_name="李话务", role=Role.CALL_AGENT)
    a(demo, username="dispatcher", display_name="王派单", role=Role.DISPATCHER)
    a(demo, username="handler", display_name="张承办", role=Role.UNIT_HANDLER, unit=units["FS-CGJ"])
    a(demo, username="head", display_name="刘负责", role=Role.UNIT_HEAD, unit=units["FS-CGJ"])
    a(demo, username="reviewer", display_name="赵审核", role=Role.REVIEWER)
    a(demo, username="callback", display_name="孙回访", role=Role.CALLBACK_AGENT)
    a(demo, username="supervisor", display_name="周督办", role=Role.SUPERVISOR)
    a(demo, username="projects", display_name="吴专管", role=Role.PROJECT_OFFICER)
    a(demo, username="funds", display_name="郑资金", role=Role.FUNDS_OFFICER, unit=units["FS-GXJ"])
    a(demo, username="leader", display_name="黄领导", role=Role.LEADER)


def load(*, stdout, rng: random.Random, scale: str) -> FoshanDemo:
    demo = load_regions(rng=rng)
    load_units(demo)
    load_accounts(demo)
    stdout.write(
        f"  regions: {Region.objects.count()}, units: {Unit.objects.count()}, "
        f"accounts: {get_user_model().objects.count()}"
    )
    return demo

