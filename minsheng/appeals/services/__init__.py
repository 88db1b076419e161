"""Every write to appeals. Each service locks the case, checks the state table once
(``_transition``), changes the rows and appends one event per transition, all in one transaction.

``version`` is the case version the person saw; when someone else acted first it no longer matches
and the loser gets ``Conflict`` instead of overwriting the winner's work.

The services are split by sub-domain (one module each); every name is re-exported here, so callers
import ``minsheng.appeals.services`` as before.
"""

from .. import filing  # noqa: F401  (tests patch services.filing.case_file)
from .callback import (  # noqa: F401
    _redo,
    appeal_merge,
    callback_record,
    suggestion_close,
)
from .catalogue import (  # noqa: F401
    _pinyin,
    catalogue_remove,
    catalogue_set,
    category_create,
    knowledge_save,
)
from .core import (  # noqa: F401
    QUERY_CODE_ALPHABET,
    SNIFFERS,
    Upload,
    _appeal_clock,
    _check_allowed,
    _check_uploads,
    _close,
    _follow_parent,
    _leg_handle_clock,
    _lock,
    _lock_leg,
    _query_code,
    _require_centre,
    _require_role,
    _require_unit,
    _setting,
    _store_uploads,
    _text,
    _transition,
    _written_uploads,
    sniff_content_type,
)
from .dispatch import (  # noqa: F401
    _check_units,
    _current_lead,
    _dispatch,
    _leg,
    _legs,
    _new_legs,
    appeal_dispatch,
    leg_return,
    leg_sign,
    return_decide,
)
from .handling import (  # noqa: F401
    _decide,
    _leg_request,
    _lock_request,
    _mark_late_answer,
    answer_review,
    appeal_answer,
    extension_decide,
    extension_request,
    leg_note,
    suspension_decide,
    suspension_request,
    suspension_resume,
)
from .intake import (  # noqa: F401
    CHINA_BOUNDS,
    _answer_at_intake,
    _register,
    _stored_answer,
    appeal_close_at_intake,
    appeal_register,
    appeal_register_idempotent,
    request_fingerprint,
)
from .supervision import (  # noqa: F401
    leader_instruct,
    supervision_acknowledge,
    supervision_issue,
)
from .timekeeping import (  # noqa: F401
    RecomputeResult,
    _breached_on_provisional,
    _recompute_case,
    _recompute_leg,
    _stored_provisional,
    deadlines_mark,
    deadlines_recompute,
)
