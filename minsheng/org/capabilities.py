"""What each role can do, as the home page shows it: a title, a line of explanation, a page.

A page whose URL name does not resolve yet is shown greyed out as "coming", so the home page
tells the truth about what is built.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .choices import Role


@dataclass(frozen=True)
class Capability:
    title: str
    description: str
    url_name: str

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


C = Capability
CAPABILITIES: dict[str, list[Capability]] = {
    Role.CITIZEN: [
        C(_("Raise an appeal"), _("Ask, ask for help, complain, report or suggest."), "appeals:citizen_new"),
        C(
            _("Follow my appeals"),
            _("See where each of your cases stands, and rate the answer."),
            "appeals:citizen_list",
        ),
        C(
            _("Livelihood projects"),
            _("What the city promised this year, and how far it has got."),
            "projects:public_index",
        ),
        C(
            _("Outcomes of what you raised"),
            _("When a problem you raised becomes a project and is done, you are told here."),
            "insight:notifications",
        ),
    ],
    Role.ENTERPRISE: [
        C(
            _("Policies for my enterprise"),
            _("Subsidies you qualify for, confirmed and paid in seconds."),
            "subsidies:enterprise_home",
        ),
        C(_("Raise an appeal"), _("Ask or complain on behalf of your enterprise."), "appeals:citizen_new"),
    ],
    Role.CALL_AGENT: [
        C(
            _("Intake console"),
            _("Register a call: caller history, category, place, deadline, receipt."),
            "appeals:intake",
        ),
        C(_("Knowledge base"), _("Answer inquiries at first contact."), "appeals:knowledge"),
    ],
    Role.DISPATCHER: [
        C(
            _("Dispatch queue"),
            _("Send cases to the responsible unit; review returns; merge duplicates."),
            "appeals:dispatch_queue",
        ),
        C(_("Dispatch catalogue"), _("Which unit handles which category where."), "appeals:catalogue"),
    ],
    Role.UNIT_HANDLER: [
        C(_("Unit inbox"), _("Sign for, handle, return and answer your unit's cases."), "appeals:unit_inbox"),
        C(_("Our projects"), _("Report progress on the livelihood projects your unit leads."), "projects:my_projects"),
    ],
    Role.UNIT_HEAD: [
        C(_("Unit inbox"), _("Your unit's cases, deadlines and warnings."), "appeals:unit_inbox"),
        C(_("Our projects"), _("Your unit's livelihood projects and their warnings."), "projects:my_projects"),
    ],
    Role.REVIEWER: [
        C(_("Review answers"), _("Pass an answer or send it back with a reason."), "appeals:review_queue"),
    ],
    Role.CALLBACK_AGENT: [
        C(_("Callback queue"), _("Call citizens back and record satisfaction."), "appeals:callback_queue"),
    ],
    Role.SUPERVISOR: [
        C(_("Supervision"), _("Overdue and lagging cases by unit; urge and supervise."), "appeals:supervision"),
        C(_("Lagging projects"), _("Projects behind schedule and their supervision notices."), "projects:warnings"),
        C(_("Appeal statistics"), _("Rates for any period and scope."), "appeals:stats"),
        C(
            _("Hotspots of appeals"),
            _("Similar cases by place and topic; turn one into a project."),
            "insight:hotspots",
        ),
        C(_("Period reports"), _("The three systems' figures for a month or quarter; print or CSV."), "insight:report"),
        C(_("Ledger"), _("Budgets, enterprise accounts and every transfer, with balances."), "ledger:accounts"),
        C(_("Working-day calendar"), _("Which years have the official holiday schedule and which are provisional."),
          "workdays:years"),
    ],
    Role.PROJECT_OFFICER: [
        C(
            _("Project lists"),
            _("Create lists and projects, import from Excel, accept progress reports."),
            "projects:list_index",
        ),
        C(_("Project statistics"), _("Listed, completed, in progress, lagging."), "projects:stats"),
        C(
            _("Hotspots of appeals"),
            _("Similar cases by place and topic; turn one into a project."),
            "insight:hotspots",
        ),
    ],
    Role.FUNDS_OFFICER: [
        C(
            _("Policies"),
            _("Write policies as rules, simulate, publish with a second approver."),
            "subsidies:policy_list",
        ),
        C(_("Enterprises"), _("Register enterprises and import their facts."), "subsidies:enterprise_list"),
        C(_("Funds statistics"), _("Eligible, confirmed and paid, against each budget."), "subsidies:stats"),
        C(_("Ledger"), _("Budgets, enterprise accounts and every transfer, with balances."), "ledger:accounts"),
    ],
    Role.LEADER: [
        C(_("City dashboard"), _("One live picture: appeals, projects, funds, hotspots."), "insight:dashboard"),
        C(_("Appeal statistics"), _("Rates for any period and scope."), "appeals:stats"),
        C(_("Project statistics"), _("Listed, completed, in progress, lagging."), "projects:stats"),
        C(_("Funds statistics"), _("Eligible, confirmed and paid, against each budget."), "subsidies:stats"),
        C(
            _("Hotspots of appeals"),
            _("Similar cases by place and topic; turn one into a project."),
            "insight:hotspots",
        ),
        C(_("Period reports"), _("The three systems' figures for a month or quarter; print or CSV."), "insight:report"),
        C(_("Ledger"), _("Budgets, enterprise accounts and every transfer, with balances."), "ledger:accounts"),
        C(_("Audit trail"), _("Who changed what, signed in, or viewed personal data, in your region."),
          "audit:event_list"),
    ],
    Role.ADMIN: [
        C(
            _("Administration"),
            _("Regions, units, people and roles, the working-day calendar."),
            "admin:index",
        ),
        C(_("City dashboard"), _("One live picture: appeals, projects, funds, hotspots."), "insight:dashboard"),
        C(_("Period reports"), _("The three systems' figures for a month or quarter; print or CSV."), "insight:report"),
        C(_("Holiday schedule"), _("Enter the State Council's notice for a year; see which years are provisional."),
          "workdays:years"),
    ],
    Role.SECURITY_ADMIN: [
        C(_("Administration"), _("People and their roles; the security settings."), "admin:index"),
    ],
    Role.AUDITOR: [
        C(
            _("Audit trail"),
            _("Who changed what, signed in, or viewed personal data, in your region; export to Excel."),
            "audit:event_list",
        ),
    ],
}


def capabilities_for(roles: set[str]) -> list[tuple[str, list[Capability]]]:
    """(role label, capabilities) in the order of the role list, for the roles the person holds."""
    return [(Role(role).label, CAPABILITIES[role]) for role in Role.values if role in roles]
