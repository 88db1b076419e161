"""``field__any_of=values``: ``field__in`` for long lists of values, sent as one array on PostgreSQL.

``__in`` writes one placeholder per value; with thousands of values (a payment batch's keys, a
chunk's enterprise ids) building and quoting that SQL costs more than the query itself. On
PostgreSQL ``any_of`` sends ``column = ANY(%s::type[])`` with the values as one array; elsewhere
it is ``__in``. Registered for every field (foreign keys included) when this module is imported,
which ``minsheng.org``'s app config does at start-up.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any_of"

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        # (numbers and text go to the driver as they are: what get_db_prep_value would do, at a fraction of the cost)
        values = [value if isinstance(value, int | str) else field.get_db_prep_value(value, connection, prepared=True)
                  for value in self.rhs if value is not None]
        if not values:
            raise EmptyResultSet
        return f"{lhs} = ANY(%s::{field.cast_db_type(connection)}[])", (*lhs_params, values)


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # related fields keep their own lookup table
