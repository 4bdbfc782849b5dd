"""Reading the input data folder (see DATA_CONTRACT.md): discovery, encodings, readers, coercion.

The entry point is :func:`load_dataset`; it returns a :class:`Dataset` of lazy,
contract-typed frames, or raises :class:`~tagkit.errors.ValidationBlocked`
listing every problem that stops the run.

Column conventions of every table frame:

- the contract columns found, in contract order and types (optional columns absent
  from every file are left out; ``Dataset.absent_columns`` lists them);
- extra source columns under their cleaned names (hive partition columns as strings);
- ``_raw_<column>``: the cleaned source text of each contract column parsed from
  text (csv, xlsx, or parquet values of a foreign type); null where the cell was
  blank. Value null with raw not null means *unparseable*; raw null means *missing*;
- ``_file``: the source file, relative to the data folder (``orders/q=1/part-0.parquet``);
- ``_row``: the 1-based data row in that file (first row under the header is 1).
"""
from __future__ import annotations

from tagkit.io.coerce import parse_bool, parse_date, parse_float, parse_int
from tagkit.io.dataset import FILE, Dataset, load_dataset
from tagkit.io.encoding import detect_encoding
from tagkit.io.headers import RAW_PREFIX
from tagkit.io.readers import ROW

__all__ = [
    "FILE",
    "RAW_PREFIX",
    "ROW",
    "Dataset",
    "detect_encoding",
    "load_dataset",
    "parse_bool",
    "parse_date",
    "parse_float",
    "parse_int",
]
