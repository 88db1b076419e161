"""Organisation vocabulary: region levels, unit kinds and the roles people hold."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    TOWN = "town", _("Town / street")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")


# Depth of each level in the tree; a child is always exactly one level below its parent.
REGION_DEPTH = {level: depth for depth, level in enumerate(RegionLevel.values)}


class UnitKind(models.TextChoices):
    MUNICIPAL_DEPARTMENT = "municipal_department", _("Municipal department")
    DISTRICT_GOVERNMENT = "district_government", _("District government")
    TOWN_OFFICE = "town_office", _("Town / street office")
    PUBLIC_UTILITY = "public_utility", _("Public utility")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    ENTERPRISE = "enterprise", _("Enterprise user")
    CALL_AGENT = "call_agent", _("Call agent")
    DISPATCHER = "dispatcher", _("Dispatcher")
    UNIT_HANDLER = "unit_handler", _("Unit handler")
    UNIT_HEAD = "unit_head", _("Unit head")
    REVIEWER = "reviewer", _("Reviewer")
    CALLBACK_AGENT = "callback_agent", _("Callback agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    PROJECT_OFFICER = "project_officer", _("Project officer")
    FUNDS_OFFICER = "funds_officer", _("Funds officer")
    LEADER = "leader", _("Leader")
    ADMIN = "admin", _("Administrator")
    # 三员分立 (separation of duties): the system administrator runs the system, the security
    # administrator grants roles and keeps the security settings, the auditor reads the audit trail.
    # None of the three may read or change what another one checks.
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDITOR = "auditor", _("Auditor")


# Roles whose scope is a unit: they must name one.
UNIT_ROLES = frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD})
# Roles of the public: they see only what is their own.
PUBLIC_ROLES = frozenset({Role.CITIZEN, Role.ENTERPRISE})
# Roles that read everything in their scope and never write.
READ_ONLY_ROLES = frozenset({Role.LEADER})
# The three duties kept apart (三员分立): one person holds at most one of them.
SEPARATED_DUTIES = frozenset({Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})
