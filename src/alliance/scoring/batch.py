"""Score many administrations at once from an item-level table (vectorised with polars)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import polars as pl

from alliance.instruments import Instrument, load_library
from alliance.instruments.loader import UnknownInstrumentError

from .errors import OutOfRangeError, UnknownItemError, describe_allowed
from .single import Score

INPUT_COLUMNS = ("administration", "instrument", "item", "value")
_OPS = {"ge": "__ge__", "gt": "__gt__", "le": "__le__", "lt": "__lt__", "eq": "__eq__"}


def _as_polars(frame: Any) -> pl.DataFrame:
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    if not isinstance(frame, pl.DataFrame):
        try:  # pandas (or anything with the dataframe interchange protocol)
            frame = pl.from_pandas(frame)
        except (TypeError, ValueError):
            frame = pl.DataFrame(frame)
    missing = [c for c in INPUT_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"item table lacks column(s) {missing}; expected {list(INPUT_COLUMNS)}")
    selected: pl.DataFrame = frame.select(
        pl.col("administration"),
        pl.col("instrument").cast(pl.String),
        pl.col("item").cast(pl.String),
        pl.col("value").cast(pl.Float64).fill_nan(None),
    )
    return selected


BLOCK = 63  # items per bit-mask block (UInt64)


@lru_cache(maxsize=64)
def _tables(instruments: tuple[Instrument, ...]) -> dict[str, Any]:
    """Dense look-up arrays indexed by key = instrument index · stride + item position.

    Item ids are "1".."n" in order (enforced by the loader), so an item's position is
    int(id) − 1 in every instrument; per-row attributes are then a ``gather`` away,
    which is much cheaper than a join on two string columns.
    """
    stride = max(len(i.items) for i in instruments)
    n_blocks = (stride + BLOCK - 1) // BLOCK
    size = len(instruments) * stride
    valid = [False] * size
    lo = [0.0] * size
    hi = [0.0] * size
    sign: list[float | None] = [None] * size
    off = [0.0] * size
    idlen = [0] * size
    chk = [0] * size  # 0: any value in range (vas), 1: integers in range, 2: option set
    trig = [False] * size
    bit = [0] * size
    subs: dict[str, list[float | None]] = {}
    sub_code: list[int | None] = [None] * size
    sub_meta_rows: list[dict[str, Any]] = []
    options, trig_rows, inst_rows = [], [], []
    for n, inst in enumerate(instruments):
        for p, it in enumerate(inst.items):
            key = n * stride + p
            vals = it.answers.values
            consecutive = bool(vals) and sorted(vals) == list(
                range(int(min(vals)), int(min(vals)) + len(vals))
            )
            valid[key] = True
            idlen[key] = len(it.id)
            lo[key], hi[key] = it.min, it.max
            if it.scored:
                sign[key] = -1.0 if it.reverse else 1.0
                off[key] = (it.min + it.max) if it.reverse else 0.0
            chk[key] = 0 if it.kind == "vas" else (1 if consecutive else 2)
            bit[key] = 1 << (p % BLOCK)
            if chk[key] == 2:
                options += [{"_key": key, "value": float(v)} for v in vals]
        for s in inst.subscales:
            subs.setdefault(s.id, [])
            code = len(sub_meta_rows)
            sub_meta_rows.append(
                {
                    "_sub": code,
                    "_sname": s.id,
                    "_sk": float(len(s.items)),
                    "_smm": float(s.max_missing),
                    "_smean": s.method == "mean",
                    "_sround": inst.scoring.round_prorated,
                }
            )
            for i in s.items:
                slot = n * stride + int(i) - 1
                if sub_code[slot] is not None:
                    raise NotImplementedError(
                        f"{inst.id}: item {i} belongs to several subscales; batch scoring "
                        "supports one subscale per item"
                    )
                sub_code[slot] = code
        for kind, ts in (("critical", inst.critical_items), ("signal", inst.signals)):
            for pos, t in enumerate(ts):
                key = n * stride + int(t.item) - 1
                trig[key] = True
                trig_rows.append(
                    {
                        "_key": key,
                        "_op": t.op,
                        "_tval": float(t.value),
                        "_kind": kind,
                        "_tid": t.item if kind == "critical" else (t.id or t.item),
                        "_tpos": pos,
                    }
                )
        r = inst.scoring
        masks = [0] * n_blocks
        for p, it in enumerate(inst.items):
            if it.scored:
                masks[p // BLOCK] |= 1 << (p % BLOCK)
        row = {
            "_k": float(len(inst.scored_item_ids)),
            "_maxmiss": float(r.max_missing),
            "_mean": r.method == "mean",
            "_mult": r.multiplier,
            "_off": r.offset,
            "_round": r.round_prorated,
            "_straight": bool(inst.reverse_keyed),
        }
        for b in range(n_blocks):
            row[f"_exp{b}"] = masks[b]
        inst_rows.append(row)
    inst_cols: dict[str, pl.Series] = {}
    for col in {c for r in inst_rows for c in r}:
        values = [r.get(col) for r in inst_rows]
        dtype = pl.UInt64 if col.startswith("_exp") else None
        inst_cols[col] = pl.Series(col, values, dtype=dtype)
    return {
        "stride": stride,
        "n_blocks": n_blocks,
        "index": {inst.id: n for n, inst in enumerate(instruments)},
        "valid": pl.Series(valid, dtype=pl.Boolean),
        "lo": pl.Series(lo, dtype=pl.Float64),
        "hi": pl.Series(hi, dtype=pl.Float64),
        "sign": pl.Series(sign, dtype=pl.Float64),
        "off": pl.Series(off, dtype=pl.Float64),
        "chk": pl.Series(chk, dtype=pl.Int8),
        "idlen": pl.Series(idlen, dtype=pl.UInt32),
        "trig": pl.Series(trig, dtype=pl.Boolean),
        "bit": pl.Series(bit, dtype=pl.UInt64),
        "subs": subs,
        "sub": pl.Series(sub_code, dtype=pl.Int64),
        "sub_meta": pl.DataFrame(
            sub_meta_rows,
            schema={
                "_sub": pl.Int64,
                "_sname": pl.String,
                "_sk": pl.Float64,
                "_smm": pl.Float64,
                "_smean": pl.Boolean,
                "_sround": pl.Boolean,
            },
        ),
        "options": pl.DataFrame(options, schema={"_key": pl.Int64, "value": pl.Float64}),
        "trig_tbl": pl.DataFrame(
            trig_rows,
            schema={
                "_key": pl.Int64,
                "_op": pl.String,
                "_tval": pl.Float64,
                "_kind": pl.String,
                "_tid": pl.String,
                "_tpos": pl.Int64,
            },
        ),
        "inst": inst_cols,
        "bands": {inst.id: tuple((float(b.min), b.id) for b in inst.bands) for inst in instruments},
        "item_ids": {n: inst.item_ids for n, inst in enumerate(instruments)},
    }


def _instrument_index(col: pl.Series, run_values: pl.Series, index: Mapping[str, int]) -> pl.Series:
    """Map instrument ids to their index.

    With one instrument this is a constant. Otherwise the ids are mapped once per run of
    equal values (item tables are usually grouped by administration), which is cheaper
    than hashing every row's string.
    """
    if len(index) == 1:
        return pl.repeat(next(iter(index.values())), len(col), dtype=pl.Int64, eager=True)
    if len(run_values) > len(col) // 4:  # hardly any runs: map the rows directly
        return col.replace_strict(index, return_dtype=pl.Int64)
    return run_values.replace_strict(index, return_dtype=pl.Int64).gather(col.rle_id())


def _resolve(
    ids: list[str], source: Instrument | Mapping[str, Instrument] | None
) -> tuple[Instrument, ...]:
    if isinstance(source, Instrument):
        lib: Mapping[str, Instrument] = {source.id: source}
    else:
        lib = source if source is not None else load_library()
    out = []
    for i in sorted(ids):
        if i not in lib:
            raise UnknownInstrumentError(i, lib.keys())
        out.append(lib[i])
    return tuple(out)


def _raise_first_invalid(bad: pl.DataFrame, insts: Mapping[str, Instrument]) -> None:
    row = bad.row(0, named=True)
    n = bad.height
    more = f" ({n - 1} more invalid row(s))" if n > 1 else ""
    where = f"administration {row['administration']!r}: "
    inst = insts[row["instrument"]]
    if not inst.has_item(row["item"]) or row["item"] != inst.item(row["item"]).id:
        err: ValueError = UnknownItemError(inst.id, row["item"], where)
    else:
        item = inst.item(row["item"])
        value = row["value"]
        value = int(value) if float(value).is_integer() else value
        err = OutOfRangeError(inst.id, item.id, value, describe_allowed(item), where)
    err.args = (err.args[0] + more,)
    raise err


def score_batch(
    frame: Any,
    instrument_or_library: Instrument | Mapping[str, Instrument] | None = None,
) -> pl.DataFrame:
    """Score an item-level table: one output row per administration.

    Parameters
    ----------
    frame : polars.DataFrame, polars.LazyFrame or pandas.DataFrame
        Columns ``administration`` (any id), ``instrument`` (id), ``item`` (item id)
        and ``value`` (number; null/NaN = missing). Absent items count as missing.
    instrument_or_library : Instrument or mapping of id → Instrument, optional
        Defaults to :func:`alliance.instruments.load_library`.

    Returns
    -------
    polars.DataFrame
        Sorted by administration, with columns ``administration``, ``instrument``,
        ``total``, ``raw_total``, ``band``, ``scored``, ``prorated``, ``n_answered``,
        ``missing_items``, ``critical``, ``signals``, ``validity`` and one
        ``subscale_<id>`` column per subscale id present. Each row equals what
        :func:`alliance.scoring.score_response` gives for that administration (same
        formulas, see its docstring); :func:`scores_from_batch` turns rows into Scores.

    Raises
    ------
    UnknownInstrumentError, UnknownItemError, OutOfRangeError
        Naming the administration, item and value of the first bad row.
    ValueError
        An item given twice in one administration, or an administration that mixes
        instruments.
    """
    df = _as_polars(frame)
    admin_dtype = df.schema["administration"]
    if df.get_column("instrument").null_count():
        raise ValueError("item table has rows without an instrument")
    run_values = df.get_column("instrument").rle().struct.field("value")
    insts = _resolve(run_values.unique().to_list(), instrument_or_library)
    by_id = {i.id: i for i in insts}
    t = _tables(insts)
    stride, n_blocks = t["stride"], t["n_blocks"]

    v = pl.col("value")
    # Item ids are canonical decimal strings "1".."n": a numeric cast plus a length check
    # (rejects "01", "+1") is much cheaper than a string look-up.
    pos = pl.col("item").cast(pl.Int64, strict=False) - 1
    key = pl.col("_iidx") * stride + pos
    key = pl.when((pos >= 0) & (pos < stride)).then(key)
    df = df.with_columns(
        _instrument_index(df.get_column("instrument"), run_values, t["index"]).alias("_iidx")
    )
    k = pl.col("_key")

    def g(name: str, series: pl.Series | None = None) -> pl.Expr:
        return pl.lit(series if series is not None else t[name]).gather(k)

    sub_ids = list(t["subs"])
    x = v * g("sign") + g("off")
    bad = (
        k.is_null()
        | ~g("valid")
        | (pl.col("item").str.len_bytes() != g("idlen"))
        | (v.is_not_null() & ((v < g("lo")) | (v > g("hi")) | ((g("chk") == 1) & (v != v.floor()))))
    ).fill_null(True)
    pre = [x.alias("_x"), (k // stride).alias("_inst"), bad.alias("_bad")]
    bitcols = []
    for blk in range(n_blocks):
        bit = (
            g("bit")
            if n_blocks == 1
            else pl.when((k % stride) // BLOCK == blk).then(g("bit")).otherwise(0)
        )
        pre.append(bit.alias(f"_bit{blk}"))
        pre.append(pl.when(x.is_not_null()).then(bit).otherwise(0).alias(f"_abit{blk}"))
        bitcols.append(blk)
    if sub_ids:
        pre.append(g("sub").alias("_sub"))
    if t["trig_tbl"].height:
        pre.append(g("trig").alias("_trig"))
    if t["options"].height:
        pre.append((g("chk") == 2).alias("_set"))
    j = df.lazy().with_columns(key.alias("_key")).with_columns(pre).collect()

    # -- validation: report the first bad row ------------------------------------------------
    if j.get_column("_bad").any():
        _raise_first_invalid(j.filter(pl.col("_bad")), by_id)
    if t["options"].height and j.get_column("_set").any():
        setrows = (
            j.lazy()
            .filter(pl.col("_set") & v.is_not_null())
            .select(*INPUT_COLUMNS, "_key")
            .collect()
        )
        if setrows.height:
            badset = setrows.join(t["options"], on=["_key", "value"], how="anti")
            if badset.height:
                _raise_first_invalid(badset, by_id)

    # -- aggregate: plain sums per administration ---------------------------------------------
    xc = pl.col("_x")
    answered = xc.is_not_null()
    aggs = [
        xc.sum().alias("_sum"),
        xc.count().alias("n_answered"),
        pl.col("_inst").min().alias("_inst"),
        pl.col("_inst").max().alias("_inst_max"),
        pl.len().alias("_len"),
    ]
    for blk in bitcols:
        bitc = pl.col(f"_bit{blk}")
        # Each item has its own bit; summing equals OR-ing as long as no item repeats, and
        # popcount(sum) == number of rows exactly when no item repeats (no carries).
        aggs += [bitc.sum().alias(f"_all{blk}"), pl.col(f"_abit{blk}").sum().alias(f"_ans{blk}")]
    straight = bool(t["inst"]["_straight"].any())
    if straight:
        vs = v.filter(answered)
        aggs += [vs.min().alias("_vmin"), vs.max().alias("_vmax")]
    res = j.lazy().group_by("administration").agg(aggs).sort("administration").collect()

    mixed = res.filter(pl.col("_inst") != pl.col("_inst_max"))
    if mixed.height:
        raise ValueError(
            f"administration {mixed.item(0, 'administration')!r} mixes several instruments"
        )
    seen = sum(pl.col(f"_all{blk}").bitwise_count_ones().cast(pl.Int64) for blk in bitcols)
    dup = res.filter(seen != pl.col("_len"))
    if dup.height:
        adm = dup.item(0, "administration")
        rows = j.filter(pl.col("administration") == adm)
        item = rows.filter(pl.col("item").is_duplicated()).item(0, "item")
        raise ValueError(
            f"administration {adm!r}: item {item!r} of {rows.item(0, 'instrument')} appears more than once"
        )

    ic = pl.col("_inst")
    p = {name: pl.lit(series).gather(ic) for name, series in t["inst"].items()}
    n = pl.col("n_answered").cast(pl.Float64)
    nmiss = p["_k"] - n
    ok = (n > 0) & (nmiss <= p["_maxmiss"])
    raw = pl.when(ok).then(_agg_total(pl.col("_sum"), n, p["_k"], p["_mean"], p["_round"]))
    res = res.with_columns(
        raw.alias("raw_total"),
        ok.alias("scored"),
        (ok & (nmiss > 0)).alias("prorated"),
        pl.col("_inst")
        .replace_strict({i: s for s, i in t["index"].items()}, return_dtype=pl.String)
        .alias("instrument"),
        p["_round"].alias("_round_i"),
        p["_straight"].alias("_straight_i"),
        *[(p[f"_exp{blk}"] - pl.col(f"_ans{blk}")).alias(f"_miss{blk}") for blk in bitcols],
    )
    res = res.with_columns((pl.col("raw_total") * p["_mult"] + p["_off"]).alias("total"))

    # -- subscales: a second, smaller group-by over the rows of subscale items -----------------
    if sub_ids:
        sg = (
            j.lazy()
            .select("administration", "_sub", "_x")
            .filter(pl.col("_sub").is_not_null())
            .group_by("administration", "_sub")
            .agg(xc.sum().alias("_ssum"), xc.count().alias("_sn"))
            .collect()
        )
        meta = t["sub_meta"]
        sg = sg.join(meta, on="_sub", how="left")
        cnt = pl.col("_sn").cast(pl.Float64)
        kk = pl.col("_sk")
        sok = (cnt > 0) & ((kk - cnt) <= pl.col("_smm"))
        sg = sg.with_columns(
            pl.when(sok)
            .then(_agg_total(pl.col("_ssum"), cnt, kk, pl.col("_smean"), pl.col("_sround")))
            .alias("_sv")
        )
        wide = sg.pivot(on="_sname", index="administration", values="_sv", aggregate_function=None)
        wide = wide.rename({c: f"subscale_{c}" for c in wide.columns if c != "administration"})
        res = res.join(wide, on="administration", how="left", maintain_order="left")
        for sid in sub_ids:
            if f"subscale_{sid}" not in res.columns:
                res = res.with_columns(pl.lit(None, dtype=pl.Float64).alias(f"subscale_{sid}"))

    # -- bands: last band whose lower bound is <= total ----------------------------------------
    band = pl.lit(None, dtype=pl.String)
    for iid, bands in t["bands"].items():
        for bmin, bid in bands:
            band = (
                pl.when((pl.col("instrument") == iid) & (pl.col("total") >= bmin))
                .then(pl.lit(bid))
                .otherwise(band)
            )
    res = res.with_columns(band.alias("band"))

    empty_list = pl.lit([], dtype=pl.List(pl.String))

    # -- missing scored items: decode the missing-bits of the administrations that have any ---
    miss_any = pl.lit(False)
    for blk in bitcols:
        miss_any = miss_any | (pl.col(f"_miss{blk}") != 0)
    short = res.filter(miss_any).select("administration", *[f"_miss{blk}" for blk in bitcols])
    if short.height:
        positions = pl.DataFrame(
            {
                "_blk": [q // BLOCK for q in range(stride)],
                "_mask": pl.Series([1 << (q % BLOCK) for q in range(stride)], dtype=pl.UInt64),
                "_item": [str(q + 1) for q in range(stride)],
                "_q": list(range(stride)),
            }
        )
        long = short.join(positions, how="cross")
        mcol = pl.lit(0, dtype=pl.UInt64)
        for blk in bitcols:
            mcol = pl.when(pl.col("_blk") == blk).then(pl.col(f"_miss{blk}")).otherwise(mcol)
        missing = (
            long.filter((mcol & pl.col("_mask")) != 0)
            .sort("administration", "_q")
            .group_by("administration", maintain_order=True)
            .agg(pl.col("_item").alias("missing_items"))
        )
        res = res.join(
            missing, on="administration", how="left", maintain_order="left"
        ).with_columns(pl.col("missing_items").fill_null(empty_list))
    else:
        res = res.with_columns(missing_items=empty_list)

    # -- critical items and signals (only rows of trigger items) ------------------------------
    if t["trig_tbl"].height:
        tr = (
            j.lazy()
            .filter(pl.col("_trig") & v.is_not_null())
            .select("administration", "_key", "value")
            .collect()
        )
        tr = tr.join(t["trig_tbl"], on="_key", how="inner")
        fire = pl.lit(False)
        for op, meth in _OPS.items():
            fire = fire | ((pl.col("_op") == op) & getattr(v, meth)(pl.col("_tval")))
        tr = tr.filter(fire).sort("administration", "_kind", "_tpos")
        fired = tr.group_by("administration").agg(
            pl.col("_tid")
            .filter(pl.col("_kind") == "critical")
            .unique(maintain_order=True)
            .alias("critical"),
            pl.col("_tid")
            .filter(pl.col("_kind") == "signal")
            .unique(maintain_order=True)
            .alias("signals"),
        )
        res = res.join(fired, on="administration", how="left", maintain_order="left")
        res = res.with_columns(
            pl.col("critical").fill_null(empty_list), pl.col("signals").fill_null(empty_list)
        )
    else:
        res = res.with_columns(critical=empty_list, signals=empty_list)

    # -- validity flags (list literals in a when-chain are far cheaper than concat_list) -------
    is_straight = (
        pl.col("_straight_i") & (pl.col("n_answered") >= 3) & (pl.col("_vmin") == pl.col("_vmax"))
        if straight
        else pl.lit(False)
    )
    validity = (
        pl.when(pl.col("prorated") & is_straight)
        .then(pl.lit(["prorated", "straightlining"]))
        .when(pl.col("prorated"))
        .then(pl.lit(["prorated"]))
        .when(~pl.col("scored") & is_straight)
        .then(pl.lit(["too_many_missing", "straightlining"]))
        .when(~pl.col("scored"))
        .then(pl.lit(["too_many_missing"]))
        .when(is_straight)
        .then(pl.lit(["straightlining"]))
        .otherwise(empty_list)
    )
    res = res.with_columns(validity.alias("validity"))

    out_cols = [
        "administration",
        "instrument",
        "total",
        "raw_total",
        "band",
        "scored",
        "prorated",
        "n_answered",
        "missing_items",
        "critical",
        "signals",
        "validity",
    ] + [f"subscale_{sid}" for sid in sub_ids]
    out = res.select(out_cols)
    return out.with_columns(pl.col("administration").cast(admin_dtype))


def _agg_total(s: pl.Expr, cnt: pl.Expr, kk: pl.Expr, is_mean: pl.Expr, rnd: pl.Expr) -> pl.Expr:
    """Sum (pro-rated to kk items, optionally rounded half up) or mean of ``cnt`` answers."""
    part = cnt < kk
    summed = pl.when(part).then(s * kk / cnt).otherwise(s)
    summed = pl.when(part & rnd).then((summed + 0.5).floor()).otherwise(summed)
    return pl.when(is_mean).then(s / cnt).otherwise(summed)


def scores_from_batch(
    result: pl.DataFrame, library: Mapping[str, Instrument] | None = None
) -> dict[Any, Score]:
    """Turn :func:`score_batch` output into ``{administration: Score}``."""
    lib = library if library is not None else load_library()
    out: dict[Any, Score] = {}
    for row in result.iter_rows(named=True):
        inst = lib[row["instrument"]]
        out[row["administration"]] = Score(
            instrument=row["instrument"],
            total=row["total"],
            raw_total=row["raw_total"],
            subscales={s.id: row.get(f"subscale_{s.id}") for s in inst.subscales},
            band=row["band"],
            missing_items=tuple(row["missing_items"]),
            scored=row["scored"],
            prorated=row["prorated"],
            n_answered=row["n_answered"],
            critical=tuple(row["critical"]),
            signals=tuple(row["signals"]),
            validity=tuple(row["validity"]),
        )
    return out
