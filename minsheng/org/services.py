"""Writes to the organisation: regions, units, people, their roles and API keys."""

import copy
import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.identifiers import division_code_problem

from . import geo
from .choices import REGION_DEPTH, SEPARATED_DUTIES, UNIT_ROLES, RegionLevel, Role, UnitKind
from .models import ApiKey, Membership, Region, Unit
from .scope import UserScope, scope_forget, user_scope


def _check_region_level(level: str, parent: Region | None) -> None:
    if level not in RegionLevel.values:
        raise ValidationError({"level": _("Unknown region level “%(level)s”.") % {"level": level}})
    if parent is None:
        if level != RegionLevel.CITY:
            raise ValidationError({"parent": _("Only a city has no parent region.")})
    elif REGION_DEPTH[level] != REGION_DEPTH[parent.level] + 1:
        raise ValidationError(
            {"level": _("A %(level)s must sit directly under the level above it.") % {"level": level}}
        )


@transaction.atomic
def region_create(
    *,
    code: str,
    name: str,
    level: str,
    parent: Region | None = None,
    division_code: str = "",
    geometry: dict | None = None,
    actor=None,
) -> Region:
    _check_region_level(level, parent)
    if division_code and (problem := division_code_problem(division_code)):
        raise ValidationError({"division_code": problem})
    if "/" in code:
        raise ValidationError({"code": _("A region code cannot contain “/”.")})
    box = geo.bounding_box(geometry)
    region = Region(
        code=code,
        name=name,
        level=level,
        parent=parent,
        division_code=division_code,
        geometry=geometry,
        path=f"{parent.path if parent else '/'}{code}/",
    )
    if box:
        region.min_lng, region.min_lat, region.max_lng, region.max_lat = box
    region.full_clean()
    region.save()
    if actor is not None:
        audit_record(actor=actor, action="org.region_create", obj=region, summary={"code": code, "level": level})
    return region


@transaction.atomic
def region_set_geometry(*, region: Region, geometry: dict | None, actor=None) -> Region:
    box = geo.bounding_box(geometry)
    if geometry and not box:
        raise ValidationError({"geometry": _("The geometry must be a GeoJSON Polygon or MultiPolygon.")})
    region.geometry = geometry
    region.min_lng, region.min_lat, region.max_lng, region.max_lat = box or (None, None, None, None)
    region.save(update_fields=["geometry", "min_lng", "min_lat", "max_lng", "max_lat"])
    if actor is not None:
        audit_record(actor=actor, action="org.region_set_geometry", obj=region)
    return region


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    kind: str,
    short_name: str = "",
    parent: Unit | None = None,
    regions: list[Region] | tuple[Region, ...] = (),
    contact_person: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    address: str = "",
    actor=None,
) -> Unit:
    if kind not in UnitKind.values:
        raise ValidationError({"kind": _("Unknown unit kind “%(kind)s”.") % {"kind": kind}})
    unit = Unit(
        code=code,
        name=name,
        short_name=short_name,
        kind=kind,
        parent=parent,
        contact_person=contact_person,
        contact_phone=contact_phone,
        contact_email=contact_email,
        address=address,
    )
    unit.full_clean()
    unit.save()
    if regions:
        unit.regions.set(regions)
    if actor is not None:
        audit_record(actor=actor, action="org.unit_create", obj=unit, summary={"code": code, "kind": kind})
    return unit


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    display_name: str = "",
    mobile: str = "",
    email: str = "",
    check_password: bool = True,
    actor=None,
):
    User = get_user_model()
    user = User(username=username, display_name=display_name, mobile=mobile, email=email)
    if password is None:
        user.set_unusable_password()
    else:
        if check_password:
            validate_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if actor is not None:
        audit_record(actor=actor, action="org.user_create", obj=user, summary={"username": username})
    return user


@transaction.atomic
def membership_grant(
    *, user, role: str, unit: Unit | None = None, region: Region | None = None, actor=None
) -> Membership:
    """Give ``user`` a role. Unit roles need a unit; public roles take neither."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    if role in UNIT_ROLES and unit is None:
        raise ValidationError({"unit": _("A unit handler or unit head must belong to a unit.")})
    if role in (Role.CITIZEN, Role.ENTERPRISE) and (unit or region):
        raise ValidationError({"role": _("Citizens and enterprise users are not scoped to a unit or region.")})
    _check_separated_duties(user=user, role=role)
    membership, _created = Membership.objects.get_or_create(
        user=user, role=role, unit=unit, region=region, defaults={"is_active": True}
    )
    if not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    scope_forget(user)
    api_keys_forget()
    audit_record(
        actor=actor,
        action="org.membership_grant",
        obj=membership,
        summary={
            "user": user.get_username(),
            "role": role,
            "unit": unit and unit.code,
            "region": region and region.code,
        },
    )
    return membership


def _check_separated_duties(*, user, role: str) -> None:
    """三员分立: the system administrator, the security administrator and the auditor are three people.
    A superuser counts as a system administrator."""
    if role not in SEPARATED_DUTIES:
        return
    held = set(user.memberships.filter(is_active=True, role__in=SEPARATED_DUTIES).values_list("role", flat=True))
    if user.is_superuser:
        held.add(Role.ADMIN)
    if held - {role}:
        raise ValidationError({"role": _(
            "The system administrator, the security administrator and the auditor must be different people: "
            "this person already holds one of the other two roles.")})


@transaction.atomic
def membership_revoke(*, membership: Membership, actor=None) -> Membership:
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    scope_forget(membership.user)
    api_keys_forget()
    audit_record(actor=actor, action="org.membership_revoke", obj=membership)
    return membership


def _hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_key_issue(*, user, name: str, actor=None) -> tuple[ApiKey, str]:
    """A new key for ``user``; the raw key is returned once and only its hash is stored."""
    prefix = secrets.token_hex(4)
    raw = f"ms_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(user=user, name=name, prefix=prefix, key_hash=_hash_key(raw))
    audit_record(actor=actor, action="org.api_key_issue", obj=key, summary={"user": user.get_username()})
    return key, raw


def api_key_user(raw: str):
    """The active user behind a raw API key, or None.

    A verified key is remembered in this process for ``MINSHENG_API_KEY_CACHE_SECONDS`` (default 5),
    together with its user's grants, so that a call centre registering hundreds of cases a second is
    not read the key, the user and the memberships for every request. Switching a key off,
    deactivating its user or changing a grant takes effect within that time (at once in the process
    that made the change); 0 turns the memory off."""
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "ms":
        return None
    digest = _hash_key(raw)
    remembered = _verified_keys.get(digest)
    if remembered is not None and remembered.until > time.monotonic():
        return remembered.user_copy()
    key = ApiKey.objects.select_related("user").filter(prefix=parts[1], is_active=True).first()
    if key is None or not secrets.compare_digest(key.key_hash, digest) or not key.user.is_active:
        return None
    now = timezone.now()
    # Record use at most once a minute: intake at hundreds of requests a second must not rewrite the row each time.
    if key.last_used_at is None or now - key.last_used_at > dt.timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    seconds = getattr(settings, "MINSHENG_API_KEY_CACHE_SECONDS", 5)
    if seconds > 0:
        if len(_verified_keys) > 1000:
            _verified_keys.clear()
        _verified_keys[digest] = _VerifiedKey(until=time.monotonic() + seconds, user=copy.copy(key.user),
                                              scope=user_scope(key.user))
    return key.user


@dataclass(frozen=True)
class _VerifiedKey:
    until: float  # time.monotonic()
    user: object  # a pristine copy of the user row, never handed out itself
    scope: UserScope

    def user_copy(self):
        user = copy.copy(self.user)
        user._minsheng_scope = self.scope
        return user


_verified_keys: dict[str, _VerifiedKey] = {}


def api_keys_forget() -> None:
    """Forget the keys verified in this process (a key, a user or a grant changed)."""
    _verified_keys.clear()
