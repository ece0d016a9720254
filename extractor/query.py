"""Read the filled database: per-paper field state, facets, --where filters and read-only SQL.

The read paths live in modules named for what they do; this module gathers them under the
name the CLI, the web pages, review and audit import from:
  query_checks   QueryError, field and document checks shared by every read path
  paper_state    current values and field state per paper (show, audit, export)
  facets         papers per value of one field
  paper_filters  --where conditions, matching papers, pages of them
  sql_readonly   `methex sql`
Values are read from the current_values table (db/012), kept at write time, so every read is
an index scan. All SQL is parameterised; field names from users are checked against the schema.
"""
from __future__ import annotations

from extractor.facets import Facet, FacetResult, field_facets
from extractor.paper_filters import (OPERATORS, Condition, PaperMatch, PaperPage, find_papers,
                                     matching_ids, papers_of, papers_page, parse_condition)
from extractor.paper_state import FieldState, ValueState, docs_state, iter_values, paper_state
from extractor.query_checks import NOT_EXTRACTED, QueryError, check_doc, check_field
from extractor.sql_readonly import SqlError, SqlResult, run_sql

__all__ = ["NOT_EXTRACTED", "OPERATORS", "Condition", "Facet", "FacetResult", "FieldState",
           "PaperMatch", "PaperPage", "QueryError", "SqlError", "SqlResult", "ValueState",
           "check_doc", "check_field", "docs_state", "field_facets", "find_papers",
           "iter_values", "matching_ids", "paper_state", "papers_of", "papers_page",
           "parse_condition", "run_sql"]
