"""Every write of the policy-funds app: enterprises and facts (each value kept in the facts' history),
policies and versions, grants and payments; and re-deriving a grant from the facts it was computed on.

The grant life cycle (choices.GRANT_TRANSITIONS): an offer is found by matching (免申即享) or made
on application (快申快享); the enterprise confirms with its bank account; approval re-checks the
rule and the caps and reserves the amount on the ledger (秒批); payment asks the bank and posts the
reservation when it confirms, or voids it when it fails (秒付).

Money never moves twice: a grant is unique per (policy, enterprise, period); its reservation has a
ledger key derived from that triple; the bank is asked with that key as the reference (banks answer
a known reference from their record); posting and voiding are idempotent by key. So any step can be
re-run after a crash or raced by another worker.

After payment: a grant found wrong is recovered (追回, ``recoveries``: four eyes, a receivable on the
ledger, repayments by bank reference, the enterprise barred from the policy until repaid); a refused
enterprise may object (申诉, ``objections``), and an upheld objection sends the grant through approval
again. A payment the bank sends back (退汇, ``returns``) makes the grant returned, and a funds officer pays it
again from the money that came back. The enterprise is told through ``notices._notify_enterprise``.

The services are split by sub-domain (one module each); every name is re-exported here.
"""

from ..cells import parse_amount as _parse_amount  # noqa: F401  (the names these had before cells.py)
from ..cells import parse_date as _parse_date  # noqa: F401
from .accounts import (  # noqa: F401
    receiving_account_decide,
    receiving_account_request,
    receiving_account_retire,
    registered_account,
    same_name,
)
from .budgets import (  # noqa: F401
    budget_change_decide,
    budget_change_request,
    budget_refusals_reconsider,
)
from .core import (  # noqa: F401
    _EVENT_COLUMNS,
    APPROVE_FIELDS,
    CHUNK,
    PAY_FIELDS,
    TREASURY_ACCOUNT,
    BatchResult,
    _BatchGrant,
    _enterprise_account,
    _event,
    _EventRow,
    _facts_hash,
    _insert_events,
    _json_rows,
    _json_value,
    _require_funds_officer,
    _require_grant_officer,
    _reserve_key,
    _save_grants,
    _state_change,
    _trace_inputs,
    _transition,
    budget_account,
    can_manage_enterprise,
    reference_data_ensure,
)
from .enterprises import (  # noqa: F401
    ENTERPRISE_COLUMNS,
    ImportResult,
    _district_of,
    _enterprise_ids,
    _industry_codes,
    _industry_table,
    _refuse_if,
    _require_columns,
    _row_error,
    enterprise_link_user,
    enterprise_problems,
    enterprise_register,
    enterprises_import,
    industry_code_problem,
    reference_data_forget,
)
from .facts import (  # noqa: F401
    FACT_COLUMNS,
    _current_period,
    fact_problem,
    facts_import,
)
from .grants import (  # noqa: F401
    AmountChanged,
    MatchResult,
    _cap_problem,
    _confirm,
    _held_by_enterprise,
    _recheck,
    _refusal,
    grant_apply,
    grant_approve,
    grant_batch_approve,
    grant_confirm,
    grant_offer,
    policy_match,
)
from .history import (  # noqa: F401
    Checkpoint,
    InputChange,
    Rederivation,
    grant_rederive,
)
from .identity import (  # noqa: F401
    enterprise_administrator_transfer,
    enterprise_claim_start,
    enterprise_claim_verify,
    enterprise_invite,
    enterprise_invite_accept,
    enterprise_user_remove,
)
from .notices import _notify_enterprise, _site_language  # noqa: F401
from .objections import (  # noqa: F401
    _check_evidence,
    _decided_on_grant,
    objection_decide,
    objection_due,
    objection_file,
)
from .payments import (  # noqa: F401
    _claim,
    _pay_chunk,
    _pay_claimed,
    grant_batch_pay,
    grant_pay,
    grant_payment_retry,
)
from .policies import (  # noqa: F401
    ACCOUNT_CODE_FIELDS,
    Simulation,
    _check_terms,
    _compile,
    _envelope_funded,
    _evaluate,
    _evaluate_one,
    _group,
    _not_eligible,
    cap_group_create,
    policy_accounts_set,
    policy_create,
    policy_publish,
    policy_simulate,
    policy_version_save,
    rule_compile,
)
from .recoveries import (  # noqa: F401
    BANK_REFERENCE,
    _bar_owed,
    _bar_problem,
    _receivable_account,
    recovery_decide,
    recovery_repayment_record,
    recovery_request,
)
from .returns import grant_payment_repay, grant_payments_returned  # noqa: F401
