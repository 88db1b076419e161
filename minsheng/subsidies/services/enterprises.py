"""Enterprises, their users and their facts (registration, imports)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng import lookups  # noqa: F401  (registers __any_of)
from minsheng.audit.services import audit_record
from minsheng.identifiers import uscc_problem, validate_mobile
from minsheng.org.choices import RegionLevel, Role
from minsheng.org.models import Region
from minsheng.org.scope import user_scope

from .. import rules
from ..choices import Scale
from ..models import (
    Enterprise,
    EnterpriseFact,
    FactDefinition,
    Industry,
)


def _district_of(region: Region) -> Region | None:
    codes = [code for code in region.path.split("/") if code]
    if region.level == RegionLevel.DISTRICT:
        return region
    return Region.objects.filter(code__in=codes, level=RegionLevel.DISTRICT).first()


@lru_cache(maxsize=1)
def _industry_codes() -> dict[str, int]:
    return dict(Industry.objects.filter(level="division").values_list("code", "pk"))


def enterprise_problems(*, uscc: str, name: str, industry_code: str, scale: str) -> dict[str, str]:
    """What is wrong with an enterprise's identifying fields, by field (empty when nothing)."""
    problems = {}
    if problem := uscc_problem(uscc):
        problems["uscc"] = problem
    if not (name or "").strip():
        problems["name"] = _("The name is missing.")
    code = (industry_code or "").strip()
    if not re.fullmatch(r"\d{2,4}", code) or code[:2] not in _industry_codes():
        problems["industry_code"] = _(
            "“%(code)s” is not a GB/T 4754 industry code (2 to 4 digits of a known division).") % {"code": code}
    if scale not in Scale.values:
        problems["scale"] = _("The scale is “规上” or “规下”.")
    return problems


@transaction.atomic
def enterprise_register(*, uscc: str, name: str, region: Region, industry_code: str, scale: str,
                        registered_on: date, actor=None, legal_representative: str = "",
                        legal_representative_mobile: str = "") -> Enterprise:
    uscc = (uscc or "").strip().upper()
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


def _row_error(errors: list[str], number: int, message: str) -> None:
    errors.append(_("Row %(row)s: %(message)s") % {"row": number, "message": message})


def _refuse_if(errors: list[str]) -> None:
    if errors:
        shown = errors[:200]
        if len(errors) > len(shown):
            shown.append(_("… and %(n)s more rows with errors.") % {"n": len(errors) - len(shown)})
        raise ValidationError({"file": shown})


@transaction.atomic
def enterprises_import(*, rows: Iterable[dict], actor=None) -> ImportResult:
    """Register enterprises from rows (uscc, name, region, industry_code, scale, registered_on).

    Every row is checked first; one bad row refuses the whole file, with each bad row named.
    ``region`` is a region code. New enterprises only: a known credit code is an error.
    """
    rows = list(rows)
    errors: list[str] = []
    regions = {r.code: r for r in Region.objects.all()}
    known = set(Enterprise.objects.filter(uscc__in=[str(r.get("uscc", "")).strip().upper() for r in rows])
                .values_list("uscc", flat=True))
    seen: set[str] = set()
    prepared = []
    for number, row in enumerate(rows, 2):
        uscc = str(row.get("uscc") or "").strip().upper()
        problems = enterprise_problems(uscc=uscc, name=str(row.get("name") or ""),
                                       industry_code=str(row.get("industry_code") or "").strip(),
                                       scale=str(row.get("scale") or "").strip())
        for problem in problems.values():
            _row_error(errors, number, str(problem))
        if uscc in known or uscc in seen:
            _row_error(errors, number, _("credit code %(uscc)s is registered already.") % {"uscc": uscc})
        seen.add(uscc)
        region = regions.get(str(row.get("region") or "").strip())
        if region is None:
            _row_error(errors, number, _("unknown region code “%(code)s”.") % {"code": row.get("region")})
        registered_on = _parse_date(row.get("registered_on"))
        if registered_on is None or registered_on > timezone.localdate():
            _row_error(errors, number, _("the registration date must be a past date like 2015-06-30."))
        prepared.append((uscc, row, region, registered_on))
    _refuse_if(errors)
    districts: dict[int, Region | None] = {}
    objects = []
    for uscc, row, region, registered_on in prepared:
        if region.pk not in districts:
            districts[region.pk] = _district_of(region)
        code = str(row["industry_code"]).strip()
        objects.append(Enterprise(
            uscc=uscc, name=str(row["name"]).strip(), region=region, district=districts[region.pk],
            industry_code=code, industry_id=_industry_codes()[code[:2]], scale=str(row["scale"]).strip(),
            registered_on=registered_on,
        ))
    Enterprise.objects.bulk_create(objects, batch_size=2000)
    if actor is not None:
        audit_record(actor=actor, action="subsidies.enterprises_import", summary={"rows": len(objects)})
    return ImportResult(created=len(objects), rows=len(objects))


def _parse_date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None


def _parse_amount(value) -> Decimal | None:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _current_period(kind: str) -> str:
    today = timezone.localdate()
    return {"year": f"{today.year}", "quarter": f"{today.year}Q{(today.month - 1) // 3 + 1}",
            "month": f"{today.year}-{today.month:02d}"}[kind]


def fact_problem(*, definition: FactDefinition | None, period: str, value: Decimal | None) -> str | None:
    if definition is None:
        return _("unknown fact.")
    kind = rules.period_kind_of(period)
    if kind != definition.period_kind:
        return _("“%(fact)s” is reported by %(kind)s: the period must look like %(example)s, not “%(period)s”.") % {
            "fact": definition.name, "kind": definition.get_period_kind_display(),
            "example": rules.PERIOD_EXAMPLES[definition.period_kind], "period": period}
    if period > _current_period(kind):
        return _("the period %(period)s has not begun yet.") % {"period": period}
    if value is None:
        return _("the value is not a number.")
    if value < 0:
        return _("the value cannot be negative.")
    if value.as_tuple().exponent < -2 or abs(value) >= Decimal("1e16"):
        return _("the value has more than two decimals or is too large.")
    return None


@transaction.atomic
def facts_import(*, rows: Iterable[dict], source: str = "", actor=None) -> ImportResult:
    """Record facts from rows (uscc, fact, period, value[, source]); a later import replaces a value.

    All-or-nothing: every row is checked (credit code known, fact known, period of the fact's kind
    and not in the future, value a non-negative number) before anything is written.
    """
    rows = list(rows)
    errors: list[str] = []
    definitions = {d.name: d for d in FactDefinition.objects.all()}
    usccs = {str(r.get("uscc") or "").strip().upper() for r in rows}
    enterprises = dict(Enterprise.objects.filter(uscc__in=usccs).values_list("uscc", "pk"))
    wanted: dict[tuple[int, int, str], tuple[Decimal, str]] = {}
    for number, row in enumerate(rows, 2):
        uscc = str(row.get("uscc") or "").strip().upper()
        if problem := uscc_problem(uscc):
            _row_error(errors, number, problem)
            continue
        if uscc not in enterprises:
            _row_error(errors, number, _("no enterprise with credit code %(uscc)s.") % {"uscc": uscc})
            continue
        definition = definitions.get(str(row.get("fact") or "").strip())
        period = str(row.get("period") or "").strip()
        value = _parse_amount(row.get("value"))
        if problem := fact_problem(definition=definition, period=period, value=value):
            if definition is None:
                problem = _("unknown fact “%(fact)s”.") % {"fact": row.get("fact")}
            _row_error(errors, number, problem)
            continue
        wanted[(enterprises[uscc], definition.pk, period)] = (value, str(row.get("source") or source)[:60])
    _refuse_if(errors)
    existing = {
        (f.enterprise_id, f.definition_id, f.period): f
        for f in EnterpriseFact.objects.filter(enterprise_id__in=enterprises.values())
        .filter(definition_id__in={k[1] for k in wanted})
    }
    new, changed = [], []
    for key, (value, row_source) in wanted.items():
        if key in existing:
            fact = existing[key]
            fact.value, fact.source = value, row_source
            changed.append(fact)
        else:
            new.append(EnterpriseFact(enterprise_id=key[0], definition_id=key[1], period=key[2], value=value,
                                      source=row_source))
    EnterpriseFact.objects.bulk_create(new, batch_size=5000)
    EnterpriseFact.objects.bulk_update(changed, ["value", "source", "imported_at"], batch_size=5000)
    if actor is not None:
        audit_record(actor=actor, action="subsidies.facts_import",
                     summary={"created": len(new), "updated": len(changed), "source": source})
    return ImportResult(created=len(new), updated=len(changed), rows=len(rows))
