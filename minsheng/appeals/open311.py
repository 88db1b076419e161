"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): services, requests, one request.

Reading is public and shows what the disclosure policy allows (``disclosure.py``);
creating a request needs an ``api_key`` (form field,
as the standard says, or the ``X-API-Key`` header). Requests become appeals on the ``open311``
channel, placed by their point (or the ``address_id`` region code) and routed like any other case.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Router, Status

from minsheng.org.models import Region
from minsheng.org.selectors import region_for_point
from minsheng.org.services import api_key_user

from . import disclosure, selectors, services
from .choices import FINAL_STATES, PROVISIONAL_DUE_NOTE, Channel, Kind
from .models import Appeal, Category

router = Router(tags=["open311"])


def _service(category: Category) -> dict:
    return {
        "service_code": category.code, "service_name": category.name, "description": category.full_name,
        "metadata": False, "type": "realtime", "keywords": category.initials,
        "group": category.parent.name if category.parent_id else "",
    }


def _request(appeal: Appeal) -> dict:
    """One case as the disclosure policy allows (``disclosure``): no caller, no house number, no exact point."""
    closed = appeal.state in FINAL_STATES
    place = disclosure.public_place(appeal)
    return {
        "service_request_id": appeal.number,
        "status": "closed" if closed else "open",
        "status_notes": disclosure.public_text(appeal.answer) if closed else appeal.get_state_display(),
        "service_name": appeal.category.name,
        "service_code": appeal.category.code,
        "description": disclosure.public_text(appeal.content),
        "agency_responsible": appeal.lead_unit.name if appeal.lead_unit_id else "",
        "service_notice": str(PROVISIONAL_DUE_NOTE) if selectors.due_provisional(appeal) else "",
        "requested_datetime": appeal.registered_at.isoformat(),
        "updated_datetime": (appeal.closed_at or appeal.registered_at).isoformat(),
        "expected_datetime": appeal.due_at.isoformat(),
        "address": place["address"],
        "address_id": place["region_code"],
        "zipcode": "",
        "lat": place["lat"],
        "long": place["lng"],
        "media_url": "",
    }


@router.get("services.json", auth=None, summary="Open311: the service list (third-level categories)")
def services_list(request):
    return [_service(c) for c in selectors.category_leaves().select_related("parent")]


@router.get("requests.json", auth=None, summary="Open311: requests (public fields only)")
def requests_list(request, service_request_id: str = "", service_code: str = "", start_date: str = "",
                  end_date: str = "", status: str = ""):
    qs = selectors.appeal_base().filter(anonymous=False)
    if service_request_id:
        qs = qs.filter(number__in=[n.strip() for n in service_request_id.split(",")][:50])
    if service_code:
        qs = qs.filter(category__code__in=service_code.split(","))
    for value, lookup in ((start_date, "registered_at__gte"), (end_date, "registered_at__lte")):
        if value:
            moment = parse_datetime(value)
            if moment is None:
                raise ValidationError({"date": _("Dates are W3C date-times, e.g. 2026-11-28T10:00:00+08:00.")})
            qs = qs.filter(**{lookup: moment if timezone.is_aware(moment) else timezone.make_aware(moment)})
    if status == "open":
        qs = qs.exclude(state__in=FINAL_STATES)
    elif status == "closed":
        qs = qs.filter(state__in=FINAL_STATES)
    elif status:
        raise ValidationError({"status": _("status is open or closed.")})
    return [_request(a) for a in qs.order_by("-registered_at")[:1000]]


@router.get("requests/{request_id}.json", auth=None, summary="Open311: one request")
def request_one(request, request_id: str):
    return [_request(selectors.appeal_base().get(number=request_id, anonymous=False))]


@router.post("requests.json", auth=None, response={201: list[dict]},
             summary="Open311: create a request (needs api_key)")
def request_create(request):
    data = request.POST
    user = api_key_user(data.get("api_key") or request.headers.get("X-API-Key", ""))
    if user is None:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("A valid api_key is required to create a request."))
    errors = {}
    category = Category.objects.filter(code=data.get("service_code", ""), level=3).first()
    if category is None:
        errors["service_code"] = _("Unknown service_code.")
    lng = lat = None
    try:
        if data.get("lat") or data.get("long"):
            lat, lng = float(data.get("lat", "")), float(data.get("long", ""))
    except ValueError:
        errors["lat"] = _("lat and long must be numbers.")
    region = None
    if data.get("address_id"):
        region = Region.objects.filter(code=data["address_id"]).first()
    if region is None and lng is not None:
        region = region_for_point(lng=lng, lat=lat)
    if region is None and "lat" not in errors:
        errors["lat"] = _("Give a point (lat, long) inside the city, or an address_id region code.")
    if errors:
        raise ValidationError(errors)
    name = f"{data.get('last_name', '')}{data.get('first_name', '')}".strip()
    appeal = services.appeal_register(
        actor=user, kind=Kind.REQUEST, channel=Channel.OPEN311, category=category, region=region,
        content=data.get("description", ""), address=data.get("address_string", "")[:200], lng=lng, lat=lat,
        caller_name=name[:50], caller_mobile=data.get("phone", "").strip(), anonymous=not data.get("phone"))
    return Status(201, [{"service_request_id": appeal.number, "service_notice": _("Query code: %(code)s")
                  % {"code": appeal.query_code}, "account_id": None}])
