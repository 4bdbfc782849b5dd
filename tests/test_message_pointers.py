"""Every file, flag and params key that a message names exists: a pointer that leads nowhere wastes the
reader's time exactly when something has gone wrong (messages once named DATA_CONTRACT.md, STYLE.md and
a --params-dir flag, none of which a user has)."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from tagkit.cli import _build_parser
from tagkit.params import Params

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "tagkit"

FILE = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w-]+\.md)\b")
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z-]+)")
KEY = re.compile(r"(?<![\w.])((?:io|validation|scoring|backtest|report|reasons|prescription|playbook)(?:\.[a-z_]+)+)\b")


def _messages() -> list[tuple[str, str]]:
    """(where, text) of every string literal in tagkit's code that is not a docstring, and of every
    notebook's code cells: what a user can see."""
    out = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                out.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.value))
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            out.append((str(notebook.relative_to(ROOT)), "".join(cell["source"])))
    parser = _build_parser()
    out.append(("tagkit --help", parser.format_help()))
    for action in parser._subparsers._group_actions:  # noqa: SLF001 - the subcommands' help texts
        for name, sub in action.choices.items():
            out.append((f"tagkit {name} --help", sub.format_help()))
    return out


def _flags() -> set[str]:
    parser = _build_parser()
    flags = {o for a in parser._actions for o in a.option_strings}  # noqa: SLF001
    for action in parser._subparsers._group_actions:  # noqa: SLF001
        for sub in action.choices.values():
            flags |= {o for a in sub._actions for o in a.option_strings}  # noqa: SLF001
    from tagkit.nbclean import build_parser as nbclean

    flags |= {o for a in nbclean()._actions for o in a.option_strings}  # noqa: SLF001 - python -m tagkit.nbclean
    from tagkit.panel.spark_job import build_parser as spark_job

    flags |= {o for a in spark_job()._actions for o in a.option_strings}  # noqa: SLF001 - the spark-submit job
    # flags of the other commands a message names: papermill's, and `python -m tagkit.validation write-suites`
    return flags | {"--log-output", "--dir"}


FILE_TYPES = {"json", "parquet", "yaml", "html", "css", "js", "md", "csv", "xlsx", "log", "lock", "j2", "assets"}


def _is_file_name(dotted: str) -> bool:
    """``backtest.json``, ``report.css``, ``tagkit.report.assets``: a file or module, not a params key."""
    return dotted.rsplit(".", 1)[-1] in FILE_TYPES


def _key_exists(dotted: str) -> bool:
    model: object = Params
    for part in dotted.split("."):
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return False
        annotation = fields[part].annotation
        model = annotation if isinstance(annotation, type) else None
        if model is None:  # a mapping or a plain value: what follows is the user's own key
            return True
    return True


MESSAGES = _messages()


@pytest.mark.parametrize("kind", ["file", "flag", "key"])
def test_every_pointer_in_a_message_exists(kind):
    broken = []
    flags = _flags()
    for where, text in MESSAGES:
        if kind == "file":
            broken += [(where, f) for f in FILE.findall(text) if not (ROOT / f).exists()]
        elif kind == "flag":
            broken += [(where, f) for f in FLAG.findall(text) if f not in flags]
        else:
            broken += [(where, k) for k in KEY.findall(text) if not _is_file_name(k) and not _key_exists(k)]
    assert not broken, broken


def test_the_pointer_collector_finds_pointers():
    """The test above would pass on nothing: make sure it reads what it should."""
    texts = " ".join(t for _, t in MESSAGES)
    assert "docs/data.md" in FILE.findall(texts)
    assert "--quarter" in FLAG.findall(texts)
    assert "io.aliases" in KEY.findall(texts)
