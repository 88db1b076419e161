"""Writes of the fields the supervision office's statistics group by: a project's research topic, its
mark as a key programme, and the groups its indicators add up in. Keyword-only, atomic, with an event.

(Kept beside ``services`` rather than in it: the general project services are being reorganised.)
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import selectors as sel
from .choices import EventAction
from .models import Project
from .services.common import _event, _lock, _require


@transaction.atomic
def project_classify(*, actor, project: Project, research_topic: str | None = None, flagship: bool | None = None,
                     indicator_groups: dict[str, str] | None = None) -> Project:
    """Set the research topic, the key-programme mark and/or indicator groups ({indicator name: group})."""
    _require(sel.project_can_manage(actor, project), _("Only project officers classify projects."))
    project = _lock(project)
    before, after = {}, {}
    if research_topic is not None and research_topic.strip() != project.research_topic:
        topic = research_topic.strip()
        if len(topic) > Project._meta.get_field("research_topic").max_length:
            raise ValidationError({"research_topic": _("The research topic is too long.")})
        before["research_topic"], after["research_topic"] = project.research_topic, topic
        project.research_topic = topic
    if flagship is not None and flagship != project.flagship:
        before["flagship"], after["flagship"] = project.flagship, flagship
        project.flagship = flagship
    if after:
        project.save(update_fields=[*after, "updated_at"])
    if indicator_groups:
        indicators = {i.name: i for i in project.indicators.all()}
        unknown = sorted(set(indicator_groups) - set(indicators))
        if unknown:
            raise ValidationError({"indicator_groups": _("No such indicator: %(names)s.")
                                   % {"names": "、".join(unknown)}})
        for name, group in indicator_groups.items():
            indicator = indicators[name]
            if indicator.group != group.strip():
                before[f"group:{name}"], after[f"group:{name}"] = indicator.group, group.strip()
                indicator.group = group.strip()
                indicator.save(update_fields=["group"])
    if after:
        _event(project=project, action=EventAction.UPDATED, actor=actor, before=before, after=after)
    return project
