"""The command line: user errors give one clear paragraph and the documented exit code, never a traceback."""
from __future__ import annotations

import pytest

from tagkit.cli import main


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(["--quiet", *args])
    err = capsys.readouterr().err
    return code, err


def test_malformed_quarter_exits_2(capsys, tiny_data, tmp_path):
    code, err = _run(capsys, "run", "--data", str(tiny_data), "--quarter", "2026-3", "--out", str(tmp_path))
    assert code == 2
    assert "quarter '2026-3' must look like YYYYQn" in err
    assert "Traceback" not in err


def test_unknown_params_key_exits_2(capsys, tiny_data, tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("scoring:\n  risk_treshold: 50\n", encoding="utf-8")
    code, err = _run(capsys, "run", "--data", str(tiny_data), "--quarter", "2026Q3", "--out", str(tmp_path),
                     "--params", str(params))
    assert code == 2
    assert "unknown key 'scoring.risk_treshold'" in err


def test_wrong_type_in_params_exits_2(capsys, tiny_data, tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("scoring:\n  at_risk:\n    min_risk: {enter: high, exit: 38}\n", encoding="utf-8")
    code, err = _run(capsys, "run", "--data", str(tiny_data), "--quarter", "2026Q3", "--out", str(tmp_path),
                     "--params", str(params))
    assert code == 2
    assert "'scoring.at_risk.min_risk.enter'" in err and "'high'" in err


def test_missing_data_folder_exits_3(capsys, tmp_path):
    code, err = _run(capsys, "run", "--data", str(tmp_path / "nowhere"), "--quarter", "2026Q3", "--out",
                     str(tmp_path / "out"))
    assert code == 3
    assert "nowhere: data folder not found" in err


def test_unknown_step_exits_2(capsys, tiny_data, tmp_path):
    code, err = _run(capsys, "run", "--data", str(tiny_data), "--quarter", "2026Q3", "--out", str(tmp_path),
                     "--only", "validate,scores")
    assert code == 2
    assert "unknown step(s) ['scores']" in err


def test_argparse_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--quarter", "2026Q3"])
    assert info.value.code == 2


@pytest.mark.slow
def test_blocked_validation_exits_3_and_still_writes_the_report(capsys, tiny_copy, tmp_path):
    customers = tiny_copy / "customers.csv"
    lines = customers.read_text(encoding="utf-8").splitlines()
    customers.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")  # duplicate the first customer
    code, err = _run(capsys, "run", "--data", str(tiny_copy), "--quarter", "2026Q3", "--out", str(tmp_path))
    assert code == 3
    assert "customers.csv: column 'customer_id' must be unique" in err and "'C00001' in rows 1, 71" in err
    # a blocked run is not published: its validation report waits in the work folder the message names
    assert not (tmp_path / "2026Q3").exists()
    assert (tmp_path / "2026Q3.partial" / "validation.html").exists() and "2026Q3.partial/validation.html" in err
    assert not (tmp_path / "2026Q3.partial" / "scores.parquet").exists()


def test_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"tagkit {version('tagkit')}"


def test_every_option_says_its_default_and_run_help_ends_with_examples_and_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["sample-data", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for said in ("random seed", "(default: 7)", "customers to make (default: 2000)", "(default: 8)",
                 "(default: 2026Q3)"):
        assert said in text
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    assert "of: validate, score, report, index" in " ".join(text.split())
    examples, codes = text.index("examples:"), text.index("exit codes:")
    assert examples < codes and "tagkit run --data" in text[examples:codes]
    assert all(f"\n  {code} " in text[codes:] for code in ("0", "1", "2", "3", "4", "75", "130"))


def test_quiet_works_after_the_subcommand_too(tmp_path, capsys):
    assert main(["sample-data", "--out", str(tmp_path / "d"), "--customers", "60", "--quiet"]) == 0
    assert capsys.readouterr().err == ""  # no INFO lines: quiet
    assert main(["--quiet", "sample-data", "--out", str(tmp_path / "e"), "--customers", "60"]) == 0
    assert capsys.readouterr().err == ""
