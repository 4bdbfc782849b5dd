"""The committed notebooks keep exactly the outputs nbval compares, and nothing else.

A cell whose source holds ``# NBVAL_CHECK_OUTPUT`` prints a deterministic figure (row accounting,
tag counts, the back-test's precision): its text output is committed, and ``pytest --nbval-lax``
(``make test``) fails when a run with the notebook's default parameters prints something else.
Every other cell's outputs, execution counts and per-cell metadata are stripped, as are the
notebook-level metadata a kernel or JupyterLab adds (versions, widgets). ``make test`` cleans the
notebooks first, so a notebook run and saved in JupyterLab does not break it.

    python -m tagkit.nbclean notebooks/*.ipynb            # clean in place (make test does this)
    python -m tagkit.nbclean --check notebooks/*.ipynb    # exit 1 if any is not clean
    python -m tagkit.nbclean --refresh notebooks/*.ipynb  # run each with its defaults, keep the checked outputs
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

MARK = "NBVAL_CHECK_OUTPUT"
KEPT_CELL_METADATA = ("tags",)


def _checked(cell: dict[str, Any]) -> bool:
    return cell.get("cell_type") == "code" and MARK in "".join(cell.get("source", []))


def _text_only(outputs: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """What nbval compares of a checked cell: its printed text and plain-text result."""
    kept = []
    for out in outputs:
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            kept.append({"name": "stdout", "output_type": "stream", "text": out["text"]})
        elif out.get("output_type") == "execute_result" and "text/plain" in out.get("data", {}):
            kept.append({"data": {"text/plain": out["data"]["text/plain"]}, "execution_count": count,
                         "metadata": {}, "output_type": "execute_result"})
    return kept


def clean(notebook: dict[str, Any]) -> dict[str, Any]:
    """``notebook`` as it is committed (a copy; the argument is left as it is)."""
    nb = copy.deepcopy(notebook)
    code = 0
    for cell in nb["cells"]:
        cell["metadata"] = {k: v for k, v in cell.get("metadata", {}).items() if k in KEPT_CELL_METADATA}
        if cell["cell_type"] != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            continue
        code += 1
        # nbval takes a cell without a count for one never run, and refuses its outputs: a checked cell
        # carries the count a run from the top gives it
        cell["execution_count"] = code if _checked(cell) else None
        cell["outputs"] = _text_only(cell.get("outputs", []), code) if _checked(cell) else []
    meta = nb.get("metadata", {})
    nb["metadata"] = {"kernelspec": meta.get("kernelspec", {}), "language_info": {"name": "python"}}
    return nb


def _dump(notebook: dict[str, Any]) -> str:
    return json.dumps(notebook, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _refresh(path: Path) -> dict[str, Any]:
    """``path`` run with its default parameters (papermill, the tagkit kernel), then cleaned."""
    import papermill

    with tempfile.TemporaryDirectory(prefix="tagkit-nbclean-") as tmp:
        executed = Path(tmp) / path.name
        papermill.execute_notebook(str(path), str(executed), kernel_name="tagkit", cwd=str(path.parent),
                                   progress_bar=False)
        ran = json.loads(executed.read_text(encoding="utf-8"))
    committed = json.loads(path.read_text(encoding="utf-8"))
    # papermill adds an injected-parameters cell only when given parameters; none here, so cells line up
    by_source = {"".join(c["source"]): c.get("outputs", []) for c in ran["cells"] if c["cell_type"] == "code"}
    for cell in committed["cells"]:
        if _checked(cell):
            cell["outputs"] = by_source.get("".join(cell["source"]), [])
    return clean(committed)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tagkit.nbclean", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook is not clean")
    how.add_argument("--refresh", action="store_true", help="run each notebook with its defaults first")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    dirty = []
    for path in args.notebooks:
        text = path.read_text(encoding="utf-8")
        new = _dump(_refresh(path) if args.refresh else clean(json.loads(text)))
        if new != text:
            dirty.append(path)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    for path in dirty:
        print(f"{path}: {'not clean' if args.check else 'cleaned'}", file=sys.stderr)
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
