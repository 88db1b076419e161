"""Reference data over the API: regions (and the region at a point), units, who am I."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router

from .schemas import MeOut, RegionOut, UnitOut
from .scope import user_scope
from .selectors import region_for_point, region_list, unit_list

router = Router(tags=["org"])


@router.get("/regions", response=list[RegionOut])
def regions(request, level: str | None = None, parent_id: int | None = None):
    """Regions, optionally of one level or under one parent (the district > town > community pickers)."""
    qs = region_list(user=request.auth, level=level)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    return qs


@router.get("/regions/at", response={200: RegionOut, 404: dict})
def region_at(request, lng: float, lat: float):
    """The deepest region (a grid where there is one) containing the point (lng/lat)."""
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise ValidationError({"lng": _("Longitude and latitude are out of range.")})
    region = region_for_point(lng=lng, lat=lat)
    if region is None:
        return 404, {"detail": _("No region covers this point.")}
    return region


@router.get("/regions/{region_id}", response=RegionOut)
def region_detail(request, region_id: int):
    return get_object_or_404(region_list(user=request.auth), pk=region_id)


@router.get("/units", response=list[UnitOut])
def units(request, search: str = "", kind: str | None = None):
    return unit_list(user=request.auth, search=search, kind=kind)[:500]


@router.get("/me", response=MeOut)
def me(request):
    scope = user_scope(request.auth)
    return {
        "username": request.auth.get_username(),
        "display_name": request.auth.display_name,
        "roles": sorted(scope.roles),
        "unit_ids": sorted(scope.unit_ids()),
    }
