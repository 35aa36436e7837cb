"""Structural equation models in lavaan syntax, estimated by ML or FIML (no R needed)."""

from .estimate import SemFit, fit_sem
from .partable import ParTable, build_partable
from .syntax import ModelSyntaxError, parse_model

__all__ = ["ParTable", "SemFit", "ModelSyntaxError", "build_partable", "fit_sem", "parse_model"]
