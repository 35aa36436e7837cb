"""Research analytics (pure, no Django): data sets, psychometrics, SEM, multilevel, reports.

- ``alliance.research.datasets``: consented, pseudonymised long/wide data sets, codebook,
  CSV / Parquet / SPSS writers (``build_datasets``, ``write_dataset``, ``TIDY_COLUMNS``).
- ``alliance.research.psychometrics``: alpha with CI, omega, item–total statistics, CFA of
  goal/task/bond vs one factor, longitudinal measurement invariance.
- ``alliance.research.sem``: structural equation models in lavaan syntax, matching lavaan
  0.6 (``fit_sem``): ML, FIML, MLR, WLSMV for ordered items, multiple groups with
  ``group_equal``, ``==`` constraints, bootstrap percentile intervals.
- ``alliance.research.prebuilt``: prebuilt models (alliance -> flourishing, alliance ->
  wellbeing, each ML, MLR or ordinal; RI-CLPM; measurement invariance across groups).
- ``alliance.research.multilevel``: fast mixed models matching lme4 (``fit_mixed``,
  ``alliance_outcome_model``).
- ``alliance.research.report``: the offline HTML report (``build_report``).
- ``alliance.commands.research`` (outside this package): the ``alliance research``
  commands (``fit``, ``report``, ``dataset``).
"""

from .datasets import TIDY_COLUMNS, ResearchDataset, build_datasets, research_id, write_dataset
from .multilevel import MixedResult, alliance_outcome_model, fit_mixed, person_mean_centre
from .prebuilt import (
    alliance_flourishing_syntax,
    alliance_wellbeing_syntax,
    fit_alliance_flourishing,
    fit_alliance_wellbeing,
    fit_measurement_invariance,
    fit_riclpm,
    riclpm_paths,
    riclpm_syntax,
)
from .psychometrics import (
    compare_alliance_structures,
    cronbach_alpha,
    item_total,
    mcdonald_omega,
    measurement_invariance,
    reliability_from_long,
    reliability_table,
)
from .sem import ModelSyntaxError, SemFit, fit_sem

__all__ = [
    "TIDY_COLUMNS",
    "MixedResult",
    "ModelSyntaxError",
    "ResearchDataset",
    "SemFit",
    "alliance_flourishing_syntax",
    "alliance_outcome_model",
    "alliance_wellbeing_syntax",
    "build_datasets",
    "compare_alliance_structures",
    "cronbach_alpha",
    "fit_alliance_flourishing",
    "fit_alliance_wellbeing",
    "fit_measurement_invariance",
    "fit_mixed",
    "fit_riclpm",
    "fit_sem",
    "item_total",
    "mcdonald_omega",
    "measurement_invariance",
    "person_mean_centre",
    "reliability_from_long",
    "reliability_table",
    "research_id",
    "riclpm_paths",
    "riclpm_syntax",
    "write_dataset",
]
