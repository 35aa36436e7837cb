"""Outcomes for a whole practice: dashboards, fair comparisons and client progress reports."""
