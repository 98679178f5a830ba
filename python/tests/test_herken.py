"""The Python package against the command line of the same build: `screen` and `batch` must give
what `herken screen --format json` and `herken batch` give on the same input; errors are
exceptions with a code and a place, never an answer value."""

import csv
import gzip
import io
import json
import shutil
import threading
import time
import warnings

import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

import herken

SETS = ["ilo-2009-adult-labour", "nl-geringste-aanwijzing"]


def cells(frame: pd.DataFrame) -> list[list[str]]:
    """A result frame back as the CSV cells `herken batch` writes."""

    def cell(v):
        if v is None or v is pd.NA:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    rows = [list(map(str, frame.columns))]
    rows += [[cell(v) for v in row] for row in frame.astype(object).itertuples(index=False)]
    return rows


def cli_batch(run_cli, tmp_path, *args):
    out, summary = tmp_path / "out.csv", tmp_path / "summary.json"
    code, _, err = run_cli("batch", *args, "-o", str(out), "--summary", str(summary))
    return code, out, json.loads(summary.read_text()), err


# --- screen -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rules", ["ilo-2009-adult-labour", "ilo-2009-child-sexual", "nl-arbeidsuitbuiting"])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_screen_equals_the_cli_report(rules, language, cases, run_cli, tmp_path):
    rule_set = herken.load(rules)
    records = [json.loads(line) for line in cases["jsonl"].read_text().splitlines()][:12]
    for i, record in enumerate(records):
        case = {k: v for k, v in record.items() if k in rule_set.questions}
        path = tmp_path / f"case{i}.json"
        path.write_text(json.dumps(case))
        code, out, err = run_cli("screen", str(path), "-r", rules, "--format", "json", "--lang", language)
        assert code == 0, err
        assert rule_set.screen(case, language=language) == json.loads(out)[0]
    assert herken.screen(case, rules, language=language) == json.loads(out)[0]


def test_screen_reads_python_values_as_json_would():
    rule_set = herken.load()
    q = rule_set.questions[0]
    import numpy as np

    plain = rule_set.screen({q: True})
    assert rule_set.screen({q: np.bool_(True)}) == plain
    assert rule_set.screen({q: None}) == rule_set.screen({})
    assert rule_set.screen({q: float("nan")}) == rule_set.screen({})
    assert plain["ruleset"]["id"] == "ilo-2009-adult-labour"
    assert plain["outcome"]["level"] >= 1


def test_a_bad_case_is_an_exception_by_field_without_the_answer():
    rule_set = herken.load()
    q = rule_set.questions[0]
    with pytest.raises(herken.CaseError) as caught:
        rule_set.screen({q: "SECRET-ANSWER-42", "no_such_question": 1})
    e = caught.value
    assert isinstance(e, herken.InputError) and isinstance(e, herken.HerkenError)
    assert "SECRET-ANSWER-42" not in str(e)
    assert "SECRET-ANSWER-42" not in repr(e.errors)
    fields = {x["field"] for x in e.errors}
    assert fields == {q, "no_such_question"}
    assert e.code in {x["code"] for x in e.errors} and e.field in fields
    with pytest.raises(herken.UsageError):
        rule_set.screen({}, language="xx")


# --- rule sets ----------------------------------------------------------------------------------


def test_a_broken_rule_set_names_file_line_and_column(tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(herken_rules() / "ilo-2009-adult-labour", folder)
    manifest = folder / "ruleset.yaml"
    lines = manifest.read_text().splitlines()
    at = next(i for i, l in enumerate(lines) if l.startswith("indicators:"))
    lines.insert(at + 1, "  - {id: broken, dimension: nope, strength: weak, label: {en: B, nl: B}, when: obs.x}")
    manifest.write_text("\n".join(lines) + "\n")
    with pytest.raises(herken.RuleSetError) as caught:
        herken.load(folder)
    e = caught.value
    assert e.diagnostics, e
    first = e.diagnostics[0]
    assert first["file"].endswith("ruleset.yaml") and first["line"] == at + 2
    assert (e.file, e.line, e.column, e.code) == (first["file"], first["line"], first["column"], first["code"])
    assert f"ruleset.yaml:{at + 2}:" in str(e)


def test_bundles_open_only_under_a_trusted_key(tmp_path, run_cli):
    key, other = tmp_path / "key", tmp_path / "other"
    for k in (key, other):
        code, _, err = run_cli("keygen", "-o", str(k))
        assert code == 0, err
    bundle = tmp_path / "set.bundle.json"
    code, _, err = run_cli("bundle", "ilo-2009-adult-labour", "--sign-key", str(key), "-o", str(bundle))
    assert code == 0, err
    opened = herken.load(bundle, trusted_keys=[f"{key}.pub"])
    assert opened.id == "ilo-2009-adult-labour"
    assert opened.sha256 == herken.load().sha256
    with pytest.raises(herken.InputError) as caught:
        herken.load(bundle, trusted_keys=[f"{other}.pub"])
    assert caught.value.code and caught.value.code.startswith("bundle::")
    with pytest.raises(herken.HerkenError):
        herken.load("ilo-2009-adult-labour", trusted_keys=[f"{key}.pub"])
    # A batch over the bundle, under the key it was opened with.
    rows = herken.batch([{"id": 1, "deceived_about_job": "no"}], opened, id_column="id")
    assert rows["outcome"].tolist() == ["no_signals"]


# --- batch --------------------------------------------------------------------------------------


def test_batch_of_a_file_equals_the_cli(cases, run_cli, tmp_path):
    # The JSONL run also passes the analyses' options through as keywords.
    for fmt, wide in (("csv", False), ("jsonl", True)):
        args = [str(cases[fmt]), "-r", ",".join(SETS), "--id-column", "id", "--label", "label"]
        more = ["--wide", "--by", "under_18", "--compare"] if wide else []
        code, out, summary, err = cli_batch(run_cli, tmp_path, *args, *more)
        assert code == 0, err
        options = {"wide": True, "by": ["under_18"], "compare": True} if wide else {}
        result = herken.run_batch(cases[fmt], SETS, id_column="id", label="label", **options)
        assert ("subgroups" in result.summary and result.summary["subgroups"] is not None) == wide
        assert str(result.rows["label"].dtype) == "boolean"
        assert any(".indicator." in c for c in result.rows.columns) == wide
        expected = list(csv.reader(io.StringIO(out.read_text(), newline="")))
        assert cells(result.rows) == expected
        assert_frame_equal(result.rows, herken.read_csv(out))
        assert result.summary == summary
        assert herken.metrics(cases[fmt], SETS, id_column="id", label="label", **options) == summary
        assert len(result.rows) == 300 and result.rows["row"].tolist() == list(range(1, 301))


def test_batch_of_a_dataframe_and_of_records_equals_the_cli(cases, run_cli, tmp_path):
    code, out, summary, err = cli_batch(
        run_cli, tmp_path, str(cases["csv"]), "-r", ",".join(SETS), "--id-column", "id", "--label", "label"
    )
    assert code == 0, err
    frame = pd.read_csv(cases["csv"])  # as a researcher reads it: 1/0/-99 as numbers, blanks as NaN
    from_frame = herken.run_batch(frame, SETS, id_column="id", label="label")
    assert_frame_equal(from_frame.rows, herken.read_csv(out))
    assert {**from_frame.summary, "input": None} == {**summary, "input": None}

    code, out, summary, err = cli_batch(
        run_cli, tmp_path, str(cases["jsonl"]), "-r", ",".join(SETS), "--id-column", "id", "--label", "label"
    )
    assert code == 0, err
    records = (json.loads(line) for line in cases["jsonl"].read_text().splitlines())
    from_records = herken.run_batch(records, SETS, id_column="id", label="label")
    assert_frame_equal(from_records.rows, herken.read_csv(out))
    assert {**from_records.summary, "input": None} == {**summary, "input": None}


def test_batch_with_a_mapping_equals_the_cli(cases, run_cli, tmp_path):
    code, out, summary, err = cli_batch(run_cli, tmp_path, str(cases["ctdc"]), "--map", "ctdc", "--label", "label")
    assert code == 0, err
    result = herken.run_batch(cases["ctdc"], map="ctdc", label="label")
    assert cells(result.rows) == list(csv.reader(io.StringIO(out.read_text(), newline="")))
    assert result.summary == summary


def test_failed_rows_are_values_in_order_with_stable_types(run_cli, tmp_path):
    rule_set = herken.load()
    q = rule_set.questions[0]
    records = [{"id": "a", q: True}, {"id": "b", q: "SECRET-7"}, {"id": "c"}, {"id": "d", q: False}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = herken.run_batch(records, id_column="id")
    rows = result.rows
    assert rows["id"].tolist() == ["a", "b", "c", "d"]
    assert result.failed and result.summary["failed_rows"] == 1
    assert str(rows["level"].dtype) == "Int64" and str(rows["may_rise"].dtype) == "boolean"
    assert rows["level"].isna().tolist() == [False, True, False, False]
    assert rows["errors"][1].startswith("batch::wrong-type") and "SECRET-7" not in rows["errors"][1]
    assert rows["errors"][0] == ""
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    code, out, _ = run_cli("batch", str(path), "--id-column", "id")
    assert code == 1
    assert cells(rows) == list(csv.reader(io.StringIO(out, newline="")))


def test_dataframe_cells_are_written_as_a_researchers_file_holds_them():
    import numpy as np

    frame = pd.DataFrame(
        {
            "flag": [True, False, True],
            "maybe": pd.array([True, None, False], dtype="boolean"),
            "count": pd.array([1, None, -99], dtype="Int64"),
            "plain": np.array([0, 1, 2], dtype=np.int64),
            "read": [1.0, float("nan"), 0.0],
            "hours": [12.5, 1e20, float("nan")],
            "mixed": ["a,b", None, ["p", "q"]],
            "text": pd.array(["x", None, 'say "hi"'], dtype="string"),
        }
    )
    rows = list(csv.reader(io.StringIO(herken._frame_to_csv(frame), newline="")))
    assert rows[0] == list(frame.columns)
    assert rows[1:] == [
        ["true", "true", "1", "0", "1", "12.5", "a,b", "x"],
        ["false", "", "", "1", "", "1e+20", "", ""],
        ["true", "false", "-99", "2", "0", "", "p;q", 'say "hi"'],
    ]
    assert rows[1:] == [[herken._cell(v) for v in row] for row in frame.astype(object).itertuples(index=False)]


def test_arrow_tables_have_the_frame_types(cases):
    table = herken.batch(cases["csv"], SETS, id_column="id", to="arrow")
    assert isinstance(table, pa.Table) and table.num_rows == 300
    assert table.schema.field("row").type == pa.int64()
    assert table.schema.field(f"{SETS[0]}.level").type == pa.int64()
    assert table.schema.field(f"{SETS[0]}.may_rise").type == pa.bool_()


def test_options_are_the_command_lines(cases):
    with pytest.raises(herken.UsageError) as caught:
        herken.batch(cases["csv"], no_such_option=1)
    assert "--no-such-option" in str(caught.value)
    with pytest.raises(herken.UsageError) as caught:
        herken.batch(cases["csv"], label="not_a_column")
    assert "not_a_column" in str(caught.value)
    with pytest.raises(herken.UsageError):
        herken.batch(cases["csv"], output="x.csv")
    with pytest.raises(herken.InputError):
        herken.batch(cases["csv"].parent / "missing.csv")


def test_a_batch_stopped_by_unreadable_input_keeps_its_rows(cases, tmp_path):
    data = gzip.compress(cases["csv"].read_bytes())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(herken.InputError) as caught:
        herken.batch(path, "ilo-2009-adult-labour")
    e = caught.value
    assert e.kind == "input" and e.file == str(path)
    assert "standard output" not in str(e) and "the error's `rows`" in str(e)
    assert isinstance(e.rows, pd.DataFrame) and len(e.rows) > 0
    assert e.rows["row"].tolist() == list(range(1, len(e.rows) + 1))
    assert e.row == len(e.rows) + 1


def test_notes_are_warnings(cases):
    with pytest.warns(herken.HerkenWarning, match="not read"):
        herken.batch([{"not_a_question": 1, "deceived_about_job": "yes"}])


def test_the_gil_is_released_while_rows_are_scored(cases):
    records = [json.loads(line) for line in cases["jsonl"].read_text().splitlines()] * 3
    payload = herken._herken  # the run itself, without the Python-side conversion
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    ticks, done = [0], threading.Event()

    def count():
        while not done.is_set():
            ticks[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    try:
        before = ticks[0]
        started = time.perf_counter()
        payload.run_batch(["--rules=" + ",".join(SETS), "--threads=1", "--", "<records>"], data, "<records>", True)
        took = time.perf_counter() - started
        during = ticks[0] - before
    finally:
        done.set()
        counter.join()
    # Holding the GIL, the counter would get at most a few switch intervals (5 ms each).
    assert took > 0.05, "the batch was too short to tell"
    print("ticks during the batch:", during, "seconds:", round(took, 3))
    assert during > 1000, (during, took)


def test_ctrl_c_stops_a_batch_after_its_last_whole_chunk(cases):
    import _thread

    records = [json.loads(line) for line in cases["jsonl"].read_text().splitlines()] * 20
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    argv = ["--rules=" + ",".join(SETS), "--threads=1", "--", "<records>"]
    timer = threading.Timer(0.3, _thread.interrupt_main)
    started = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            herken._herken.run_batch(argv, data, "<records>", True)
    finally:
        timer.cancel()
    # 6,000 rows take seconds in a debug build; a stop comes within a chunk or two.
    assert time.perf_counter() - started < 3


def herken_rules():
    from conftest import ROOT

    return ROOT / "rules"
