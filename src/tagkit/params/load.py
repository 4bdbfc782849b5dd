"""Loading the params: every section's defaults from ``params/*.yaml``, a user's ``--params`` file merged on
top, and every problem (unknown keys, missing keys, wrong types) reported at once in one
:class:`~tagkit.errors.ParamsError`, in the words of a params file's reader.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from tagkit.errors import ParamsError
from tagkit.params.model import SECTIONS, Params

# the mappings whose keys are the user's, not a fixed schema: a params file extends them key by key,
# and a key given as null (``~``) removes the default entry (elsewhere null is a value, e.g. "find it")
OPEN_MAPPINGS = (("io", "aliases"), ("io", "aliases", "*"), ("validation", "max_null_rate"),
                 ("validation", "max_quarantine_share"), ("playbook", "actions"))


def _is_open(path: tuple[str, ...]) -> bool:
    return any(len(path) == len(m) and all(a == b or b == "*" for a, b in zip(path, m, strict=True))
               for m in OPEN_MAPPINGS)


def _deep_merge(base: dict[str, Any], top: dict[str, Any], path: tuple[str, ...] = ()) -> dict[str, Any]:
    """``top`` over ``base``, mapping by mapping: a user's file changes only the keys it names."""
    out = dict(base)
    for key, value in top.items():
        if value is None and _is_open(path):
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value, (*path, str(key)))
        else:
            out[key] = value
    return out


def with_changes(params: Params, changes: dict[str, Any], *, source: str = "changes") -> Params:
    """``params`` with ``changes`` merged in key by key, as a ``--params`` file would be, and checked like one."""
    return parse_params(_deep_merge(params.model_dump(mode="json"), changes), source=source)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ParamsError(f"{path}: params file not found. Check the path given to --params.") from exc
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML ({exc}). Fix the syntax at the line shown.") from exc
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: must be a mapping of sections ({', '.join(SECTIONS)}); got {type(data).__name__}.")
    return data


def load_params(params_dir: Path, override: Path | None = None) -> Params:
    """Load the defaults of every section from ``params_dir`` and merge ``override`` on top."""
    raw: dict[str, Any] = {}
    for section in SECTIONS:
        path = params_dir / f"{section}.yaml"
        if path.exists():
            raw[section] = _read_yaml(path)
    if override is not None:
        top = _read_yaml(override)
        unknown = sorted(set(top) - set(SECTIONS))
        if unknown:
            raise ParamsError(
                f"{override}: unknown section(s) {unknown}; the sections are {', '.join(SECTIONS)}. "
                "Check the spelling or nesting."
            )
        raw = _deep_merge(raw, top)
    return parse_params(raw, source=str(override or params_dir))


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The params model that holds the key at ``loc`` (a mapping's own keys are the user's: None)."""
    model: Any = Params
    for part in loc[:-1]:
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        annotation = fields[part].annotation
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unknown_key(loc: tuple) -> str:
    where = ".".join(str(p) for p in loc)
    model = _model_at(loc)
    known = list(model.model_fields) if model else []
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    keys = f"the keys here are {', '.join(known)}" if known and len(known) <= 12 else "see params/*.yaml for the keys"
    return f"unknown key '{where}': {hint}{keys}"


# pydantic's error types in the words of a params file's reader (never "instance of Band")
_PLAIN = {
    "float_parsing": "must be a number", "float_type": "must be a number",
    "int_parsing": "must be a whole number", "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false", "bool_type": "must be true or false",
    "string_type": "must be text", "list_type": "must be a list (one '- item' per line)",
    "dict_type": "must be a mapping (key: value lines indented under it)",
}


def _wrong_value(err: ErrorDetails) -> str:
    loc = tuple(err["loc"])
    where, got, kind, ctx = ".".join(str(p) for p in loc), err.get("input"), err["type"], err.get("ctx", {})
    if kind == "model_type":
        model = _model_at((*loc, "_"))
        fields = ", ".join(model.model_fields) if model else ""
        said = f"must be a mapping with the keys {fields}" if fields else "must be a mapping"
    elif kind == "literal_error":
        said = f"must be one of {ctx.get('expected')}"
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        said = {"greater_than_equal": "at least", "greater_than": "more than", "less_than_equal": "at most",
                "less_than": "less than"}[kind]
        said = f"must be {said} {bound}"
    elif kind == "value_error":
        said = str(ctx.get("error", err["msg"]))
    else:
        said = _PLAIN.get(kind, err["msg"].replace("Input should be", "must be").rstrip("."))
    return f"'{where}' {said}; got {got!r}"


def parse_params(raw: dict[str, Any], source: str = "params") -> Params:
    """Validate a params mapping, reporting every problem at once."""
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            if err["type"] == "extra_forbidden":
                problems.append(_unknown_key(tuple(err["loc"])))
            elif err["type"] == "missing":
                problems.append(f"missing key '{'.'.join(str(p) for p in err['loc'])}'")
            else:
                problems.append(_wrong_value(err))
        listed = "\n".join(f"  - {p}" for p in problems)
        raise ParamsError(f"{source}: {len(problems)} problem(s) in params:\n" + listed) from exc
