"""The outcome pages' URLs in the permission matrix (tests/web/test_url_matrix.py)."""

from __future__ import annotations

CLASSES = {
    # "My outcomes": each practitioner their own figures.
    "practitioner_only": {"outcomes_mine", "progress_reports"},
    # By practitioner: a supervisor's supervisees; the clinic lead's whole staff.
    "admin_and_supervisor": {"outcomes_supervision"},
    # Services and the whole practice: the clinic lead.
    "admin_only": {"outcomes_practice"},
    # The alliance split over consented data: the research pages' rule.
    "researcher_only": {"outcomes_research"},
    # A client's progress report: only their treating practitioner (audit-logged).
    "write": {"progress_report"},
    # Its PDF is downloaded by POST (each download is audited); others get 404.
    "post_only": {"progress_report_pdf"},
}
