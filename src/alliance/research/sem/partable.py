"""Turn parsed lavaan syntax into a full parameter table with lavaan's ``sem()`` defaults.

Defaults (as ``lavaan::sem()`` / ``cfa()``, lavaan 0.6):

- the first loading of each latent variable is fixed to 1 (``auto.fix.first``), unless
  the user fixed or freed it (``NA*x``), or ``std_lv=True`` (then latent variances are 1);
- a latent variable with a single observed indicator fixes that indicator's residual
  variance to 0 (``auto.fix.single``);
- residual variances of every observed and latent variable are free (``auto.var``);
- exogenous latent variables covary freely (``auto.cov.lv.x``);
- the residuals of "pure" dependent variables (regressed on something, predicting
  nothing) covary freely (``auto.cov.y``);
- exogenous observed covariates have their variances, covariances and means fixed to
  the sample values (``fixed.x``);
- with a mean structure, observed intercepts are free and latent means fixed to 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .defined import compile_definition
from .syntax import ModelSyntaxError, UserRow, parse_model

__all__ = ["GROUP_EQUAL", "ParRow", "ParTable", "build_partable", "split_groups"]

#: lavaan's ``group.equal`` keywords and the rows each one makes equal across groups
GROUP_EQUAL = (
    "loadings",
    "intercepts",
    "means",
    "residuals",
    "residual.covariances",
    "lv.variances",
    "lv.covariances",
    "regressions",
    "thresholds",
)


@dataclass
class ParRow:
    """One row of the parameter table (free rows carry a 0-based ``index``)."""

    lhs: str
    op: str
    rhs: str
    index: int  # -1 when fixed
    value: float | None  # fixed value, or start value when free (None: choose)
    label: str = ""
    user: bool = True
    exo: bool = False  # fixed to a sample statistic (fixed.x)
    group: int = 0  # 0-based group number (multiple-group models)

    @property
    def free(self) -> bool:
        return self.index >= 0


@dataclass
class ParTable:
    """Parameter table plus the variable lists the estimator needs."""

    rows: list[ParRow]
    ov: list[str]  # observed variables, lavaan's order
    lv: list[str]  # latent variables
    ov_x: list[str]  # exogenous observed covariates held fixed (fixed.x)
    meanstructure: bool
    n_free: int
    labels: list[str] = field(default_factory=list)  # name of each free parameter
    definitions: list[tuple[str, str]] = field(default_factory=list)  # (name, expression)


def _key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    if op == "~~":
        a, b = sorted((lhs, rhs))
        return (a, op, b)
    return (lhs, op, rhs)


def _ordered_unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def _apply_constraints(rows: list[ParRow], constraints: list[UserRow]) -> dict[str, str]:
    """Apply ``==`` constraints; return each label's representative label.

    ``a1 == a2`` makes the two labels one parameter (as lavaan, which turns simple equality
    constraints into shared parameters); ``a1 == 0.5`` fixes every row labelled ``a1``.
    """
    known = {r.label for r in rows if r.label}
    parent: dict[str, str] = {}

    def find(label: str) -> str:
        while parent.get(label, label) != label:
            label = parent[label]
        return label

    fixes: list[tuple[str, float]] = []
    for c in constraints:
        names = [side for side in (c.lhs, c.rhs) if not _is_number(side)]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ModelSyntaxError(
                f"line {c.line}: constraint {c.lhs} == {c.rhs} names an unknown label "
                f"{unknown[0]!r} (labels in the model: {', '.join(sorted(known)) or 'none'})"
            )
        if len(names) == 2:
            a, b = find(names[0]), find(names[1])
            if a != b:
                parent[b] = a
        else:
            fixes.append((names[0], float(c.rhs if names[0] == c.lhs else c.lhs)))
    for name, value in fixes:
        for row in rows:
            if row.label and find(row.label) == find(name):
                row.index, row.value = -1, value
    return {label: find(label) for label in known}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def build_partable(
    model: str | list[UserRow],
    *,
    meanstructure: bool = False,
    fixed_x: bool = True,
    std_lv: bool = False,
    auto_cov_y: bool = True,
    auto_cov_lv_x: bool = True,
) -> ParTable:
    """Build the full parameter table for ``model`` (lavaan syntax or parsed rows)."""
    user = parse_model(model) if isinstance(model, str) else list(model)
    definitions = [(r.lhs, r.rhs, r.line) for r in user if r.op == ":="]
    constraints = [r for r in user if r.op == "=="]
    user = [r for r in user if r.op not in (":=", "==")]
    if not user:
        raise ModelSyntaxError("the model has definitions (:=) but no parameters")
    lv = _ordered_unique(r.lhs for r in user if r.op == "=~")
    lv_set = set(lv)
    indicators = _ordered_unique(r.rhs for r in user if r.op == "=~")
    eqs_y = _ordered_unique(r.lhs for r in user if r.op == "~")
    eqs_x = _ordered_unique(r.rhs for r in user if r.op == "~")
    if any(r.op == "~1" for r in user):
        meanstructure = True

    names = _ordered_unique([n for r in user for n in (r.lhs, r.rhs) if n and n not in lv_set])
    ov_ind = [n for n in indicators if n not in lv_set]
    ov_x = [n for n in names if n in eqs_x and n not in eqs_y and n not in indicators]
    if not fixed_x:
        ov_x_fixed: list[str] = []
    else:
        ov_x_fixed = ov_x
    ov = _ordered_unique(ov_ind + [n for n in names if n not in ov_x] + ov_x)
    ov_y = [n for n in ov if n in eqs_y and n not in eqs_x]
    lv_y = [n for n in lv if n in eqs_y and n not in eqs_x]
    lv_ind = set(indicators) & lv_set
    lv_x = [n for n in lv if n not in eqs_y and n not in lv_ind]

    for r in user:
        if r.op == "~~" and ((r.lhs in ov_x_fixed) or (r.rhs in ov_x_fixed)):
            if r.lhs in ov_x_fixed and r.rhs in ov_x_fixed:
                raise ModelSyntaxError(
                    f"line {r.line}: {r.lhs} ~~ {r.rhs} concerns exogenous covariates, "
                    "whose (co)variances are fixed to the sample values (fixed_x=True)"
                )

    rows: list[ParRow] = []
    seen: set[tuple[str, str, str]] = set()
    first_loading_done: set[str] = set()
    for r in user:
        key = _key(r.lhs, r.op, r.rhs)
        if key in seen:
            raise ModelSyntaxError(f"line {r.line}: {r.lhs} {r.op} {r.rhs} is specified twice")
        seen.add(key)
        value = r.fixed if r.fixed is not None else r.start
        free = r.fixed is None
        if r.op == "=~" and r.lhs not in first_loading_done:
            first_loading_done.add(r.lhs)
            if not std_lv and r.fixed is None and not r.free:
                free, value = False, 1.0
        rows.append(ParRow(r.lhs, r.op, r.rhs, 0 if free else -1, value, r.label, True))

    def add(
        lhs: str, op: str, rhs: str, free: bool, value: float | None, exo: bool = False
    ) -> None:
        key = _key(lhs, op, rhs)
        if key in seen:
            return
        seen.add(key)
        rows.append(ParRow(lhs, op, rhs, 0 if free else -1, value, "", False, exo))

    # auto.fix.single: single observed indicator -> residual variance 0
    for f in lv:
        inds = [r.rhs for r in user if r.op == "=~" and r.lhs == f]
        if len(inds) == 1 and inds[0] not in lv_set:
            add(inds[0], "~~", inds[0], False, 0.0)
    for n in ov:
        if n in ov_x_fixed:
            continue
        add(n, "~~", n, True, None)
    for f in lv:
        add(f, "~~", f, not std_lv, 1.0 if std_lv else None)
    if auto_cov_lv_x:
        for i, a in enumerate(lv_x):
            for b in lv_x[i + 1 :]:
                add(a, "~~", b, True, None)
    if auto_cov_y:
        ys = lv_y + ov_y
        for i, a in enumerate(ys):
            for b in ys[i + 1 :]:
                add(a, "~~", b, True, None)
    for i, a in enumerate(ov_x_fixed):
        for b in ov_x_fixed[i:]:
            add(a, "~~", b, False, None, exo=True)
    if not fixed_x:  # exogenous covariates then covary freely
        for i, a in enumerate(ov_x):
            for b in ov_x[i + 1 :]:
                add(a, "~~", b, True, None)
    if meanstructure:
        for n in ov:
            if n in ov_x_fixed:
                add(n, "~1", "", False, None, exo=True)
            else:
                add(n, "~1", "", True, None)
        for f in lv:
            add(f, "~1", "", False, 0.0)

    alias = _apply_constraints(rows, constraints)

    # number the free parameters; equal labels (and labels set equal by ==) share one
    labels: list[str] = []
    by_label: dict[str, int] = {}
    for row in rows:
        if not row.free:
            continue
        shared = alias.get(row.label, row.label)
        if shared and shared in by_label:
            row.index = by_label[shared]
            if row.label:
                by_label.setdefault(row.label, row.index)
            continue
        row.index = len(labels)
        labels.append(row.label or f"{row.lhs}{row.op}{row.rhs}")
        if shared:
            by_label[shared] = row.index
        if row.label:
            by_label[row.label] = row.index

    # a fixed row carrying a label of a free row makes no sense in lavaan either
    for row in rows:
        if not row.free and row.label and row.label in by_label:
            raise ModelSyntaxError(
                f"{row.lhs} {row.op} {row.rhs}: label {row.label!r} is used on a fixed "
                "and a free parameter"
            )
    # defined parameters may use labels of free or fixed rows and earlier definitions
    known = set(by_label) | {r.label for r in rows if r.label}
    for name, expr, line in definitions:
        try:
            _tree, used = compile_definition(expr)
        except ValueError as exc:
            raise ModelSyntaxError(f"line {line}: {exc}") from exc
        unknown = sorted(used - known)
        if unknown:
            raise ModelSyntaxError(f"line {line}: {name} uses unknown labels {unknown}")
        if name in known:
            raise ModelSyntaxError(f"line {line}: {name} is defined twice or is a label")
        known.add(name)
    return ParTable(
        rows,
        ov,
        lv,
        ov_x_fixed,
        meanstructure,
        len(labels),
        labels,
        [(n, e) for n, e, _ in definitions],
    )


def _equal_kind(row: ParRow, pt: ParTable) -> str:
    lv = set(pt.lv)
    if row.op == "=~":
        return "loadings"
    if row.op == "~":
        return "regressions"
    if row.op == "~1":
        return "means" if row.lhs in lv else "intercepts"
    if row.op == "|":
        return "thresholds"
    if row.op == "~~":
        both_lv = row.lhs in lv and row.rhs in lv
        if row.lhs == row.rhs:
            return "lv.variances" if both_lv else "residuals"
        return "lv.covariances" if both_lv else "residual.covariances"
    return ""


def split_groups(pt: ParTable, n_groups: int, group_equal: Sequence[str] = ()) -> list[ParTable]:
    """Repeat ``pt`` for each group, as lavaan's multiple-group models.

    Free parameters are separate per group unless a user label or a ``group_equal``
    keyword (lavaan's ``group.equal``) makes them equal across groups. With equal
    intercepts, or equal thresholds of ordered indicators (and not equal means), latent
    means are free in groups 2, 3, ... as in lavaan; with equal thresholds, so are the
    scale factors ``~*~`` (delta parameterization). Returns one table per group; their free indices refer to one shared vector.
    """
    unknown = sorted(set(group_equal) - set(GROUP_EQUAL))
    if unknown:
        raise ValueError(f"unknown group_equal {', '.join(unknown)}; use {', '.join(GROUP_EQUAL)}")
    equal = set(group_equal)
    ordinal = any(row.op == "|" for row in pt.rows)
    # equal thresholds of ordered indicators identify, like equal intercepts, the latent
    # means of groups 2, 3, ... and (delta parameterization) their scale factors
    free_lv_means = bool({"intercepts", "thresholds"} & equal if ordinal else "intercepts" in equal)
    free_lv_means = free_lv_means and "means" not in equal
    free_scales = ordinal and "thresholds" in equal
    index_of: dict[tuple[object, ...], int] = {}
    tables = []
    n_free = 0
    label_of_index = {}
    for g in range(n_groups):
        rows = []
        for row in pt.rows:
            new = ParRow(
                row.lhs, row.op, row.rhs, row.index, row.value, row.label, row.user, row.exo, g
            )
            if free_lv_means and g > 0 and row.op == "~1" and row.lhs in pt.lv and not row.user:
                new.index, new.value = 0, None
            if free_scales and g > 0 and row.op == "~*~":
                new.index, new.value = 0, None
            if new.free:
                if row.label:
                    key: tuple[object, ...] = ("label", row.index)
                elif row.free and _equal_kind(row, pt) in equal:
                    key = ("equal", row.index)
                else:
                    key = ("group", g, row.lhs, row.op, row.rhs)
                if key not in index_of:
                    index_of[key] = n_free
                    label_of_index[n_free] = row.label or f"{row.lhs}{row.op}{row.rhs}.g{g + 1}"
                    n_free += 1
                new.index = index_of[key]
            rows.append(new)
        tables.append(rows)
    labels = [label_of_index[i] for i in range(n_free)]
    return [
        ParTable(rows, pt.ov, pt.lv, pt.ov_x, pt.meanstructure, n_free, labels, pt.definitions)
        for rows in tables
    ]
