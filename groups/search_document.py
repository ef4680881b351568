"""What a keyword search reads of a group: the expression behind Group.search_vector.

PostgreSQL stores a weighted English tsvector (name first, then summary and condition
names, then description), so searches stem words and rank; its GIN index lives in a
PostgreSQL-only migration (0018). SQLite, the zero-setup default, has no to_tsvector: there
the column holds the same text, space-separated, and the search matches words in it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchVectorField
from django.db.models import F, Func

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

# The group's text columns and their weight, in the order the document reads them.
WEIGHTED_COLUMNS = (("name", "A"), ("summary", "B"), ("search_terms", "B"), ("description", "C"))


class DocumentField(SearchVectorField):
    """A tsvector column on PostgreSQL; text where the database has no such type."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"


class SearchDocument(Func):
    """The group's own text as the database can search it (a generated column may read only
    its row's columns, so condition names come through search_terms)."""

    output_field = DocumentField()

    def __init__(self) -> None:
        super().__init__(*(F(column) for column, _ in WEIGHTED_COLUMNS))

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, *args: Any, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        """The SQL is written here whole (Func's function, template and joiner unused)."""
        columns: list[str] = []
        params: list[Any] = []
        for expression, (_, weight) in zip(self.source_expressions, WEIGHTED_COLUMNS, strict=True):
            sql, column_params = compiler.compile(expression)
            params.extend(column_params)
            text = f"COALESCE({sql}, '')"
            # The regconfig cast makes to_tsvector immutable, as a generated column needs.
            if connection.vendor == "postgresql":
                text = f"setweight(to_tsvector('english'::regconfig, {text}), '{weight}')"
            columns.append(text)
        joiner = " || " if connection.vendor == "postgresql" else " || ' ' || "
        return f"({joiner.join(columns)})", tuple(params)
