"""Alliance monitoring: trajectories, ruptures and repair, early-alliance, disagreement,
not-on-track and missing-check signals over tidy tables (pure: no Django).

>>> from alliance.monitoring import monitor
>>> result = monitor(scores)            # polars or pandas, one row per score
>>> result.signals                      # key, type, episode, session, state, evidence ...
"""

from alliance.monitoring.engine import MonitorResult, monitor, monitor_episode, resolve_params
from alliance.monitoring.expected import (
    RecoveryModel,
    fit_recovery_model,
    fit_recovery_models,
    not_on_track,
    not_on_track_flags,
)
from alliance.monitoring.guidance import Guidance, GuidanceError, guidance_for, load_guidance
from alliance.monitoring.norms import PracticeNorms, practice_norms
from alliance.monitoring.rules import (
    critical_answers,
    disagreement,
    early_alliance,
    low_alliance,
    missing_checks,
)
from alliance.monitoring.ruptures import (
    detect_ruptures,
    rupture_counts,
    rupture_key,
    rupture_patterns,
)
from alliance.monitoring.scales import (
    DEFAULT_SCALES,
    ScaleParams,
    params_from_library,
    scale_params,
)
from alliance.monitoring.settings import DEFAULT_SETTINGS, MonitoringSettings
from alliance.monitoring.signals import (
    SIGNAL_SCHEMA,
    SIGNAL_TYPES,
    Signal,
    risk_order,
    risk_ranks,
    session_part,
    signal_key,
    signal_list,
)
from alliance.monitoring.tidy import (
    from_scoring,
    prepare_checks,
    prepare_scores,
    prepare_transcript_ruptures,
)
from alliance.monitoring.trajectories import phase_summary, trajectories

__all__ = [
    "DEFAULT_SCALES",
    "DEFAULT_SETTINGS",
    "SIGNAL_SCHEMA",
    "SIGNAL_TYPES",
    "Guidance",
    "GuidanceError",
    "MonitorResult",
    "MonitoringSettings",
    "PracticeNorms",
    "RecoveryModel",
    "ScaleParams",
    "Signal",
    "critical_answers",
    "detect_ruptures",
    "disagreement",
    "early_alliance",
    "fit_recovery_model",
    "fit_recovery_models",
    "from_scoring",
    "guidance_for",
    "load_guidance",
    "low_alliance",
    "missing_checks",
    "monitor",
    "monitor_episode",
    "not_on_track",
    "not_on_track_flags",
    "params_from_library",
    "phase_summary",
    "practice_norms",
    "prepare_checks",
    "prepare_scores",
    "prepare_transcript_ruptures",
    "resolve_params",
    "risk_order",
    "risk_ranks",
    "rupture_counts",
    "rupture_key",
    "rupture_patterns",
    "scale_params",
    "session_part",
    "signal_key",
    "signal_list",
    "trajectories",
]
