"""Enterprises and their users: registration (one or a file of them), the industry code check, and what
every import shares (its columns checked, each bad row named, all-or-nothing)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng import lookups  # noqa: F401  (registers __any_of)
from minsheng.audit.services import audit_record
from minsheng.identifiers import uscc_problem, validate_mobile
from minsheng.org.choices import RegionLevel, Role
from minsheng.org.models import Region
from minsheng.org.scope import grants_reaching_region, user_scope

from .. import cells
from ..choices import IndustryLevel, Scale
from ..models import Enterprise, Industry

ENTERPRISE_COLUMNS = ("uscc", "name", "region", "industry_code", "scale", "registered_on")
# How many values one query takes (SQLite allows 32,766 parameters; PostgreSQL gets one array).
LOOKUP_CHUNK = 20_000


def _district_of(region: Region) -> Region | None:
    codes = [code for code in region.path.split("/") if code]
    if region.level == RegionLevel.DISTRICT:
        return region
    return Region.objects.filter(code__in=codes, level=RegionLevel.DISTRICT).first()


@dataclass(frozen=True)
class _IndustryTable:
    """The GB/T 4754 codes the reference table holds, level by level."""

    divisions: dict[str, int]  # code -> Industry pk (an enterprise's ``industry`` is its division)
    groups: frozenset[str]
    classes: frozenset[str]

    @property
    def divisions_with_groups(self) -> frozenset[str]:
        return frozenset(code[:2] for code in self.groups)

    @property
    def groups_with_classes(self) -> frozenset[str]:
        return frozenset(code[:3] for code in self.classes)


@lru_cache(maxsize=1)
def _industry_table() -> _IndustryTable:
    rows = list(Industry.objects.exclude(level=IndustryLevel.SECTION).values_list("code", "level", "pk"))
    return _IndustryTable(
        divisions={code: pk for code, level, pk in rows if level == IndustryLevel.DIVISION},
        groups=frozenset(code for code, level, _pk in rows if level == IndustryLevel.GROUP),
        classes=frozenset(code for code, level, _pk in rows if level == IndustryLevel.CLASS),
    )


def _industry_codes() -> dict[str, int]:
    """The GB/T 4754 divisions: code -> Industry pk."""
    return _industry_table().divisions


def reference_data_forget() -> None:
    """Forget the cached industry table (after the reference data changed)."""
    _industry_table.cache_clear()


def industry_code_problem(code: str) -> str | None:
    """Why ``code`` is not a GB/T 4754 industry code, or None. The code has 2 to 4 digits and its division
    exists; its group (3 digits) must exist when the reference table holds groups for that division, and
    its class (4 digits) when the table holds classes for that group: a code is checked as deep as the
    table goes (see docs/subsidies.md for what the shipped table holds)."""
    table = _industry_table()
    if not re.fullmatch(r"[0-9]{2,4}", code) or code[:2] not in table.divisions:
        return _("“%(code)s” is not a GB/T 4754 industry code (2 to 4 digits of a known division).") % {"code": code}
    if len(code) >= 3 and code[:2] in table.divisions_with_groups and code[:3] not in table.groups:
        return _("“%(code)s” is not a GB/T 4754 industry code: division %(division)s has no group (中类) "
                 "%(group)s.") % {"code": code, "division": code[:2], "group": code[:3]}
    if len(code) == 4 and code[:3] in table.groups_with_classes and code not in table.classes:
        return _("“%(code)s” is not a GB/T 4754 industry code: group %(group)s has no class (小类) %(code)s.") % {
            "code": code, "group": code[:3]}
    return None


def enterprise_problems(*, uscc: str, name: str, industry_code: str, scale: str) -> dict[str, str]:
    """What is wrong with an enterprise's identifying fields, by field (empty when nothing)."""
    problems = {}
    if problem := uscc_problem(uscc):
        problems["uscc"] = problem
    if not (name or "").strip():
        problems["name"] = _("The name is missing.")
    if problem := industry_code_problem((industry_code or "").strip()):
        problems["industry_code"] = problem
    if scale not in Scale.values:
        problems["scale"] = _("The scale is “规上” or “规下”.")
    return problems


def _require_officer_for(actor, regions: Iterable[Region]) -> None:
    """A funds officer (or the system, ``actor=None``) whose own grant covers each enterprise's region."""
    if actor is None:
        return
    outside = sorted({region.name for region in regions
                      if not grants_reaching_region(actor, region=region, only_roles=[Role.FUNDS_OFFICER])})
    if outside:
        raise PermissionDenied(_("Only a funds officer whose area covers %(regions)s may register these "
                                 "enterprises.") % {"regions": "、".join(outside)})


@transaction.atomic
def enterprise_register(*, uscc: str, name: str, region: Region, industry_code: str, scale: str,
                        registered_on: date, actor=None, legal_representative: str = "",
                        legal_representative_mobile: str = "") -> Enterprise:
    _require_officer_for(actor, [region])
    uscc = (uscc or "").strip().upper()
    industry_code = (industry_code or "").strip()
    if problems := enterprise_problems(uscc=uscc, name=name, industry_code=industry_code, scale=scale):
        raise ValidationError(problems)
    if Enterprise.objects.filter(uscc=uscc).exists():
        raise ValidationError({"uscc": _("An enterprise with this credit code is registered already.")})
    if registered_on > timezone.localdate():
        raise ValidationError({"registered_on": _("The registration date is in the future.")})
    if legal_representative_mobile:
        try:
            validate_mobile(legal_representative_mobile)
        except ValidationError as exc:
            raise ValidationError({"legal_representative_mobile": exc.messages}) from exc
    enterprise = Enterprise.objects.create(
        uscc=uscc, name=name.strip(), region=region, district=_district_of(region),
        industry_code=industry_code, industry_id=_industry_codes()[industry_code[:2]], scale=scale,
        registered_on=registered_on, legal_representative=(legal_representative or "").strip()[:50],
        legal_representative_mobile=legal_representative_mobile or "",
    )
    if actor is not None:
        audit_record(actor=actor, action="subsidies.enterprise_register", obj=enterprise, summary={"uscc": uscc})
    return enterprise


@transaction.atomic
def enterprise_link_user(*, enterprise: Enterprise, user, actor=None) -> None:
    """Let ``user`` (holding the enterprise role) act for ``enterprise``: for the demo, tests and data
    migrations only. People join an enterprise by claiming it or by the administrator's invitation
    (``identity.py``); no page calls this."""
    if Role.ENTERPRISE not in user_scope(user).roles:
        raise ValidationError({"user": _("Only a person with the enterprise role can act for an enterprise.")})
    enterprise.users.add(user)
    if actor is not None:
        audit_record(actor=actor, action="subsidies.enterprise_link_user", obj=enterprise,
                     summary={"user": user.get_username()})


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    rows: int = 0
    unchanged: int = 0  # facts reported again with the value and source they had
    batch: int | None = None  # the FactBatch that recorded a facts import


def _row_error(errors: list[str], number: int, message: str) -> None:
    errors.append(_("Row %(row)s: %(message)s") % {"row": number, "message": message})


def _refuse_if(errors: list[str]) -> None:
    if errors:
        shown = errors[:200]
        if len(errors) > len(shown):
            shown.append(_("… and %(n)s more rows with errors.") % {"n": len(errors) - len(shown)})
        raise ValidationError({"file": shown})


def _require_columns(rows: list[dict], columns: Iterable[str], *, optional: Iterable[str] = ()) -> None:
    """Refuse a file whose header lacks a column the import needs, naming them all (rather than
    calling every row wrong for the same reason)."""
    present = set().union(*(row.keys() for row in rows[:1]))
    if missing := [column for column in columns if column not in present]:
        raise ValidationError({"file": [
            _("The first row must name the columns %(columns)s; this file lacks %(missing)s.") % {
                "columns": ", ".join([*columns, *(f"[{c}]" for c in optional)]), "missing": ", ".join(missing)}]})


def _enterprise_ids(usccs: Iterable[str]) -> dict[str, int]:
    """Credit code -> enterprise id for those registered, a chunk of codes per query."""
    found: dict[str, int] = {}
    for chunk in chunks(sorted(set(usccs))):
        found.update(Enterprise.objects.filter(uscc__any_of=chunk).values_list("uscc", "pk"))
    return found


def chunks(values: list, size: int = LOOKUP_CHUNK) -> Iterable[list]:
    """``values`` in lists of at most ``size`` (itertools.batched, which Python 3.11 lacks)."""
    return (values[start:start + size] for start in range(0, len(values), size))


def _lost_leading_zero(cell, code: str) -> bool:
    """An Excel number cell of 1 or 3 digits in the industry code column: 0511 typed as a number is 511,
    which reads as a group of division 51 — refused rather than guessed (2 and 4 digits are unambiguous)."""
    return isinstance(cell, int | float) and not isinstance(cell, bool) and len(code) in (1, 3)


@transaction.atomic
def enterprises_import(*, rows: Iterable[dict], actor=None) -> ImportResult:
    """Register enterprises from rows (uscc, name, region, industry_code, scale, registered_on).

    Every row is checked first; one bad row refuses the whole file, with each bad row named.
    ``region`` is a region code. New enterprises only: a known credit code is an error, and so is a
    credit code given twice in the file (both rows named). ``registered_on`` is read in every form
    cells.parse_date knows (an Excel date cell, 2015-06-30, 2015/6/30, 2015年6月30日, 20150630).
    """
    rows = list(rows)
    _require_columns(rows, ENTERPRISE_COLUMNS)
    errors: list[str] = []
    regions = {r.code: r for r in Region.objects.all()}
    known = _enterprise_ids(cells.text(r.get("uscc")).upper() for r in rows)
    today = timezone.localdate()
    seen: dict[str, int] = {}
    prepared = []
    for number, row in enumerate(rows, 2):
        uscc = cells.text(row.get("uscc")).upper()
        code = cells.text(row.get("industry_code"))
        problems = enterprise_problems(uscc=uscc, name=cells.text(row.get("name")), industry_code=code,
                                       scale=cells.text(row.get("scale")))
        if _lost_leading_zero(row.get("industry_code"), code):
            problems["industry_code"] = _("the industry code %(code)s is a number cell, which loses leading zeros "
                                          "(0511 becomes 511): format the column as text.") % {"code": code}
        for problem in problems.values():
            _row_error(errors, number, str(problem))
        if uscc in known:
            _row_error(errors, number, _("credit code %(uscc)s is registered already.") % {"uscc": uscc})
        elif uscc in seen:
            _row_error(errors, number, _("credit code %(uscc)s is on row %(first)s too: a file registers an "
                                         "enterprise once.") % {"uscc": uscc, "first": seen[uscc]})
        seen.setdefault(uscc, number)
        region = regions.get(cells.text(row.get("region")))
        if region is None:
            _row_error(errors, number, _("unknown region code “%(code)s”.") % {"code": cells.text(row.get("region"))})
        registered_on = cells.parse_date(row.get("registered_on"))
        if registered_on is None:
            _row_error(errors, number, _("the registration date “%(cell)s” is not a date: write it like 2015-06-30, "
                                         "2015/6/30 or 2015年6月30日.")
                       % {"cell": cells.text(row.get("registered_on"))})
        elif registered_on > today:
            _row_error(errors, number, _("the registration date %(date)s is in the future.")
                       % {"date": registered_on.isoformat()})
        prepared.append((uscc, row, region, registered_on, code))
    _refuse_if(errors)
    _require_officer_for(actor, [region for _uscc, _row, region, _on, _code in prepared])
    districts: dict[int, Region | None] = {}
    objects = []
    for uscc, row, region, registered_on, code in prepared:
        if region.pk not in districts:
            districts[region.pk] = _district_of(region)
        objects.append(Enterprise(
            uscc=uscc, name=cells.text(row["name"]), region=region, district=districts[region.pk],
            industry_code=code, industry_id=_industry_codes()[code[:2]], scale=cells.text(row["scale"]),
            registered_on=registered_on,
        ))
    Enterprise.objects.bulk_create(objects, batch_size=2000)
    if actor is not None:
        audit_record(actor=actor, action="subsidies.enterprises_import", summary={"rows": len(objects)})
    return ImportResult(created=len(objects), rows=len(objects))
