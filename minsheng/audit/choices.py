"""What each recorded action is called on the audit page and in the export.

Actions are codes written by the services (``"org.membership_grant"``); people read these labels. An
action without a label here is shown as "<app>: other action" — the test ``test_every_recorded_action_has_a_label``
fails until it gets one.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "auth.login": _("Signed in"),
    "auth.logout": _("Signed out"),
    "auth.login_failed": _("Failed sign-in"),
    "admin.add": _("Added in the admin"),
    "admin.change": _("Changed in the admin"),
    "admin.delete": _("Deleted in the admin"),
    "audit.export": _("Exported the audit trail"),
    "personal_data.reveal": _("Viewed unmasked personal data"),
    "accounts.password_change": _("Changed their password"),
    "accounts.password_reset": _("Reset a password with a one-time code"),
    "accounts.password_reset_requested": _("Asked for a password reset code"),
    "accounts.totp_enrol": _("Set up an authenticator (second factor)"),
    "accounts.sso_sign_in": _("Signed in through the city's single sign-on"),
    "org.user_create": _("Created a user"),
    "org.unit_create": _("Created a unit"),
    "org.unit_change": _("Changed a unit"),
    "org.region_create": _("Created a region"),
    "org.region_update": _("Changed a region"),
    "org.region_set_geometry": _("Changed a region's boundary"),
    "org.membership_grant": _("Granted a role"),
    "org.membership_revoke": _("Revoked a role"),
    "org.api_key_issue": _("Issued an API key"),
    "org.api_key_revoke": _("Revoked an API key"),
    "appeals.deadlines_recompute": _("Recomputed case deadlines"),
    "projects.list_create": _("Created a project list"),
    "projects.list_publish": _("Published a project list"),
    "projects.import": _("Imported projects"),
    "projects.bulk_change": _("Changed projects in bulk"),
    "subsidies.enterprise_register": _("Registered an enterprise"),
    "subsidies.enterprises_import": _("Imported enterprises"),
    "subsidies.facts_import": _("Imported enterprise facts"),
    "subsidies.enterprise_claim_start": _("Started claiming an enterprise"),
    "subsidies.enterprise_claim": _("Claimed an enterprise"),
    "subsidies.enterprise_claim_refused": _("Enterprise claim refused"),
    "subsidies.enterprise_invite": _("Invited a user to an enterprise"),
    "subsidies.enterprise_join": _("Joined an enterprise"),
    "subsidies.enterprise_link_user": _("Linked a user to an enterprise"),
    "subsidies.enterprise_user_remove": _("Removed a user from an enterprise"),
    "subsidies.enterprise_administrator_transfer": _("Transferred an enterprise's administrator"),
    "subsidies.policy_create": _("Created a policy"),
    "subsidies.policy_version_save": _("Saved a policy version"),
    "subsidies.policy_publish": _("Published a policy"),
    "subsidies.policy_match": _("Matched enterprises to a policy"),
    "subsidies.policy_accounts_set": _("Set a policy's accounts"),
    "subsidies.grant_confirm": _("Confirmed a grant"),
    "subsidies.grant_payment_retry": _("Retried a grant payment"),
    "subsidies.grant_payment_repay": _("Paid a returned grant again"),
    "subsidies.budget_change_request": _("Asked for a budget change"),
    "subsidies.budget_change_decide": _("Decided a budget change"),
    "subsidies.receiving_account_request": _("Asked for a receiving account"),
    "subsidies.receiving_account_decide": _("Decided a receiving account"),
    "subsidies.receiving_account_retire": _("Retired a receiving account"),
    "subsidies.recovery_request": _("Asked for a recovery"),
    "subsidies.recovery_decide": _("Decided a recovery"),
    "subsidies.recovery_repayment_record": _("Recorded a repayment"),
    "subsidies.objection_file": _("Filed an objection"),
    "subsidies.objection_decide": _("Decided an objection"),
    "ledger.statement_imported": _("Imported a bank statement"),
    "ledger.payments_overdue": _("Found overdue payments"),
    "ledger.exception_matched": _("Matched a reconciliation exception"),
    "ledger.exception_resolved": _("Resolved a reconciliation exception"),
    "ledger.exception_marked_returned": _("Marked a payment as returned"),
    "ledger.check_failed": _("A ledger check failed"),
    "notifications.template_save": _("Saved a message template"),
    "notifications.retry": _("Retried a message"),
    "notifications.optout": _("Opted out of messages"),
    "notifications.optin": _("Opted in to messages"),
    "insight.hotspot_project": _("Made a hotspot a project"),
    "insight.outcome_notify": _("Told people of an outcome"),
    "workdays.seed": _("Seeded the working-day calendar"),
    "workdays.extend": _("Extended the working-day calendar"),
    "workdays.day_set": _("Changed a day of the calendar"),
    "workdays.import": _("Imported the calendar"),
    "workdays.notice": _("Entered the State Council's holiday notice"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    if label is not None:
        return str(label)
    app_label = action.split(".", 1)[0]
    try:
        app_name = str(apps.get_app_config(app_label).verbose_name)
    except LookupError:
        app_name = str(_("System"))
    return str(_("%(app)s: other action") % {"app": app_name})


def object_type_label(object_type: str) -> str:
    if not object_type:
        return ""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return str(_("Other object"))
