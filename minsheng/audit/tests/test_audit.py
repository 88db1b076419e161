"""The audit trail is append-only in the database itself, on SQLite and on PostgreSQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from minsheng.audit.models import AuditEvent
from minsheng.audit.personal_data import mask_mobile, mask_resident_id
from minsheng.audit.services import audit_record, personal_data_reveal
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person, unit


@pytest.fixture
def event(db):
    return audit_record(actor=None, action="test.something", summary={"a": 1}, ip="127.0.0.1")


def test_an_event_records_actor_action_object_and_summary(db):
    admin = person(Role.ADMIN)
    office = unit("佛山市城市管理和综合执法局")
    event = audit_record(actor=admin, action="org.unit_change", obj=office, summary={"name": ["a", "b"]}, ip="10.1.2.3")
    event.refresh_from_db()
    assert (event.actor_id, event.action, event.object_type, event.object_id) == (
        admin.pk,
        "org.unit_change",
        "org.unit",
        str(office.pk),
    )
    assert event.object_repr == "佛山市城市管理和综合执法局"
    assert event.summary == {"name": ["a", "b"]}
    assert event.ip == "10.1.2.3"


def test_updating_an_event_is_refused_by_the_database(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    assert AuditEvent.objects.get(pk=event.pk).action == "test.something"


def test_saving_a_changed_event_is_refused_by_the_database(event):
    event.summary = {"a": 2}
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()


def test_deleting_an_event_is_refused_by_the_database(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_cannot_change_the_trail_either(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'x'")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk, action="test.something").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_truncate_is_refused_on_postgresql(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")


def test_masks():
    assert mask_mobile("13812341234") == "138****1234"
    assert mask_resident_id("11010519491231002X") == "110105********002X"
    assert mask_mobile("") == ""


def test_revealing_personal_data_writes_an_audit_event(db):
    agent = person(Role.CALLBACK_AGENT)
    office = unit()
    value = personal_data_reveal(actor=agent, obj=office, field="contact_phone", kind="mobile", value="13812341234",
                                 reason="回访核实")
    assert value == "13812341234"
    event = AuditEvent.objects.get(action="personal_data.reveal")
    assert event.actor_id == agent.pk
    assert event.summary == {"field": "contact_phone", "kind": "mobile", "masked": "138****1234", "reason": "回访核实"}
    assert "13812341234" not in str(event.summary)
