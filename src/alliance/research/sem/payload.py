"""The JSON document of a fitted model, as ``alliance research fit --json`` prints it.

One builder for every entry point (the command line and the researcher's page), so a
download from the page and the command's output are the same document for the same
inputs.
"""

from __future__ import annotations

import json
from typing import Any

from .estimate import SemFit

__all__ = ["FIT_MEASURES", "SCALED_MEASURES", "fit_payload", "payload_json"]

#: the fit measures ``fit`` prints, in this order (issue 6)
FIT_MEASURES = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic")
#: printed as well when the estimator gives them (MLR, WLSMV)
SCALED_MEASURES = (
    "chisq.scaled",
    "pvalue.scaled",
    "chisq.scaling.factor",
    "cfi.scaled",
    "tli.scaled",
    "rmsea.scaled",
    "chisq.shift.parameters",
)


def fit_payload(result: SemFit) -> dict[str, Any]:
    """Return the JSON-ready document of a ``SemFit``: parameters, fit measures, options."""
    full = result.to_dict()
    return {
        "parameters": full["parameters"],
        "fit": {k: full["fit"][k] for k in FIT_MEASURES + SCALED_MEASURES if k in full["fit"]},
        "defined": full["defined"],
        "npar": int(result.fit["npar"]),
        "logl": full["fit"]["logl"],
        "n_obs": result.n_obs,
        "converged": result.converged,
        "options": result.options,
    }


def payload_json(payload: dict[str, Any]) -> str:
    """Return `payload` as the text ``fit --json`` prints (without the final newline)."""
    return json.dumps(payload, indent=2)
