"""Demo: Foshan's "我为群众办实事" campaign — the "3+X" lists as the article describes them.

``plan.py`` decides everything (pure): the lists, each project's dates, which are completed, when
each milestone is done and where each indicator stands. This package writes the plan:

* the city leaders' key projects (the two key programmes among them, each once) through the services,
  one by one — created, then reported on every month (submit → accept, with evidence photos and
  co-unit contributions), completions through a completion report with evidence and acceptance;
* the other lists (9,400 projects at full scale) in bulk (``bulk.py``): the same rows the services
  write — projects, milestones, indicators, events, completion reports with evidence — month by
  month, because one service call per project and month would take the demo past ten minutes.

After each month the warnings are recomputed as of the month's end (a change of warning is an event,
so "was lagging" comes from the trail) and a monthly snapshot is stored.

``--scale full`` builds the campaign as of the article's date (``catalogue.ARTICLE_DATE``, lists of
that year): 9,482 projects, 3,721 completed, 5,761 in progress. ``--scale small`` builds the same
shape, small, as of today.
"""

import random
import time

from django.contrib.auth import get_user_model
from django.utils import timezone

from ..choices import ACTIVE_STATUSES, ProjectStatus, WarningLevel
from ..models import Project
from ..services.notices import notices_paused
from . import bulk, reports
from .catalogue import ARTICLE_DATE, CATEGORIES, LEVELS
from .photos import PHOTOS
from .plan import Campaign, campaign_plan

__all__ = ["PHOTOS", "campaign_build", "load"]


@notices_paused()  # the demo's months are history, not news for the lead units
def load(*, stdout, rng: random.Random, scale: str, foshan) -> None:
    as_of = ARTICLE_DATE if scale == "full" else timezone.localdate()
    campaign = campaign_plan(scale=scale, as_of=as_of, seed=rng.randrange(1 << 30))
    started = time.monotonic()
    campaign_build(campaign=campaign, foshan=foshan, rng=rng)
    total = Project.objects.filter(project_list__year=as_of.year).count()
    done = Project.objects.filter(project_list__year=as_of.year, status=ProjectStatus.COMPLETED).count()
    lagging = Project.objects.filter(warning__in=[WarningLevel.RED, WarningLevel.YELLOW]).count()
    stdout.write(f"  as of {as_of}: lists {len(campaign.lists)}, projects {total} (completed {done}, "
                 f"in progress {total - done}, lagging {lagging}), months of history {len(campaign.months)}, "
                 f"{time.monotonic() - started:.1f} s")


def campaign_build(*, campaign: Campaign, foshan, rng: random.Random) -> None:
    """Write ``campaign`` into a database holding the organisation's demo (``org.demo.load``)."""
    from .. import services

    User = get_user_model()
    cast = reports.Cast(officer=User.objects.get(username="projects"), leader=User.objects.get(username="leader"),
                        supervisor=User.objects.get(username="supervisor"), heads={})
    cast.heads["FS-CGJ"] = User.objects.get(username="head")
    levels = {code: services.list_level_create(code=code, name=name, order=order) for code, name, order in LEVELS}
    for order, (code, name, types) in enumerate(CATEGORIES, start=1):
        top = services.category_create(code=code, name=name, order=order)
        for type_order, (type_code, type_name) in enumerate(types, start=1):
            services.category_create(code=type_code, name=type_name, parent=top, order=type_order)
    bulk.city_units_create(campaign=campaign, foshan=foshan)
    lists = {plan.key: services.project_list_create(
        actor=cast.officer, year=campaign.as_of.year, level=levels[plan.level], name=plan.name,
        owner_unit=foshan.units_by_code[plan.owner], description=plan.description, is_published=True)
        for plan in campaign.lists}
    leaders = next(p for p in campaign.lists if p.key == "city_leaders")
    others = [p for p in campaign.lists if p.key != "city_leaders"]
    leader_projects = reports.leaders_create(cast=cast, foshan=foshan, project_list=lists["city_leaders"],
                                             plans=leaders.projects, today=campaign.months[0])
    writer = bulk.BulkWriter(campaign=campaign, foshan=foshan, cast=cast, lists=lists, plans=others)
    writer.create()
    completed: set[str] = set()
    for month_end in campaign.months:
        writer.month(month_end)
        for plan in leaders.projects:
            reports.report_month(rng, cast, foshan, leader_projects[plan.code], plan, month_end, campaign.as_of,
                                 completed)
        writer.recompute(month_end)
        services.projects_recompute(today=month_end, projects=Project.objects.filter(
            project_list=lists["city_leaders"], status__in=ACTIVE_STATUSES))
        services.snapshot_take(month=month_end, today=month_end)
    reports.supervision(cast, foshan, campaign.as_of)
