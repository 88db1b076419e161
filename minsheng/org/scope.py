"""The one permission layer: every selector scopes its queryset to the user through ``restrict``.

A kind of object declares an ``ObjectScope``: which roles may read or write it, and how each role's
reach is measured — the whole of the role's region (no region = the whole city), the role's unit,
or only what the person owns. ``restrict(qs, user=…, action=…, rules=…)`` turns that into a
``WHERE`` clause, so a list, a detail page and an API endpoint can never disagree about who sees what.

Leaders read everything in their scope and write nothing, whatever a rule says.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Literal

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .choices import READ_ONLY_ROLES, Role

Action = Literal["read", "write"]


@dataclass(frozen=True)
class Grant:
    """What one active membership gives: a role, and the unit and region it is bound to."""

    role: str
    unit_id: int | None
    region_path: str | None


@dataclass(frozen=True)
class UserScope:
    user_id: int | None
    is_superuser: bool
    grants: tuple[Grant, ...]

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(grant.role for grant in self.grants)

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or bool(self.roles & set(roles))

    def unit_ids(self, *roles: str) -> set[int]:
        return {g.unit_id for g in self.grants if g.unit_id is not None and (not roles or g.role in roles)}


ANONYMOUS = UserScope(user_id=None, is_superuser=False, grants=())


def user_scope(user) -> UserScope:
    """The user's grants, read once per request and kept on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_minsheng_scope", None)
    if cached is not None:
        return cached
    grants = tuple(
        Grant(role=role, unit_id=unit_id, region_path=region_path)
        for role, unit_id, region_path in user.memberships.filter(is_active=True).values_list(
            "role", "unit_id", "region__path"
        )
    )
    scope = UserScope(user_id=user.pk, is_superuser=user.is_superuser, grants=grants)
    user._minsheng_scope = scope
    return scope


def scope_forget(user) -> None:
    """Drop the grants kept on this user object (after its memberships change)."""
    user.__dict__.pop("_minsheng_scope", None)


@dataclass(frozen=True)
class ObjectScope:
    """How one kind of object is scoped.

    ``region_roles``: roles that reach every object whose region lies within the grant's region.
    ``unit_roles``: roles that reach the objects of the grant's unit (through ``unit_lookup``).
    ``owner_roles``: roles that reach only the objects they own (through ``owner_lookup``).
    ``everyone_reads``: any signed-in user may read (reference data: regions, units, the calendar).
    Roles listed under ``*_write`` may write in that same reach; leaders never write.
    """

    read_region: frozenset[str] = frozenset()
    write_region: frozenset[str] = frozenset()
    read_unit: frozenset[str] = frozenset()
    write_unit: frozenset[str] = frozenset()
    read_owner: frozenset[str] = frozenset()
    write_owner: frozenset[str] = frozenset()
    region_lookup: str | None = None
    unit_lookup: str | None = None
    owner_lookup: str | None = None
    everyone_reads: bool = False
    # Objects that carry no region (``region_lookup`` None) and belong to the whole city: True (the default)
    # lets every grant of a region role reach them (policies, lists); False lets only city-wide grants
    # (the ledger: a district leader does not read the whole city's money).
    regionless_for_all: bool = True
    # Further conditions on the same related row as ``unit_lookup`` (one join), e.g. only a case's
    # current legs: {"legs__state__in": [...]} — a unit whose leg was returned no longer reaches the case.
    unit_conditions: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def roles_for(self, action: Action) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        if action == "read":
            return self.read_region, self.read_unit, self.read_owner
        return self.write_region, self.write_unit, self.write_owner


def roles(*names: str | Role) -> frozenset[str]:
    return frozenset(str(name) for name in names)


def _grant_condition(grant: Grant, rules: ObjectScope, action: Action, user_id: int) -> Q | None:
    region_roles, unit_roles, owner_roles = rules.roles_for(action)
    if grant.role in region_roles:
        if grant.region_path is None:
            return Q()  # the whole city
        if rules.region_lookup is None:
            return Q() if rules.regionless_for_all else None
        if not grant.region_path:  # a region without its path is a broken row: it reaches nothing, never everything
            return Q(pk__in=[])
        return Q(**{f"{rules.region_lookup}__path__startswith": grant.region_path})
    if grant.role in unit_roles and grant.unit_id is not None and rules.unit_lookup:
        return Q(**{rules.unit_lookup: grant.unit_id, **rules.unit_conditions})
    if grant.role in owner_roles and rules.owner_lookup:
        return Q(**{rules.owner_lookup: user_id})
    return None


def scope_condition(
    scope: UserScope, *, action: Action, rules: ObjectScope, only_roles: Iterable[str] | None = None
) -> Q | None:
    """The WHERE clause for what ``scope`` may ``action``; None when nothing at all.

    Each grant contributes its own reach (its role's rule, measured from its own unit or region); the
    result is the union of those reaches, never one grant's role combined with another grant's region.
    ``only_roles``: count only the grants of these roles (the roles that may take one particular action,
    such as dispatching) — a dispatcher for 禅城 who is also a callback agent for 顺德 dispatches in 禅城 only.
    """
    if scope.user_id is None:
        return None
    if scope.is_superuser:
        return Q()
    grants: Iterable[Grant] = scope.grants
    if only_roles is not None:
        wanted = {str(role) for role in only_roles} | {Role.ADMIN.value}
        grants = [g for g in grants if g.role in wanted]
    if action == "write":
        grants = [g for g in grants if g.role not in READ_ONLY_ROLES]
    elif rules.everyone_reads:
        return Q()
    if Role.ADMIN in {g.role for g in grants}:
        return Q()
    conditions = [c for g in grants if (c := _grant_condition(g, rules, action, scope.user_id)) is not None]
    if not conditions:
        return None
    if any(not c for c in conditions):  # an empty Q is "everything"
        return Q()
    return reduce(or_, conditions)


def restrict(
    queryset: QuerySet, *, user, action: Action, rules: ObjectScope, only_roles: Iterable[str] | None = None
) -> QuerySet:
    """``queryset`` narrowed to what ``user`` may ``action`` (through grants of ``only_roles`` when given).
    Joins through to-many lookups are de-duplicated."""
    condition = scope_condition(user_scope(user), action=action, rules=rules, only_roles=only_roles)
    if condition is None:
        return queryset.none()
    if not condition:
        return queryset
    restricted = queryset.filter(condition)
    lookups = [rules.unit_lookup, rules.region_lookup, rules.owner_lookup]
    if any(lookup and crosses_to_many(queryset.model, lookup) for lookup in lookups):
        restricted = restricted.distinct()
    return restricted


def crosses_to_many(model, lookup: str) -> bool:
    """Whether following ``lookup`` from ``model`` passes a to-many relation (so rows may repeat).

    Only then does a scoped query need DISTINCT, which is costly on large tables.
    """
    for name in lookup.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # a transform or lookup such as "path__startswith": the relations are behind us
            return False
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


def can(user, *, action: Action, rules: ObjectScope, obj, only_roles: Iterable[str] | None = None) -> bool:
    """Whether ``user`` may ``action`` this one object: the same rule as the list, asked of one row.

    With ``only_roles``, one grant of those roles must reach the object by itself."""
    return restrict(
        type(obj)._default_manager.filter(pk=obj.pk), user=user, action=action, rules=rules, only_roles=only_roles
    ).exists()


def require(
    user, *, obj, rules: ObjectScope, only_roles: Iterable[str], action: Action = "write", message: str | None = None
) -> None:
    """PermissionDenied unless one grant of ``only_roles`` reaches ``obj`` for ``action`` (None: the system itself)."""
    if user is None:
        return
    if not can(user, action=action, rules=rules, obj=obj, only_roles=only_roles):
        raise PermissionDenied(message or _("Your role does not allow this action here."))


def require_role(user, *allowed: str, message: str | None = None) -> None:
    """PermissionDenied unless ``user`` holds one of ``allowed`` (or is an administrator) somewhere.

    Only for actions on no object at all (opening an empty form); anything done to an object uses ``require``."""
    if user is None:
        return
    if not user_scope(user).has_role(*allowed, Role.ADMIN):
        raise PermissionDenied(message or _("Your role does not allow this action."))


def grants_reaching_region(user, *, region, only_roles: Iterable[str]) -> bool:
    """Whether one grant of ``only_roles`` covers ``region`` (a region grant at or above it, or a city-wide one).

    For objects that do not exist yet (a new case, a new project): the region they would be created in."""
    scope = user_scope(user)
    if scope.user_id is None:
        return False
    if scope.is_superuser:
        return True
    wanted = {str(role) for role in only_roles}
    for grant in scope.grants:
        if grant.role == Role.ADMIN:
            return True
        if grant.role not in wanted or grant.role in READ_ONLY_ROLES:
            continue
        if grant.region_path is None:
            return True
        # An empty path (a broken region row) reaches nothing, never everything.
        if grant.region_path and region is not None and region.path.startswith(grant.region_path):
            return True
    return False
