"""Interoperability (pure, no Django).

* :mod:`alliance.interop.fhir` — FHIR R4 Questionnaire / QuestionnaireResponse out and in
* :mod:`alliance.interop.responses_csv` — validate a long responses CSV for import
"""
