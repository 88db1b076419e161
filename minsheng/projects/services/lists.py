"""Configuration (levels, categories) and lists."""


from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.org.models import Unit

from .. import selectors as sel
from ..models import (
    ListLevel,
    ProjectCategory,
    ProjectList,
)
from .common import _require


# --- configuration and lists ---------------------------------------------------------------------
@transaction.atomic
def list_level_create(*, code: str, name: str, order: int = 0) -> ListLevel:
    level = ListLevel(code=code, name=name, order=order)
    level.full_clean()
    level.save()
    return level


@transaction.atomic
def category_create(*, code: str, name: str, parent: ProjectCategory | None = None, order: int = 0) -> ProjectCategory:
    if parent is not None and parent.parent_id is not None:
        raise ValidationError({"parent": _("A type belongs to a category, not to another type.")})
    category = ProjectCategory(code=code, name=name, parent=parent, order=order)
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def project_list_create(*, actor, year: int, level: ListLevel, name: str, owner_unit: Unit,
                        description: str = "", is_published: bool = False) -> ProjectList:
    _require(sel.project_list_can_manage(actor, owner_unit=owner_unit),
             _("Only a project officer whose area covers the owner unit creates its lists."))
    project_list = ProjectList(year=year, level=level, name=name, owner_unit=owner_unit, description=description,
                               is_published=is_published)
    project_list.full_clean()
    project_list.save()
    audit_record(actor=actor, action="projects.list_create", obj=project_list, summary={"year": year, "name": name})
    return project_list


@transaction.atomic
def project_list_publish(*, actor, project_list: ProjectList, published: bool) -> ProjectList:
    _require(sel.project_list_can_manage(actor, project_list),
             _("Only a project officer whose area covers the owner unit publishes or withdraws its list."))
    project_list.is_published = published
    project_list.save(update_fields=["is_published"])
    audit_record(actor=actor, action="projects.list_publish", obj=project_list, summary={"published": published})
    return project_list
