"""Reads of regions, units and memberships, scoped to the user."""

from django.db.models import Q, QuerySet

from . import geo
from .choices import REGION_DEPTH, Role
from .models import ApiKey, Membership, Region, Unit
from .scope import ObjectScope, restrict, roles, user_scope

# Reference data: any signed-in person reads it; administrators change it.
REGION_RULES = ObjectScope(everyone_reads=True)
UNIT_RULES = ObjectScope(everyone_reads=True)
# A person reads their own memberships; administrators read and write all.
MEMBERSHIP_RULES = ObjectScope(
    read_owner=roles(*Role.values),
    owner_lookup="user",
)


def region_list(*, user, level: str | None = None, parent: Region | None = None, action="read") -> QuerySet[Region]:
    qs = restrict(Region.objects.all(), user=user, action=action, rules=REGION_RULES)
    if level:
        qs = qs.filter(level=level)
    if parent is not None:
        qs = qs.filter(parent=parent)
    return qs


def unit_list(
    *, user, search: str = "", kind: str | None = None, active_only: bool = True, action="read"
) -> QuerySet[Unit]:
    qs = restrict(Unit.objects.all(), user=user, action=action, rules=UNIT_RULES)
    if active_only:
        qs = qs.filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(short_name__icontains=search) | Q(code__iexact=search))
    return qs


def membership_list(*, user, action="read") -> QuerySet[Membership]:
    return restrict(
        Membership.objects.select_related("user", "unit", "region"), user=user, action=action, rules=MEMBERSHIP_RULES
    )


def region_for_point(*, lng: float, lat: float) -> Region | None:
    """The deepest region (a grid where one covers the point) whose geometry contains the point.

    Candidates come from an indexed bounding-box query; the exact test runs only on them.
    """
    candidates = Region.objects.filter(min_lng__lte=lng, max_lng__gte=lng, min_lat__lte=lat, max_lat__gte=lat).only(
        "id", "code", "name", "level", "path", "geometry", "parent_id"
    )
    matches = [region for region in candidates if geo.contains(region.geometry, lng, lat)]
    if not matches:
        return None
    return max(matches, key=lambda region: REGION_DEPTH[region.level])


def region_subtree(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(path__startswith=region.path)


def region_ancestors(region: Region) -> list[Region]:
    """From the city down to ``region`` itself."""
    codes = [code for code in region.path.strip("/").split("/") if code]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[code] for code in codes if code in by_code]


def user_units(user) -> QuerySet[Unit]:
    """The units a person works for (through any active membership)."""
    return Unit.objects.filter(pk__in=user_scope(user).unit_ids())


def api_key_list(*, user) -> QuerySet[ApiKey]:
    """The person's own keys; an administrator reads everyone's (to revoke them)."""
    scope = user_scope(user)
    qs = ApiKey.objects.select_related("user", "membership", "membership__unit", "membership__region")
    if scope.user_id is None:
        return qs.none()
    if not (scope.is_superuser or Role.ADMIN in scope.roles):
        qs = qs.filter(user_id=scope.user_id)
    return qs.order_by("-created_at")
