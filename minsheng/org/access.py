"""Who may open each page and call each API endpoint: the ONE table the access test and docs/security.md
are generated from.

Each URL name (``appeals:intake``) and each API operation (``POST /api/appeals/``) lists the grants that
pass its entrance — signing in and the role gate. Tokens:

* a role (``dispatcher``): any grant of that role, city-wide or limited to a region or unit;
* ``role@city``: only a city-wide grant of that role (the ledger has no region to limit);
* ``anonymous``: anyone, signed in or not; ``signed_in``: anyone signed in, whatever their roles;
* ``superuser``: the technical superuser (Django's ``is_superuser``).

What a grant reaches *behind* the entrance — which cases, projects, enterprises — is the selectors' and the
services' business (``org/scope.py``), proven by the scope, grant and property tests. A page that takes an
object (``<int:pk>``) is visited with an object that does not exist: the table says who is let in to look.

``tests/test_access_matrix.py`` visits every URL and every endpoint of the API schema as every persona and
compares the outcome with this table; an address without an entry fails it.
``python manage.py access_table`` prints the table for docs/security.md (a test checks the doc is current).
"""

from .choices import Role

ANONYMOUS = "anonymous"
SIGNED_IN = "signed_in"
SUPERUSER = "superuser"

R = Role


def city(*roles: str) -> tuple[str, ...]:
    return tuple(f"{role}@city" for role in roles)


# The ledger has no region: only city-wide grants read it.
LEDGER_READERS = (*city(R.SUPERVISOR, R.FUNDS_OFFICER, R.LEADER), R.ADMIN, SUPERUSER)
LEDGER_KEEPERS = (*city(R.FUNDS_OFFICER), R.ADMIN, SUPERUSER)
# Anyone holding a role (not a signed-in person without one).
EVERY_ROLE = (*Role.values, SUPERUSER)
# Every role of the city's staff (not citizens and enterprise users).
STAFF = (*(role for role in Role.values if role not in (R.CITIZEN, R.ENTERPRISE)), SUPERUSER)

PAGES: dict[str, tuple[str, ...]] = {
    "accounts:account": (SIGNED_IN,),
    "accounts:password_change": (SIGNED_IN,),
    "accounts:password_expired": (SIGNED_IN,),
    "accounts:password_reset": (ANONYMOUS,),
    "accounts:password_reset_confirm": (ANONYMOUS,),
    "accounts:sso_callback": (ANONYMOUS,),  # 404 unless the city's identity provider is configured
    "accounts:sso_start": (ANONYMOUS,),
    "accounts:totp_enrol": (SIGNED_IN,),
    "accounts:totp_verify": (SIGNED_IN,),
    "admin:index": (SUPERUSER,),
    # The audit trail: the auditor and leaders read it (each within their grant); the administrator,
    # the security administrator and the superuser do not (三员分立).
    "audit:event_export": (R.AUDITOR, R.LEADER),
    "audit:event_list": (R.AUDITOR, R.LEADER),
    "audit:reveal": (SIGNED_IN,),  # who may see which field is decided per field (audit/reveal.py)
    "appeals:attachment": (SIGNED_IN,),
    "appeals:callback": (R.CALLBACK_AGENT, R.ADMIN, SUPERUSER),
    "appeals:callback_queue": (R.CALLBACK_AGENT, R.ADMIN, SUPERUSER),
    "appeals:caller_history": (R.CALL_AGENT, R.DISPATCHER, R.ADMIN, SUPERUSER),
    "appeals:catalogue": (R.DISPATCHER, R.ADMIN, SUPERUSER),
    "appeals:catalogue_remove": (R.DISPATCHER, R.ADMIN, SUPERUSER),
    "appeals:category_options": (SIGNED_IN,),
    "appeals:citizen_list": (R.CITIZEN, R.ENTERPRISE, R.ADMIN, SUPERUSER),
    "appeals:citizen_new": (R.CITIZEN, R.ENTERPRISE, R.ADMIN, SUPERUSER),
    "appeals:detail": (SIGNED_IN,),
    "appeals:dispatch": (R.DISPATCHER, R.ADMIN, SUPERUSER),
    "appeals:dispatch_queue": (R.DISPATCHER, R.ADMIN, SUPERUSER),
    "appeals:follow": (ANONYMOUS,),
    "appeals:instruct": (R.LEADER, R.ADMIN, SUPERUSER),
    "appeals:intake": (R.CALL_AGENT, R.DISPATCHER, R.ADMIN, SUPERUSER),
    "appeals:knowledge": (R.CALL_AGENT, R.DISPATCHER, R.ADMIN, SUPERUSER),
    "appeals:knowledge_hits": (SIGNED_IN,),
    "appeals:leg_answer": (R.UNIT_HANDLER, R.UNIT_HEAD, R.ADMIN, SUPERUSER),
    "appeals:leg_extension": (R.UNIT_HANDLER, R.UNIT_HEAD, R.ADMIN, SUPERUSER),
    "appeals:leg_note": (R.UNIT_HANDLER, R.UNIT_HEAD, R.ADMIN, SUPERUSER),
    "appeals:leg_return": (R.UNIT_HANDLER, R.UNIT_HEAD, R.ADMIN, SUPERUSER),
    "appeals:leg_sign": (R.UNIT_HANDLER, R.UNIT_HEAD, R.ADMIN, SUPERUSER),
    "appeals:leg_suspension": (R.UNIT_HANDLER, R.UNIT_HEAD, R.ADMIN, SUPERUSER),
    "appeals:merge": (R.DISPATCHER, R.ADMIN, SUPERUSER),
    "appeals:notice_acknowledge": (R.UNIT_HANDLER, R.UNIT_HEAD, R.ADMIN, SUPERUSER),
    "appeals:receipt": (SIGNED_IN,),
    "appeals:region_options": (SIGNED_IN,),
    "appeals:request_decide": (R.DISPATCHER, R.SUPERVISOR, R.ADMIN, SUPERUSER),
    "appeals:resume": (R.DISPATCHER, R.SUPERVISOR, R.ADMIN, SUPERUSER),
    "appeals:return_decide": (R.DISPATCHER, R.ADMIN, SUPERUSER),
    "appeals:reveal_mobile": (SIGNED_IN,),
    "appeals:review": (R.REVIEWER, R.ADMIN, SUPERUSER),
    "appeals:review_queue": (R.REVIEWER, R.ADMIN, SUPERUSER),
    "appeals:stats": (R.SUPERVISOR, R.LEADER, R.UNIT_HEAD, R.ADMIN, SUPERUSER),
    "appeals:suggestion_close": (R.DISPATCHER, R.REVIEWER, R.ADMIN, SUPERUSER),
    "appeals:supervise": (R.SUPERVISOR, R.ADMIN, SUPERUSER),
    "appeals:supervision": (R.SUPERVISOR, R.LEADER, R.ADMIN, SUPERUSER),
    "appeals:unit_inbox": (R.UNIT_HANDLER, R.UNIT_HEAD, R.ADMIN, SUPERUSER),
    "healthz": (ANONYMOUS,),
    "home": (SIGNED_IN,),
    "insight:dashboard": (R.SUPERVISOR, R.LEADER, R.UNIT_HEAD, R.ADMIN, SUPERUSER),
    "insight:hotspot_project": (R.PROJECT_OFFICER, R.ADMIN, SUPERUSER),
    "insight:hotspots": (R.DISPATCHER, R.SUPERVISOR, R.PROJECT_OFFICER, R.LEADER, R.ADMIN, SUPERUSER),
    "insight:notifications": (SIGNED_IN,),
    "insight:public": (ANONYMOUS,),
    "insight:report": (R.SUPERVISOR, R.LEADER, R.UNIT_HEAD, R.ADMIN, SUPERUSER),
    "ledger:account": LEDGER_READERS,
    "ledger:accounts": LEDGER_READERS,
    "ledger:bank_payments": LEDGER_READERS,
    "ledger:exception": LEDGER_READERS,
    "ledger:exception_match": LEDGER_KEEPERS,
    "ledger:exception_resolve": LEDGER_KEEPERS,
    "ledger:exception_return": LEDGER_KEEPERS,
    "ledger:exceptions": LEDGER_READERS,
    "ledger:reconciliation": LEDGER_READERS,
    "ledger:reconciliation_report": LEDGER_READERS,
    "ledger:statement": LEDGER_READERS,
    "ledger:statement_upload": LEDGER_KEEPERS,
    "login": (ANONYMOUS,),
    "notifications:aliyun_receipts": (ANONYMOUS,),
    "notifications:channels": (SIGNED_IN,),
    "notifications:inbox": (SIGNED_IN,),
    "notifications:read": (SIGNED_IN,),
    "notifications:read_all": (SIGNED_IN,),
    "org:api_key_revoke": (SIGNED_IN,),
    "org:api_keys": EVERY_ROLE,
    "projects:deadline_decide": (SIGNED_IN,),
    "projects:deadline_request": (SIGNED_IN,),
    "projects:evidence_file": (ANONYMOUS,),
    "projects:indicator_add": (SIGNED_IN,),
    "projects:instruction_give": (SIGNED_IN,),
    "projects:list_detail": (SIGNED_IN,),
    "projects:list_export": (SIGNED_IN,),
    "projects:list_import": (SIGNED_IN,),
    "projects:evidence_publish": (SIGNED_IN,),
    "projects:list_index": (SIGNED_IN,),
    "projects:milestone_waive": (SIGNED_IN,),
    "projects:public_rate": (ANONYMOUS,),
    "projects:report_cadence": (SIGNED_IN,),
    "projects:list_publish": (SIGNED_IN,),
    "projects:milestone_add": (SIGNED_IN,),
    "projects:milestone_delete": (SIGNED_IN,),
    "projects:milestone_done": (SIGNED_IN,),
    "projects:my_projects": (SIGNED_IN,),
    "projects:project_detail": (SIGNED_IN,),
    "projects:project_edit": (SIGNED_IN,),
    "projects:project_new": (SIGNED_IN,),
    "projects:project_status": (SIGNED_IN,),
    "projects:public_index": (ANONYMOUS,),
    "projects:public_list": (ANONYMOUS,),
    "projects:public_project": (ANONYMOUS,),
    "projects:report_accept": (SIGNED_IN,),
    "projects:report_contribute": (SIGNED_IN,),
    "projects:report_new": (SIGNED_IN,),
    "projects:report_return": (SIGNED_IN,),
    "projects:stats": (SIGNED_IN,),
    "projects:supervision_acknowledge": (SIGNED_IN,),
    "projects:supervision_issue": (SIGNED_IN,),
    "projects:warnings": (SIGNED_IN,),
    "set_language": (ANONYMOUS,),
    "subsidies:enterprise_claim": (SIGNED_IN,),
    "subsidies:enterprise_detail": (SIGNED_IN,),
    "subsidies:enterprise_home": (SIGNED_IN,),
    "subsidies:enterprise_join": (SIGNED_IN,),
    "subsidies:enterprise_list": (R.SUPERVISOR, R.FUNDS_OFFICER, R.LEADER, R.ADMIN, SUPERUSER),
    "subsidies:enterprise_new": (R.FUNDS_OFFICER, R.ADMIN, SUPERUSER),
    "subsidies:enterprise_team": (),
    "subsidies:enterprise_user_remove": (SIGNED_IN,),
    "subsidies:facts_import": (R.FUNDS_OFFICER, R.ADMIN, SUPERUSER),
    "subsidies:grant_apply": (SIGNED_IN,),
    "subsidies:grant_confirm": (SIGNED_IN,),
    "subsidies:grant_repay": (SIGNED_IN,),
    "subsidies:grant_detail": (SIGNED_IN,),
    "subsidies:objection_decide": (SIGNED_IN,),
    "subsidies:objection_file": (SIGNED_IN,),
    "subsidies:objection_list": (R.SUPERVISOR, R.FUNDS_OFFICER, R.LEADER, R.ADMIN, SUPERUSER),
    "subsidies:objection_new": (SIGNED_IN,),
    "subsidies:policy_accounts": (SIGNED_IN,),
    "subsidies:policy_approve": (SIGNED_IN,),
    "subsidies:policy_detail": (R.SUPERVISOR, R.FUNDS_OFFICER, R.LEADER, R.ADMIN, SUPERUSER),
    "subsidies:policy_edit": (R.SUPERVISOR, R.FUNDS_OFFICER, R.LEADER, R.ADMIN, SUPERUSER),
    "subsidies:policy_list": (R.SUPERVISOR, R.FUNDS_OFFICER, R.LEADER, R.ADMIN, SUPERUSER),
    "subsidies:policy_match": (SIGNED_IN,),
    "subsidies:policy_new": (R.SUPERVISOR, R.FUNDS_OFFICER, R.LEADER, R.ADMIN, SUPERUSER),
    "subsidies:policy_pay": (SIGNED_IN,),
    "subsidies:policy_publish": (SIGNED_IN,),
    "subsidies:policy_simulate": (R.SUPERVISOR, R.FUNDS_OFFICER, R.LEADER, R.ADMIN, SUPERUSER),
    "subsidies:receiving_account_decide": (SIGNED_IN,),
    "subsidies:receiving_account_review": (R.FUNDS_OFFICER, R.ADMIN, SUPERUSER),
    "subsidies:receiving_accounts": (),
    "subsidies:recovery_decide": (SIGNED_IN,),
    "subsidies:recovery_list": (R.SUPERVISOR, R.FUNDS_OFFICER, R.LEADER, R.ADMIN, SUPERUSER),
    "subsidies:recovery_repayment": (SIGNED_IN,),
    "subsidies:recovery_request": (SIGNED_IN,),
    "subsidies:stats": (R.SUPERVISOR, R.FUNDS_OFFICER, R.LEADER, R.ADMIN, SUPERUSER),
    "subsidies:vouchers": (*city(R.FUNDS_OFFICER), R.ADMIN, SUPERUSER),
    "workdays:notice": (R.ADMIN, SUPERUSER),
    "workdays:years": STAFF,
}

API: dict[str, tuple[str, ...]] = {
    "GET /api/audit/events": (R.AUDITOR, R.LEADER),
    "GET /api/appeals/": (SIGNED_IN,),
    "GET /api/appeals/catalogue/suggest": (SIGNED_IN,),
    "GET /api/appeals/categories": (SIGNED_IN,),
    "GET /api/appeals/follow": (ANONYMOUS,),
    "GET /api/appeals/legs/{leg_id}/history": (SIGNED_IN,),
    "GET /api/appeals/metrics/": (R.SUPERVISOR, R.LEADER, R.UNIT_HEAD, R.ADMIN, SUPERUSER),
    "GET /api/appeals/queues/callback": (SIGNED_IN,),
    "GET /api/appeals/queues/dispatch": (SIGNED_IN,),
    "GET /api/appeals/queues/review": (SIGNED_IN,),
    "GET /api/appeals/queues/unit": (SIGNED_IN,),
    "GET /api/appeals/{number}": (SIGNED_IN,),
    "GET /api/insight/dashboard": (R.SUPERVISOR, R.LEADER, R.UNIT_HEAD, R.ADMIN, SUPERUSER),
    "GET /api/insight/hotspots": (R.DISPATCHER, R.SUPERVISOR, R.PROJECT_OFFICER, R.LEADER, R.ADMIN, SUPERUSER),
    "GET /api/insight/public": (ANONYMOUS,),
    "GET /api/insight/report": (R.SUPERVISOR, R.LEADER, R.UNIT_HEAD, R.ADMIN, SUPERUSER),
    "GET /api/ledger/accounts": LEDGER_READERS,
    "GET /api/ledger/accounts/{code}": LEDGER_READERS,
    "GET /api/ledger/accounts/{code}/transfers": LEDGER_READERS,
    "GET /api/ledger/check": LEDGER_READERS,
    "GET /api/ledger/transfers/{key}": LEDGER_READERS,
    "GET /api/open311/v2/requests.json": (ANONYMOUS,),
    "GET /api/open311/v2/requests/{request_id}.json": (ANONYMOUS,),
    "GET /api/open311/v2/services.json": (ANONYMOUS,),
    "GET /api/org/me": (SIGNED_IN,),
    "GET /api/org/regions": (SIGNED_IN,),
    "GET /api/org/regions/at": (SIGNED_IN,),
    "GET /api/org/regions/{region_id}": (SIGNED_IN,),
    "GET /api/org/units": (SIGNED_IN,),
    "GET /api/projects/lists": (SIGNED_IN,),
    "GET /api/projects/lists/{list_id}/projects": (SIGNED_IN,),
    "GET /api/projects/projects/{project_id}": (SIGNED_IN,),
    "GET /api/projects/projects/{project_id}/reports": (SIGNED_IN,),
    "GET /api/projects/public/lists": (ANONYMOUS,),
    "GET /api/projects/public/lists/{list_id}/projects": (ANONYMOUS,),
    "GET /api/projects/stats": (SIGNED_IN,),
    "GET /api/subsidies/enterprises": (SIGNED_IN,),
    "GET /api/subsidies/enterprises/{pk}": (SIGNED_IN,),
    "GET /api/subsidies/grants": (SIGNED_IN,),
    "GET /api/subsidies/grants/{pk}": (SIGNED_IN,),
    "GET /api/subsidies/grants/{pk}/refusal": (SIGNED_IN,),
    "GET /api/subsidies/notices": (SIGNED_IN,),
    "GET /api/subsidies/objections": (SIGNED_IN,),
    "GET /api/subsidies/policies": (SIGNED_IN,),
    "GET /api/subsidies/policies/{pk}": (SIGNED_IN,),
    "GET /api/subsidies/policies/{pk}/stats": (R.SUPERVISOR, R.FUNDS_OFFICER, R.LEADER, R.ADMIN, SUPERUSER),
    "GET /api/subsidies/recoveries": (SIGNED_IN,),
    "GET /api/subsidies/versions/{pk}/simulate": (SIGNED_IN,),
    "GET /api/subsidies/vouchers": (SIGNED_IN,),
    "POST /api/appeals/": (SIGNED_IN,),
    "POST /api/appeals/legs/{leg_id}/answer": (SIGNED_IN,),
    "POST /api/appeals/legs/{leg_id}/extension": (SIGNED_IN,),
    "POST /api/appeals/legs/{leg_id}/note": (SIGNED_IN,),
    "POST /api/appeals/legs/{leg_id}/return": (SIGNED_IN,),
    "POST /api/appeals/legs/{leg_id}/sign": (SIGNED_IN,),
    "POST /api/appeals/legs/{leg_id}/suspension": (SIGNED_IN,),
    "POST /api/appeals/notices/{notice_id}/acknowledge": (SIGNED_IN,),
    "POST /api/appeals/requests/{request_id}/decision": (SIGNED_IN,),
    "POST /api/appeals/{number}/callback": (SIGNED_IN,),
    "POST /api/appeals/{number}/close-at-intake": (SIGNED_IN,),
    "POST /api/appeals/{number}/dispatch": (SIGNED_IN,),
    "POST /api/appeals/{number}/instruction": (SIGNED_IN,),
    "POST /api/appeals/{number}/merge": (SIGNED_IN,),
    "POST /api/appeals/{number}/resume": (SIGNED_IN,),
    "POST /api/appeals/{number}/return-decision": (SIGNED_IN,),
    "POST /api/appeals/{number}/review": (SIGNED_IN,),
    "POST /api/appeals/{number}/suggestion-close": (SIGNED_IN,),
    "POST /api/appeals/{number}/supervision": (SIGNED_IN,),
    "POST /api/insight/hotspots/{key}/project": (SIGNED_IN,),
    "POST /api/open311/v2/requests.json": (),
    "POST /api/projects/projects/{project_id}/reports": (SIGNED_IN,),
    "POST /api/projects/reports/{report_id}/accept": (SIGNED_IN,),
    "POST /api/projects/reports/{report_id}/return": (SIGNED_IN,),
    "POST /api/subsidies/enterprises": (SIGNED_IN,),
    "POST /api/subsidies/enterprises/import": (SIGNED_IN,),
    "POST /api/subsidies/facts": (SIGNED_IN,),
    "POST /api/subsidies/facts/upload": (SIGNED_IN,),
    "POST /api/subsidies/grants/{pk}/confirm": (SIGNED_IN,),
    "POST /api/subsidies/grants/{pk}/objection": (SIGNED_IN,),
    "POST /api/subsidies/grants/{pk}/recovery": (SIGNED_IN,),
    "POST /api/subsidies/grants/{pk}/repayments": (SIGNED_IN,),
    "POST /api/subsidies/objections/{pk}/decide": (SIGNED_IN,),
    "POST /api/subsidies/policies": (SIGNED_IN,),
    "POST /api/subsidies/policies/{pk}/approve": (SIGNED_IN,),
    "POST /api/subsidies/policies/{pk}/pay": (SIGNED_IN,),
    "POST /api/subsidies/policies/{pk}/versions": (SIGNED_IN,),
    "POST /api/subsidies/recoveries/{pk}/decide": (SIGNED_IN,),
    "POST /api/subsidies/versions/{pk}/apply/{enterprise_pk}": (SIGNED_IN,),
    "POST /api/subsidies/versions/{pk}/match": (SIGNED_IN,),
    "POST /api/subsidies/versions/{pk}/publish": (SIGNED_IN,),
}


def admits(tokens: tuple[str, ...], *, grants: tuple[tuple[str, bool], ...], superuser: bool = False,
           anonymous: bool = False) -> bool:
    """Whether an address with ``tokens`` lets in a person with ``grants`` ((role, city-wide) pairs)."""
    if ANONYMOUS in tokens:
        return True
    if anonymous:
        return False
    if SIGNED_IN in tokens:
        return True
    if superuser:
        return SUPERUSER in tokens
    return any(role in tokens or (city_wide and f"{role}@city" in tokens) for role, city_wide in grants)


def entry(key: str) -> tuple[str, ...] | None:
    return PAGES.get(key) if key in PAGES else API.get(key)


TOKEN_WORDS = {ANONYMOUS: "anyone", SIGNED_IN: "anyone signed in", SUPERUSER: "superuser"}


def _words(tokens: tuple[str, ...]) -> str:
    return ", ".join(TOKEN_WORDS.get(token, token.replace("@city", " (city-wide)")) for token in tokens) or "nobody"


def access_table_markdown() -> str:
    """The table of docs/security.md: one row per address, the grants that may enter it."""
    lines = ["| page (URL name) | who may open it |", "|---|---|"]
    lines += [f"| `{key}` | {_words(tokens)} |" for key, tokens in sorted(PAGES.items())]
    lines += ["", "| API endpoint | who may call it |", "|---|---|"]
    lines += [f"| `{key}` | {_words(tokens)} |" for key, tokens in sorted(API.items())]
    return "\n".join(lines) + "\n"
