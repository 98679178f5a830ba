"""herken for Python: screen intake observations for signs of human trafficking.

The output is a *screening signal* ("possible victim", "signals present"), never a
determination: formal identification is a legal or multidisciplinary decision.

This package runs herken's own Rust engine and batch pipeline in-process (no subprocess):

- :func:`load` opens a rule set (a bundled id, a folder, or a signed bundle under trusted keys);
- :meth:`RuleSet.screen` / :func:`screen` screen one case (a dict) and return the report, the
  same JSON as ``herken screen --format json``;
- :func:`batch` scores a pandas DataFrame, an iterable of dicts or a CSV/JSONL file and returns
  one row per input row, in order, errors as values, with the columns of ``herken batch``'s CSV
  (as a DataFrame, or an Arrow table);
- :func:`metrics` gives the figures of ``herken batch --summary``;
- :func:`run_batch` gives both from one run.

Errors are exceptions derived from :class:`HerkenError`, with ``code``, ``kind`` and where they
apply ``file``, ``line``, ``column``, ``row`` and ``field``; never an answer value.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional, Sequence, Union

from . import _herken
from ._herken import CaseError, HerkenError, InputError, RuleSetError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa

__all__ = [
    "DEFAULT_RULES",
    "BatchResult",
    "CaseError",
    "HerkenError",
    "HerkenWarning",
    "InputError",
    "RuleSet",
    "RuleSetError",
    "UsageError",
    "batch",
    "bundled",
    "load",
    "metrics",
    "read_csv",
    "run_batch",
    "screen",
]

__version__: str = _herken.version()

#: The rule set used when none is given (as the command line does).
DEFAULT_RULES = "ilo-2009-adult-labour"


class HerkenWarning(UserWarning):
    """A note herken gives about a run: a column not read, rows outside a set's population,
    a column that looks like a direct identifier. The command line writes these to stderr."""


Rules = Union[str, "os.PathLike[str]", "RuleSet", Sequence[Union[str, "os.PathLike[str]", "RuleSet"]]]


def bundled() -> list[str]:
    """Ids of the rule sets built into herken (``herken list``)."""
    return _herken.bundled()


class RuleSet:
    """A compiled rule set, loaded once and screened many times. Open it with :func:`load`."""

    def __init__(self, native: Any) -> None:
        self._native = native

    @property
    def id(self) -> str:
        """The rule set's id."""
        return self._native.id

    @property
    def version(self) -> str:
        """Its version (semver)."""
        return self._native.version

    @property
    def sha256(self) -> str:
        """SHA-256 of its content, as every report carries it."""
        return self._native.sha256

    @property
    def languages(self) -> list[str]:
        """The languages its texts are written in; the first is the fallback."""
        return self._native.languages

    @property
    def questions(self) -> list[str]:
        """Question ids, in order: the keys a case may have."""
        return self._native.questions

    @property
    def outcomes(self) -> list[str]:
        """Outcome ids, lowest level first."""
        return self._native.outcomes

    @property
    def spec(self) -> str:
        """How it was named: a bundled id, a folder or a bundle file."""
        return self._native.spec

    @property
    def trusted_keys(self) -> list[str]:
        """The trusted keys it was opened under."""
        return [os.fspath(k) for k in self._native.trusted_keys]

    @property
    def notes(self) -> list[str]:
        """Warnings from loading it (lints), one line each."""
        return self._native.notes

    def title(self, language: str = "en") -> str:
        """Its title in ``language`` (or its first language)."""
        return self._native.title(language)

    def screen(
        self,
        case: Mapping[str, Any],
        *,
        language: str = "nl",
        next_questions: bool = True,
    ) -> dict[str, Any]:
        """Screens one case: answers by question id (``True``/``False``/``None`` for yes/no/
        unknown, numbers, option ids). Returns the report, equal to what
        ``herken screen --format json --lang LANGUAGE`` gives for it.

        Raises :class:`CaseError` (with ``errors``, each with ``code`` and ``field``) when the
        case does not fit the questions, :class:`UsageError` for a language the set is not
        written in.
        """
        if not isinstance(case, Mapping):
            raise CaseError(
                f"a case is a mapping of answers by question id, not {type(case).__name__}"
            )
        text = json.dumps(_json_value(dict(case)), ensure_ascii=False, allow_nan=False)
        return json.loads(self._native.screen_json(text, language, next_questions))

    def __repr__(self) -> str:
        return f"<herken.RuleSet {self.id} {self.version} ({self.spec})>"


def load(spec: Union[str, "os.PathLike[str]"] = DEFAULT_RULES, *, trusted_keys: Iterable[Union[str, "os.PathLike[str]"]] = ()) -> RuleSet:
    """Opens a rule set as ``--rules`` does: an existing folder, a bundle file
    (``*.bundle.json``), else a bundled id. With ``trusted_keys`` (``.pub`` files from
    ``herken keygen``, or keys as 64 hex digits), only a bundle signed by one of them opens:
    folders, bundled ids and unsigned or otherwise signed bundles are refused (fail closed).

    Raises :class:`RuleSetError` with every diagnostic (``diagnostics``: code, file, line,
    column, message) when the set does not load, :class:`InputError` when nothing is found or
    a bundle is refused.
    """
    keys = [os.fspath(k) for k in trusted_keys]
    return RuleSet(_herken.RuleSet.open(os.fspath(spec), keys))


def screen(
    case: Mapping[str, Any],
    rules: Union[str, "os.PathLike[str]", RuleSet] = DEFAULT_RULES,
    *,
    language: str = "nl",
    next_questions: bool = True,
    trusted_keys: Iterable[Union[str, "os.PathLike[str]"]] = (),
) -> dict[str, Any]:
    """Screens one case against one rule set: :meth:`RuleSet.screen` after :func:`load`.
    To screen many cases, load the set once and call its ``screen``."""
    if not isinstance(rules, RuleSet):
        rules = load(rules, trusted_keys=trusted_keys)
    return rules.screen(case, language=language, next_questions=next_questions)


@dataclass
class BatchResult:
    """What one batch run gives: the rows, the summary and the notes."""

    #: One row per input row, in input order (see :func:`batch` for the columns).
    rows: "pd.DataFrame"
    #: The figures of ``herken batch --summary`` (outcomes, prevalence, validation metrics).
    summary: dict[str, Any]
    #: The notes the command line writes to stderr, one line each.
    notes: list[str] = field(default_factory=list)
    #: When rows failed: how many (each failed row is in ``rows`` with its ``errors``).
    failed: Optional[str] = None

    def to_arrow(self) -> "pa.Table":
        """The rows as an Arrow table (needs pyarrow)."""
        return _to_arrow(self.rows)


def run_batch(
    data: Any,
    rules: Optional[Rules] = None,
    *,
    map: Union[str, "os.PathLike[str]", None] = None,
    id_column: Optional[str] = None,
    label: Optional[str] = None,
    threshold: Optional[str] = None,
    threads: Optional[int] = None,
    include_input: bool = False,
    check_identifiers: bool = False,
    input_format: Optional[str] = None,
    trusted_keys: Iterable[Union[str, "os.PathLike[str]"]] = (),
    _stacklevel: int = 2,
    **options: Any,
) -> BatchResult:
    """Scores many cases with ``herken batch`` (in-process) and returns its rows and summary.

    ``data`` is a pandas DataFrame (read as a CSV table: one column per question or mapped
    column), an iterable of dicts (read as JSONL records), or the path of a CSV or JSONL file
    (gzip or not). The keyword options are ``herken batch``'s: ``map`` (a mapping file or a
    bundled mapping such as ``"ctdc"``), ``id_column``, ``label`` (a 1/0 reference column for
    validation metrics), ``threshold``, ``threads``, ``include_input``, ``check_identifiers``,
    ``input_format`` (``"csv"``/``"jsonl"``, files only), ``trusted_keys``. Without ``rules``,
    the command line's default applies: the sets a routing mapping names, else
    ``ilo-2009-adult-labour``. Any other keyword
    is passed on as ``--option value`` (``by=["gender"]`` → ``--by gender``), so options the
    command line gains are available here too. The GIL is released while rows are scored.

    Notes (columns not read, identifier warnings) are issued as :class:`HerkenWarning`.
    Raises :class:`UsageError` / :class:`InputError` for what stops the command line (exit code
    2); when it stopped after some rows (input that cannot be read further, invalid labels), the
    error's ``rows`` holds the rows scored before it (a DataFrame) and ``row`` the row where it
    stopped. Rows that fail are not exceptions: they are rows with ``errors``.
    """
    for reserved in ("output", "format", "summary"):
        if reserved in options:
            raise UsageError(
                f"`{reserved}` is not an option here: the rows and the summary come back as values"
            )
    argv: list[str] = []
    keys = [os.fspath(k) for k in trusted_keys]
    if rules is not None:
        for spec in _rule_specs(rules):
            argv.append(f"--rules={spec}")
        for spec_keys in _rule_keys(rules):
            keys.extend(k for k in spec_keys if k not in keys)
    named: dict[str, Any] = {
        "map": map,
        "id_column": id_column,
        "label": label,
        "threshold": threshold,
        "threads": threads,
        "include_input": include_input,
        "check_identifiers": check_identifiers,
        "trusted_key": keys,
    }
    named.update(options)
    for key, value in named.items():
        argv.extend(_flag(key, value))

    payload: Optional[bytes] = None
    name: Optional[str] = None
    jsonl = False
    if isinstance(data, (str, os.PathLike)):
        if input_format is not None:
            argv.append(f"--input-format={input_format}")
        path = os.fspath(data)
    else:
        if input_format is not None:
            raise UsageError("`input_format` is for files; a DataFrame or records say their own")
        if _is_dataframe(data):
            payload, name = _frame_to_csv(data).encode("utf-8"), "<DataFrame>"
        elif isinstance(data, (bytes, bytearray, Mapping)):
            raise UsageError(
                "`data` is a DataFrame, an iterable of dicts, or the path of a CSV or JSONL file"
            )
        else:
            payload, name, jsonl = _records_to_jsonl(data).encode("utf-8"), "<records>", True
        path = name
    argv.extend(["--format=csv", "--", path])

    try:
        text, summary, notes, failed = _herken.run_batch(argv, payload, name, jsonl)
    except HerkenError as e:
        # Rows scored before the run stopped come with the error, as a DataFrame.
        rows = getattr(e, "rows", None)
        if isinstance(rows, str):
            e.rows = _csv_to_frame(rows) if rows else None
        raise
    for note in notes:
        warnings.warn(note.removeprefix("herken: "), HerkenWarning, stacklevel=_stacklevel)
    return BatchResult(
        rows=_csv_to_frame(text),
        summary=json.loads(summary),
        notes=notes,
        failed=failed,
    )


def batch(data: Any, rules: Optional[Rules] = None, *, to: str = "pandas", **options: Any) -> Any:
    """Scores many cases: :func:`run_batch`'s rows. ``to="pandas"`` (a DataFrame) or
    ``to="arrow"`` (a ``pyarrow.Table``).

    One row per input row, in input order, with the columns of ``herken batch``'s CSV: ``row``
    (int64), ``id`` (string), ``label`` (boolean, with ``label=``), then per rule set (prefixed ``<set id>.`` when there are several)
    ``outcome`` (string), ``level`` (Int64), ``decided_by`` (string), ``may_rise`` (boolean),
    ``if_unknown_absent``, ``if_unknown_present`` (strings: the outcome with every unknown
    indicator absent, and present), ``present``, ``unknown``, ``positive_dimensions`` (strings of ``;``-separated ids), and
    with ``wide=True`` ``indicator.<id>`` (string: the indicator's state), then ``errors``
    (string, ``""`` when none; ``code: `field`: message`` joined by `` | ``); with
    ``include_input=True`` also ``input.<column>`` (strings). A set that could not score a row
    has missing values (``<NA>``) in its columns for that row; the types never change.
    """
    result = run_batch(data, rules, _stacklevel=3, **options)
    if to == "pandas":
        return result.rows
    if to == "arrow":
        return result.to_arrow()
    raise UsageError(f"`to` is `pandas` or `arrow`, not `{to}`")


def metrics(data: Any, rules: Optional[Rules] = None, **options: Any) -> dict[str, Any]:
    """The figures of ``herken batch --summary`` for ``data``: rows, failed rows, per rule set
    the outcome distribution, indicator prevalence, dimensions and, with ``label=``, sensitivity,
    specificity, PPV, NPV and Youden's J with 95% intervals. Options as :func:`run_batch`."""
    return run_batch(data, rules, _stacklevel=3, **options).summary


def read_csv(source: Any) -> "pd.DataFrame":
    """Reads a CSV that ``herken batch`` wrote into the DataFrame :func:`batch` returns for the
    same run (same columns, same types; ids stay text)."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, encoding="utf-8", newline="") as f:
            return _csv_to_frame(f.read())
    return _csv_to_frame(source.read())


# ---------------------------------------------------------------------------------------------


def _rule_items(rules: Rules) -> list[Any]:
    if isinstance(rules, (str, os.PathLike, RuleSet)):
        return [rules]
    return list(rules)


def _rule_specs(rules: Rules) -> list[str]:
    return [r.spec if isinstance(r, RuleSet) else os.fspath(r) for r in _rule_items(rules)]


def _rule_keys(rules: Rules) -> list[list[str]]:
    return [r.trusted_keys for r in _rule_items(rules) if isinstance(r, RuleSet)]


def _flag(key: str, value: Any) -> list[str]:
    """A keyword option as command-line arguments (`--key=value`, so values may start with -)."""
    name = "--" + key.replace("_", "-")
    if value is None or value is False:
        return []
    if value is True:
        return [name]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _flag(key, v)]
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    return [f"{name}={value}"]


def _is_dataframe(data: Any) -> bool:
    try:
        import pandas as pd
    except ImportError:
        return False
    return isinstance(data, pd.DataFrame)


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    try:
        import pandas as pd
    except ImportError:
        return False
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _cell(v: Any) -> str:
    """A DataFrame value as the CSV cell a researcher's file would hold."""
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple, set, frozenset)):
        return ";".join(_cell(x) for x in v)
    if _is_missing(v):
        return ""
    if hasattr(v, "item") and not isinstance(v, (bool, int, float)):
        v = v.item()  # a numpy scalar
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 2.0**53 else repr(v)
    return str(v)


def _column_cells(column: "pd.Series") -> Any:
    """A column's values as :func:`_cell` writes them, vectorised for the common dtypes."""
    import numpy as np
    import pandas as pd

    dtype = column.dtype
    missing = column.isna().to_numpy()
    if pd.api.types.is_bool_dtype(dtype):
        cells = np.where(column.fillna(False).to_numpy(dtype=bool), "true", "false").astype(object)
    elif isinstance(dtype, pd.StringDtype):
        cells = column.to_numpy(dtype=object, na_value="")
    elif pd.api.types.is_integer_dtype(dtype):
        cells = column.astype("string").fillna("").to_numpy(dtype=object)
    elif pd.api.types.is_float_dtype(dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        whole = ~missing & (np.abs(values) < 2.0**53)
        whole[whole] = values[whole] == np.floor(values[whole])
        cells = np.empty(len(values), dtype=object)
        fraction = ~whole & ~missing
        cells[fraction] = [repr(float(v)) for v in values[fraction]]
        cells[whole] = values[whole].astype(np.int64).astype(str)
    else:
        return [_cell(v) for v in column.tolist()]
    cells[missing] = ""
    return cells


def _frame_to_csv(frame: "pd.DataFrame") -> str:
    import pandas as pd

    columns = {i: _column_cells(frame.iloc[:, i]) for i in range(frame.shape[1])}
    cells = pd.DataFrame(columns, index=range(len(frame)), dtype=object)
    cells.columns = [str(c) for c in frame.columns]
    return cells.to_csv(index=False, lineterminator="\n")


def _json_value(v: Any) -> Any:
    """A value as JSON can hold it: numpy scalars as numbers, NaN and NA as null."""
    if isinstance(v, dict):
        return {str(k): _json_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [_json_value(x) for x in v]
    if isinstance(v, (str, bool, int)) or v is None:
        return v
    if _is_missing(v):
        return None
    if hasattr(v, "item"):
        return _json_value(v.item())
    return v


def _records_to_jsonl(records: Iterable[Any]) -> str:
    lines = []
    for i, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            raise InputError(
                f"record {i} is {type(record).__name__}, not a dict of answers"
            )
        lines.append(json.dumps(_json_value(dict(record)), ensure_ascii=False, allow_nan=False))
    return "".join(line + "\n" for line in lines)


_SET_FIELDS = tuple(_herken.SET_FIELDS)


def _field_of(column: str) -> tuple[Optional[str], str]:
    """The per-set field a result column holds and the set's prefix: (`level`, `s.`) for
    `s.level`, (`indicator`, ``) for `--wide`'s `indicator.<id>`; (None, ``) for the others."""
    if column.startswith("input.") or column in ("row", "id", "label", "errors", "input"):
        return None, ""
    if column.startswith("indicator."):
        return "indicator", ""
    if ".indicator." in column:
        return "indicator", column[: column.index(".indicator.") + 1]
    prefix, _, last = column.rpartition(".")
    if last in _SET_FIELDS:
        return last, prefix + "." if prefix else ""
    return None, ""


def _csv_to_frame(text: str) -> "pd.DataFrame":
    try:
        import numpy as np
        import pandas as pd
    except ImportError as e:  # pragma: no cover
        raise ImportError("herken.batch returns a pandas DataFrame: pip install pandas") from e
    # Every cell as the text it is (pandas' C reader; no guessing of types or missing values),
    # then each column typed by what it holds.
    raw = pd.read_csv(
        io.StringIO(text), header=None, dtype=str, keep_default_na=False, na_filter=False
    )
    if raw.empty:
        raise HerkenError("internal error: the batch wrote no header")
    header = [str(c) for c in raw.iloc[0].tolist()]
    body = raw.iloc[1:].reset_index(drop=True)
    text_of = {i: body.iloc[:, i].to_numpy(dtype=object) for i in range(len(header))}
    # A set's columns are missing where it did not score the row (its `outcome` is empty).
    scored: dict[str, Any] = {}
    for i, column in enumerate(header):
        kind, prefix = _field_of(column)
        if kind == "outcome":
            scored[prefix] = text_of[i] != ""
    data: dict[int, Any] = {}
    for i, column in enumerate(header):
        values = text_of[i]
        kind, prefix = _field_of(column)
        if column == "row":
            data[i] = pd.array(values.astype(np.int64), dtype="int64")
            continue
        if column == "label":
            typed = pd.array(values == "true", dtype="boolean")
            typed[values == ""] = pd.NA
            data[i] = typed
            continue
        if kind is None:
            typed = pd.array(values, dtype="string")
            if column == "id":
                typed[values == ""] = pd.NA
            data[i] = typed
            continue
        ok = scored.get(prefix, np.ones(len(values), dtype=bool))
        if kind == "level":
            typed = pd.array(np.where(ok, values, "0").astype(np.int64), dtype="Int64")
        elif kind == "may_rise":
            typed = pd.array(values == "true", dtype="boolean")
        else:
            typed = pd.array(values, dtype="string")
        typed[~ok] = pd.NA
        data[i] = typed
    frame = pd.DataFrame(data)
    frame.columns = header
    return frame


def _to_arrow(frame: "pd.DataFrame") -> "pa.Table":
    try:
        import pyarrow as pa
    except ImportError as e:
        raise ImportError("an Arrow table needs pyarrow: pip install pyarrow") from e
    return pa.Table.from_pandas(frame, preserve_index=False)
