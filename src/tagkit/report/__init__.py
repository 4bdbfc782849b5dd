"""Reports: one self-contained HTML per region and an index, rendered from ``scores.parquet``."""
