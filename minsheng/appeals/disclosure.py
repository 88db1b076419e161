"""The disclosure policy for cases (docs/disclosure.md): what of a case may leave for the public.

Category, a coarse place (the road or community, a point rounded to about a kilometre), the state,
the dates, the unit in charge, and the text of the request and of the answer through the one
redaction function. Never the caller, the account, the exact address or point, or internal notes.
Open311, the public follow page and its API all read a case through here.
"""

from minsheng.audit.personal_data import coarse_address, coarse_point, redact
from minsheng.org.choices import RegionLevel

from .models import Appeal


def public_region_code(appeal: Appeal) -> str:
    """The case's region, no finer than a community: a grid can be one block of flats."""
    region = appeal.region
    if region.level == RegionLevel.GRID and region.parent_id:
        region = region.parent
    return region.code


def public_text(text: str) -> str:
    return redact(text)


def public_place(appeal: Appeal) -> dict:
    lat, lng = coarse_point(appeal.lat, appeal.lng)
    return {"address": coarse_address(appeal.address), "region_code": public_region_code(appeal),
            "lat": lat, "lng": lng}
