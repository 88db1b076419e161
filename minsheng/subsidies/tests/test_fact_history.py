"""Fact history (issue 18, defect 9.3): every value kept with when, by which import and by whom; the facts
as they were at any instant; a grant re-derived from the facts it was computed on."""

import importlib
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone, translation

from minsheng.org.choices import Role
from minsheng.org.tests.factories import person
from minsheng.subsidies import selectors, services
from minsheng.subsidies.choices import FactRecordingKind, GrantState
from minsheng.subsidies.models import EnterpriseFact, EnterpriseFactRevision, FactBatch, FactDefinition, Grant

from .factories import enterprise, published_policy

pytestmark = pytest.mark.django_db
ACCOUNT = "6222020200112233445"
GAS = 'fact("gas_m3", "2025")'


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def gas(e, value, **kwargs):
    return services.facts_import(rows=[{"uscc": e.uscc, "fact": "gas_m3", "period": "2025", "value": value}],
                                 **kwargs)


def local(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


# --- what is kept ---------------------------------------------------------------------------------

def test_every_import_keeps_the_value_it_replaces_with_its_batch_and_actor():
    officer = person(Role.FUNDS_OFFICER)
    e = enterprise()
    first = gas(e, "1000", source="市燃气集团", actor=officer, file_name="gas-2025.xlsx")
    gas(e, "2000")
    again = gas(e, "2000.00")  # the same value reported again: counted, not a new revision
    gas(e, "2000", source="市统计局")  # the same value from another source: a revision
    revisions = list(EnterpriseFactRevision.objects.filter(enterprise=e).order_by("number"))
    assert [(r.number, r.value, r.source) for r in revisions] == [
        (1, Decimal("1000.00"), "市燃气集团"), (2, Decimal("2000.00"), ""), (3, Decimal("2000.00"), "市统计局")]
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    batch = FactBatch.objects.get(pk=first.batch)
    assert (batch.kind, batch.file_name, batch.recorded_by, batch.source) == (
        FactRecordingKind.FILE, "gas-2025.xlsx", officer, "市燃气集团")
    assert revisions[0].batch == batch and revisions[0].recorded_at == batch.recorded_at
    fact = EnterpriseFact.objects.get(enterprise=e)
    assert (fact.value, fact.source, fact.revision) == (Decimal("2000.00"), "市统计局", 3)


def test_the_value_in_force_is_always_the_latest_revision():
    e1, e2 = enterprise(), enterprise()
    rows = [{"uscc": e.uscc, "fact": f, "period": "2025", "value": v}
            for e in (e1, e2) for f, v in (("gas_m3", 10), ("tax_paid", 20), ("revenue", 30))]
    services.facts_import(rows=rows)
    services.facts_import(rows=[{**row, "value": row["value"] + 1} for row in rows[::2]])
    latest = {}
    for r in EnterpriseFactRevision.objects.order_by("number"):
        latest[r.enterprise_id, r.definition_id, r.period] = (r.value, r.number)
    assert latest == {(f.enterprise_id, f.definition_id, f.period): (f.value, f.revision)
                      for f in EnterpriseFact.objects.all()}


def test_a_refused_file_records_no_batch_and_no_revision():
    e = enterprise(facts={("gas_m3", "2025"): 1000})
    with pytest.raises(ValidationError):
        services.facts_import(rows=[{"uscc": e.uscc, "fact": "gas_m3", "period": "2025", "value": "2000"},
                                    {"uscc": e.uscc, "fact": "gas_m3", "period": "2099", "value": "1"}])
    assert FactBatch.objects.count() == 1 and EnterpriseFactRevision.objects.count() == 1


@pytest.mark.parametrize("change", ["update", "delete"])
def test_revisions_and_batches_are_append_only_in_the_database(change):
    e = enterprise(facts={("gas_m3", "2025"): 1000})
    for queryset in (EnterpriseFactRevision.objects.filter(enterprise=e), FactBatch.objects.all()):
        with pytest.raises(DatabaseError), transaction.atomic():
            if change == "update":
                queryset.update(source="改过")
            else:
                queryset.delete()


def test_an_import_takes_the_same_few_queries_for_ten_facts_or_a_thousand(django_assert_max_num_queries):
    small, large = [enterprise() for _ in range(2)], [enterprise() for _ in range(200)]
    names = ["gas_m3", "tax_paid", "revenue", "employees", "electricity_kwh"]

    def rows(enterprises, value):
        return [{"uscc": e.uscc, "fact": n, "period": "2025", "value": value} for e in enterprises for n in names]

    with django_assert_max_num_queries(12):  # new values: 1,000 facts in a fixed number of statements
        services.facts_import(rows=rows(large, 1))
    with django_assert_max_num_queries(12):  # changed values
        services.facts_import(rows=rows(large, 2))
    with django_assert_max_num_queries(12):
        services.facts_import(rows=rows(small, 1))
    assert EnterpriseFactRevision.objects.count() == 2 * 1000 + 10


# --- the facts at an instant ----------------------------------------------------------------------

def test_facts_as_of_gives_the_value_in_force_at_each_instant():
    with time_machine.travel(local("2026-03-01 09:00"), tick=False):
        e = enterprise(facts={("gas_m3", "2025"): 1000})
    with time_machine.travel(local("2026-04-01 09:00"), tick=False):
        gas(e, "2000")
        services.facts_import(rows=[{"uscc": e.uscc, "fact": "tax_paid", "period": "2025", "value": "7"}])

    def values(at):
        return {key: (r.value, r.number) for key, r in selectors.facts_as_of(enterprise=e, at=local(at)).items()}

    assert values("2026-02-28 23:59") == {}
    assert values("2026-03-01 09:00") == {("gas_m3", "2025"): (Decimal("1000.00"), 1)}
    assert values("2026-03-31 12:00") == {("gas_m3", "2025"): (Decimal("1000.00"), 1)}
    assert values("2026-04-01 09:00") == {("gas_m3", "2025"): (Decimal("2000.00"), 2),
                                          ("tax_paid", "2025"): (Decimal("7.00"), 1)}


def test_the_rules_read_the_facts_as_of_an_instant_when_asked():
    with time_machine.travel(local("2026-03-01 09:00"), tick=False):
        e = enterprise(facts={("gas_m3", "2025"): 1000})
    with time_machine.travel(local("2026-04-01 09:00"), tick=False):
        gas(e, "2000")
    then = selectors.population_load(facts=[("gas_m3", "2025")], enterprise_ids=[e.pk], as_of=local("2026-03-15"))
    now = selectors.population_load(facts=[("gas_m3", "2025")], enterprise_ids=[e.pk])
    assert then.fact("gas_m3", "2025")[0][0] == 100000 and now.fact("gas_m3", "2025")[0][0] == 200000
    before = selectors.population_load(facts=[("gas_m3", "2025")], enterprise_ids=[e.pk], as_of=local("2026-01-01"))
    assert not before.fact("gas_m3", "2025")[1][0]


# --- re-deriving a grant --------------------------------------------------------------------------

@pytest.fixture
def paid_grant():
    """A grant offered on gas 200,000 m³ (20,000 yuan), confirmed, approved and paid; then the gas figure
    is corrected to 300,000 m³ (a later import: the grant stands on the earlier value)."""
    owner = person(Role.ENTERPRISE)
    with time_machine.travel(local("2026-03-01 09:00"), tick=True):
        e = enterprise(user=owner, facts={("gas_m3", "2025"): 200000})
    with time_machine.travel(local("2026-03-02 09:00"), tick=True):
        services.policy_match(version=published_policy())
    grant = Grant.objects.get(enterprise=e)
    with time_machine.travel(local("2026-03-03 09:00"), tick=True):
        services.grant_confirm(grant=grant, user=owner, bank_account_no=ACCOUNT)
    with time_machine.travel(local("2026-03-04 09:00"), tick=True):
        gas(e, "300000")
    grant.refresh_from_db()
    assert grant.state == GrantState.PAID and grant.amount == 20_000_00
    return grant


def test_a_paid_grant_is_rederived_from_the_facts_it_was_computed_on(paid_grant):
    result = services.grant_rederive(grant=paid_grant)
    assert result.holds and result.trace_matches_hash
    assert [c.step for c in result.checkpoints] == [GrantState.OFFERED, GrantState.CONFIRMED, GrantState.APPROVED]
    offered = result.checkpoints[0]
    assert offered.facts_hash == paid_grant.facts_hash and offered.trace["granted"] == 20_000_00
    assert offered.revisions[GAS].number == 1 and offered.revisions[GAS].value == Decimal("200000.00")
    assert not offered.changes
    # today's facts would give another amount: the history, not the current value, is what the grant stands on
    assert services.policies._evaluate_one(paid_grant.version, paid_grant.enterprise)["granted"] == 30_000_00


def test_rederiving_names_the_fact_that_changed_and_the_revision_that_holds_it(paid_grant):
    # An import stamped before the offer but not seen by it (the one race telling time by clock cannot rule out).
    with time_machine.travel(local("2026-03-01 18:00"), tick=False):
        EnterpriseFactRevision.objects.create(
            enterprise=paid_grant.enterprise, definition=FactDefinition.objects.get(name="gas_m3"), period="2025",
            number=3, value=Decimal("250000"), source="补录",
            batch=FactBatch.objects.create(kind=FactRecordingKind.ROWS, recorded_at=timezone.now()),
            recorded_at=timezone.now())
    result = services.grant_rederive(grant=paid_grant)
    assert not result.holds
    offered = result.checkpoints[0]
    assert not offered.hash_matches and not offered.amount_matches
    (change,) = offered.changes
    assert (change.name, change.recorded, change.derived) == (GAS, "200000.00", "250000.00")
    assert change.revision.number == 3 and change.revision.source == "补录"


def test_a_grant_whose_stored_hash_was_altered_is_reported(paid_grant):
    Grant.objects.filter(pk=paid_grant.pk).update(facts_hash="0" * 64)
    result = services.grant_rederive(grant=paid_grant)
    assert not result.trace_matches_hash and not result.checkpoints[0].hash_matches and not result.holds


def test_a_grant_offered_again_is_rederived_from_its_new_offer():
    owner = person(Role.ENTERPRISE)
    with time_machine.travel(local("2026-03-01 09:00"), tick=True):
        e = enterprise(user=owner, facts={("gas_m3", "2025"): 200000})
        version = published_policy()
        services.policy_match(version=version)
    with time_machine.travel(local("2026-03-02 09:00"), tick=True):
        gas(e, "300000")
        services.policy_match(version=version)  # the open offer's amount changed: offered again
    grant = Grant.objects.get(enterprise=e)
    assert grant.amount == 30_000_00
    result = services.grant_rederive(grant=grant)
    assert result.holds and result.checkpoints[0].revisions[GAS].number == 2
    assert result.checkpoints[0].at > local("2026-03-02 09:00")


# --- the data migration ---------------------------------------------------------------------------

def test_history_begins_with_the_facts_already_there_as_revision_1():
    e = enterprise()
    gas_m3 = FactDefinition.objects.get(name="gas_m3")
    with time_machine.travel(local("2026-02-01 08:00"), tick=False):
        old = EnterpriseFact.objects.create(enterprise=e, definition=gas_m3, period="2025", value=5, source="旧")
    recorded = services.facts_import(rows=[{"uscc": e.uscc, "fact": "tax_paid", "period": "2025", "value": 1}])
    migration = importlib.import_module("minsheng.subsidies.migrations.0007_fact_history")
    editor = SimpleNamespace(connection=connection)
    migration.history_start(apps, editor)
    migration.history_start(apps, editor)  # again: nothing recorded twice
    revision = EnterpriseFactRevision.objects.get(definition=gas_m3)
    assert (revision.number, revision.value, revision.source, revision.recorded_at) == (
        1, Decimal("5.00"), "旧", old.imported_at)
    assert revision.batch.kind == FactRecordingKind.HISTORY_START and revision.batch.rows == 1
    assert EnterpriseFactRevision.objects.exclude(batch_id=recorded.batch).count() == 1


# --- pages ----------------------------------------------------------------------------------------

def test_the_grant_page_shows_an_official_the_rederivation_and_hides_it_from_the_enterprise(paid_grant):
    officer = Client(HTTP_ACCEPT_LANGUAGE="en")
    officer.force_login(person(Role.FUNDS_OFFICER))
    page = officer.get(f"/subsidies/grants/{paid_grant.pk}/").content.decode()
    assert 'id="rederivation"' in page and "200000.00" in page
    owner = Client(HTTP_ACCEPT_LANGUAGE="en")
    owner.force_login(paid_grant.enterprise.users.get())
    assert 'id="rederivation"' not in owner.get(f"/subsidies/grants/{paid_grant.pk}/").content.decode()


def test_the_enterprise_page_lists_every_value_a_fact_took(paid_grant):
    officer = Client(HTTP_ACCEPT_LANGUAGE="en")
    officer.force_login(person(Role.FUNDS_OFFICER))
    page = officer.get(f"/subsidies/enterprises/{paid_grant.enterprise_id}/").content.decode()
    history = page[page.index('id="fact-history"'):]
    assert "300000.00" in history and "200000.00" in history

