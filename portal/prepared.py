"""Hot read queries compiled once per thread, then run with new values, as prepared
statements of their connection.

Django builds and compiles a queryset's SQL on every request: for a short indexed read,
that costs more than the database does (about 1 ms of Python for a query answered in
0.3 ms). A request that every integration repeats all day long (a token's lookup, a sync
poll that finds nothing) pays it on every call. `PreparedQuery` compiles its queryset the
first time a thread runs it, with `Param` placeholders where the values go, and keeps the
SQL text, where each value belongs, and how a row becomes model instances (the same steps
as Django's ModelIterable, select_related included). Each later run only prepares the
values, executes, and builds the instances.

Only the SQL text and plain descriptions of the rows are kept, never a compiler (which is
bound to one connection), and per thread, so two threads never share anything. Whatever
varies between calls must be a Param: a literal in the built queryset is compiled into
the SQL for good, so `build` takes the Params as its only arguments, and a shape that
depends on something else (a role, whether a filter is given, a page size) is a
different key. The same goes for what Django writes into the SQL from the request's
settings: the active time zone of a `__date` lookup, `Trunc` or `Extract` on a date-time
(none of the prepared reads uses one; a local day is given as a Param instead).
"""

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import BigIntegerField, Expression, F, Lookup, Value
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators

_plans = threading.local()
# Plans kept per thread, the least recently used dropped first: a few per page shape, and
# a page size among 200 for the API's lists.
MAX_PLANS = 1000


class _Slot:
    """Where a Param's value goes in the compiled parameters."""

    __slots__ = ("name", "field")

    def __init__(self, name, field):
        self.name = name
        self.field = field


class Param(Expression):
    """A value given at each run of a PreparedQuery, prepared as `field` prepares it."""

    def __init__(self, name, field):
        super().__init__(output_field=field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [_Slot(self.name, self.output_field)]


# A Param's field for a list of primary keys (with AnyOf).
KEYS = ArrayField(BigIntegerField())


class AnyOf(Lookup):
    """`lhs = ANY(rhs)`: a filter on a list of values given as one Param (an ArrayField's),
    where `__in` would need one placeholder per value and so a plan per list length.
    `queryset.filter(AnyOf(F("customer_id"), customers))`."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple  # literal values, and _Slot where a Param's value goes
    # How a row becomes instances; a count's plan has none.
    init_list: tuple = ()
    model_start: int = 0
    model_end: int = 0
    model: type | None = None
    related_populators: tuple = ()
    annotation_col_map: dict = field(default_factory=dict)
    converters: tuple = ()  # (position, converters, expression)
    names: tuple = ()  # a values() queryset's keys: rows become dicts


# The plan of a queryset Django knows to be empty without asking the database.
_NOTHING = _Plan(sql="", params=())


@dataclass(frozen=True)
class PreparedRows:
    """Rows to read through a PreparedQuery: `build(**params)` gives the queryset from
    Params named as `params` (the fields that prepare their values), and `values` gives
    this caller's values. `key` names the shape `build` makes. A caller may narrow them
    further (portal/api/pagination.paginate_prepared) or read them with `all()`."""

    key: str
    model: type
    build: Callable
    params: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)

    def all(self):
        return PreparedQuery(self.key, self.build, self.params)(**self.values)

    def first(self):
        found = self.all()
        return found[0] if found else None

    def narrowed(self, key, narrow):
        """These rows through `narrow(queryset)`, a shape of its own named `key`."""
        build = self.build
        return replace(self, key=f"{self.key}|{key}",
                       build=lambda **params: narrow(build(**params)))

    # What a Paginator asks of its list: a count, then a slice.

    def count(self):
        return PreparedQuery(self.key, self.build, self.params).count(**self.values)

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("Prepared rows are read by slices.")
        return self.narrowed(f"[{index.start}:{index.stop}]",
                             lambda queryset: queryset[index.start:index.stop]).all()


class PreparedQuery:
    """`build(**params)` → the queryset, with a Param for each value that varies.
    `params` names each Param's field: {"secret_hash": ApiToken._meta.get_field(...)}."""

    def __init__(self, key, build, params, using=DEFAULT_DB_ALIAS):
        self.key = key
        self.build = build
        self.params = params
        self.using = using

    def _plan(self, key, compile):
        plans = getattr(_plans, "by_key", None)
        if plans is None:
            plans = _plans.by_key = OrderedDict()
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = compile()
            if len(plans) > MAX_PLANS:
                plans.popitem(last=False)
        else:
            plans.move_to_end(key)
        return plan

    def _queryset(self):
        return self.build(**{name: Param(name, field) for name, field in self.params.items()})

    def _compile_count(self):
        # As a subquery, whatever the queryset holds (PostgreSQL flattens a plain one).
        queryset = self._queryset().order_by().values("pk")
        try:
            sql, params = queryset.query.get_compiler(using=self.using).as_sql()
        except EmptyResultSet:
            return _NOTHING
        return _Plan(sql=f"SELECT COUNT(*) FROM ({sql}) counted", params=tuple(params))

    def _execute(self, plan, values):
        connection = connections[self.using]
        if plan is _NOTHING:
            return connection, []
        params = [
            param.field.get_db_prep_value(values[param.name], connection, prepared=False)
            if isinstance(param, _Slot) else param
            for param in plan.params]
        with _statement_cursor(connection) as cursor:
            cursor.execute(plan.sql, params)
            return connection, cursor.fetchall()

    def count(self, **values):
        """The number of rows the queryset would give with these values."""
        plan = self._plan((self.key, "count"), self._compile_count)
        _connection, rows = self._execute(plan, values)
        return rows[0][0] if rows else 0

    def _compile(self):
        queryset = self._queryset()
        as_dicts = queryset._iterable_class is ValuesIterable
        if not (as_dicts or queryset._iterable_class is ModelIterable) \
                or queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError("A prepared query reads model instances or values(), without "
                             "prefetches.")
        compiler = queryset.query.get_compiler(using=self.using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # say, an empty slice: no statement to run
            return _NOTHING
        select, klass_info = compiler.select, compiler.klass_info
        fields = [column[0] for column in select[:compiler.col_count]]
        converters = tuple((position, converters, expression) for position, (
            converters, expression) in compiler.get_converters(fields).items())
        if as_dicts:
            # The keys in the SELECT's order, as ValuesIterable reads them: the order
            # values() names them in, annotations included, when Django keeps it.
            query = queryset.query
            names = tuple(query.selected) if query.selected else (
                *query.extra_select, *query.values_select, *query.annotation_select)
            return _Plan(sql=sql, params=tuple(params), converters=converters, names=names)
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Plan(
            sql=sql, params=tuple(params),
            init_list=tuple(column[0].target.attname for column in select[start:end]),
            model_start=start, model_end=end, model=klass_info["model"],
            related_populators=tuple(get_related_populators(klass_info, select, self.using)),
            annotation_col_map=dict(compiler.annotation_col_map or {}),
            converters=converters)

    def __call__(self, **values):
        """The instances (or, for values(), the dicts) the queryset would give with these
        values."""
        plan = self._plan(self.key, self._compile)
        connection, rows = self._execute(plan, values)
        found = []
        for row in rows:
            if plan.converters:
                row = list(row)
                for position, converters, expression in plan.converters:
                    value = row[position]
                    for converter in converters:
                        value = converter(value, expression, connection)
                    row[position] = value
            if plan.names:
                found.append(dict(zip(plan.names, row, strict=False)))
                continue
            obj = plan.model.from_db(self.using, plan.init_list,
                                     row[plan.model_start:plan.model_end])
            for populator in plan.related_populators:
                populator.populate(row, obj)
            for name, position in plan.annotation_col_map.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found


def _statement_cursor(connection):
    """A cursor whose statements are prepared on their connection: PostgreSQL parses each
    once per connection and, once a generic plan is found to do as well as one for the
    values given, plans it once too; planning a page's reads cost it more than running
    them. Values are then bound by the server. The connection's `prepare_threshold` is
    the settings' (None: a pooler that cannot keep them; then a cursor as any other)."""
    cursor = connection.cursor()  # the connection open, the partner's search_path set
    if connection.connection.prepare_threshold is None:
        return cursor
    cursor.close()
    cursor = ServerBindingCursor(connection.connection)
    return (_LoggedStatement(cursor, connection) if connection.queries_logged
            else connection.make_cursor(cursor))


class _LoggedStatement(CursorDebugWrapper):
    """Logs a prepared statement as any other query is logged: with its values written in
    (Django reads those of a cursor binding them on the client)."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)


def totals(queryset, **aggregates):
    """`queryset.aggregate(**aggregates)` as a values() queryset of one row, for a
    PreparedQuery: grouped by a constant, which Django leaves out of the SQL."""
    return (queryset.order_by().annotate(_all=Value(1)).values("_all").annotate(**aggregates)
            .values(*aggregates))


def prefetch_prepared(instances, name, model, field):
    """prefetch_related(name) of `instances` through a PreparedQuery: the rows of `model`
    whose foreign key `field` points at one of them, handed out as `prefetched` does.
    Returns the rows read, for a next level."""
    if not instances:
        return []
    column = model._meta.get_field(field).attname
    rows = PreparedRows(
        f"prefetch:{model._meta.label}.{field}", model,
        lambda keys: model._default_manager.filter(AnyOf(F(column), keys)),
        {"keys": KEYS}, {"keys": [instance.pk for instance in instances]}).all()
    by_owner = defaultdict(list)
    for row in rows:
        by_owner[getattr(row, column)].append(row)
    for instance in instances:
        prefetched(instance, name, by_owner[instance.pk])
    return rows


def prefetched(instance, name, rows):
    """Gives `instance` the rows of its relation `name` (a reverse foreign key's accessor)
    as prefetch_related would: `instance.<name>.all()` then reads them without a query."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = queryset
