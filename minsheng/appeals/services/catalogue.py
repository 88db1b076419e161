"""The taxonomy, the dispatch catalogue (派单目录) and the knowledge base (知识库)."""

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.org.choices import Role
from minsheng.org.models import Region, Unit
from minsheng.org.scope import grants_reaching_region

from ..models import (
    Category,
    DispatchCatalogue,
    KnowledgeArticle,
)
from ..selectors import reference_caches_clear
from .core import _require_role, _text
from .dispatch import _check_units


def _pinyin(text: str) -> tuple[str, str]:
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(text)).lower()
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
    return full[:400], initials[:60]


@transaction.atomic
def category_create(*, code: str, name: str, parent: Category | None = None) -> Category:
    level = 1 if parent is None else parent.level + 1
    if level > 3:
        raise ValidationError({"parent": _("The taxonomy has three levels.")})
    name = _text(name, field="name", label=_("The name"), max_length=60)
    full_name = name if parent is None else f"{parent.full_name} > {name}"
    pinyin, initials = _pinyin(full_name.replace(" > ", ""))
    category = Category(code=code.strip(), name=name, parent=parent, level=level, full_name=full_name,
                        pinyin=pinyin, initials=initials)
    category.full_clean()
    category.save()
    reference_caches_clear()
    return category


def _require_catalogue_keeper(actor, region: Region | None) -> None:
    _require_role(actor, Role.DISPATCHER)
    if actor is not None and not grants_reaching_region(actor, region=region, only_roles=(Role.DISPATCHER,)):
        raise PermissionDenied(_("This catalogue entry is outside your area."))


@transaction.atomic
def catalogue_set(*, actor, category: Category, region: Region | None, lead_unit: Unit,
                  assist_units: Sequence[Unit] = (), note: str = "") -> DispatchCatalogue:
    """Add or change the catalogue entry for a category in a region (no region: the whole city).

    A dispatcher keeps the catalogue of their own region; a city-wide entry needs a city-wide dispatcher."""
    _require_catalogue_keeper(actor, region)
    _check_units(lead_unit, list(assist_units))
    entry, _created = DispatchCatalogue.objects.update_or_create(
        category=category, region=region, lead_unit=lead_unit, defaults={"note": note.strip()[:200]})
    entry.assist_units.set(assist_units)
    reference_caches_clear()
    return entry


@transaction.atomic
def catalogue_remove(*, actor, entry: DispatchCatalogue) -> None:
    _require_catalogue_keeper(actor, entry.region)
    entry.delete()
    reference_caches_clear()


@transaction.atomic
def knowledge_save(*, actor, title: str, body: str, category: Category | None = None, keywords: str = "",
                   article: KnowledgeArticle | None = None) -> KnowledgeArticle:
    _require_role(actor, Role.CALL_AGENT, Role.DISPATCHER)
    article = article or KnowledgeArticle()
    article.title = _text(title, field="title", label=_("The title"), max_length=120)
    article.body = _text(body, field="body", label=_("The answer"), max_length=5000)
    article.category = category
    article.keywords = keywords.strip()[:200]
    article.pinyin = _pinyin(f"{article.title}{article.keywords}")[0][:600]
    article.save()
    return article
