"""Exact sums over the disc around each benchmark: a latitude/longitude grid with prefix sums.

A benchmark's radiation counts its neighbours and adds up their sales: every customer of its region
within ``radius_km``. In a dense region that is tens of thousands of customers per benchmark and
billions of pairs in all (a million customers: 2.1 billion), so the pairs are never visited one by
one. The customers are sorted into a grid of latitude × longitude cells, ``CELLS_PER_RADIUS`` rows
to the radius, in row-major order; then each grid row's customers are one run of the sorted arrays,
and a run of cells in a row is one slice. Prefix sums over the sorted customers (count, and sales in
whole cents) give any slice's total with two lookups. Per benchmark and grid row:

- the cells **wholly inside** the disc form one run: a cell's farthest point from the benchmark is one
  of its corners (the great-circle distance has no maximum inside a small cell, and along a meridian
  or a parallel it is largest at an end), so a cell is inside when its four corners are, and for a
  row's two corner latitudes that bounds the longitude; their total is two prefix lookups;
- the cells the disc **touches** on either side of that run are tested customer by customer, with the
  same chord test as the k-d trees (:func:`tagkit.prescription.geo._reach`);
- every other cell is outside.

The work is the rows (about twice ``CELLS_PER_RADIUS`` per benchmark) and the customers in the
cells along the edge (a few per cent of the disc), not the disc. The wholly-inside test is made a
hair stricter and the touched range a hair wider (``_MARGIN``, about 6 mm) than exact: a customer
that is within a rounding error of a cell's border is tested rather than assumed. Integer cents
keep the sums exact, so the totals are the same as adding up the pairs.

The grid needs longitudes that do not wrap and discs that stay clear of the poles: for a region
spanning more than 180° of longitude or reaching within a degree of a pole, :func:`disc_sums`
returns ``None`` and the caller counts on its k-d tree.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

CELLS_PER_RADIUS = 64     # grid rows per radius: finer leaves fewer customers on the edge to test one by one
MAX_CELLS = 8_000_000     # a wider region gets coarser cells (the cell index is 8 bytes a cell)
BENCHMARKS_PER_CHUNK = 2048
_MARGIN = 1e-9            # radians (~6 mm on the Earth): the inside test stricter, the touched range wider


def disc_sums(points: np.ndarray, lat: np.ndarray, lon: np.ndarray, weights: tuple[np.ndarray, ...],
              centres: np.ndarray, *, radius_rad: float, reach: float) -> np.ndarray | None:
    """Per centre (positions into the arrays): the customers whose unit vector (``points``) is within
    the chord ``reach`` of the centre's (itself included), and the sum of each of ``weights`` (whole
    numbers) over them; an int64 array of shape (centres, 1 + len(weights)). ``radius_rad`` is the
    same circle as a great-circle angle. ``None`` where the grid does not apply (see the module)."""
    radius_deg = float(np.degrees(radius_rad))
    if len(lat) == 0 or lon.max() - lon.min() > 180.0 or np.abs(lat).max() + radius_deg >= 89.0:
        return None
    grid = _Grid(lat, lon, radius_deg)
    cells = grid.cell_of(lat, lon)
    order = np.argsort(cells, kind="stable")
    prefix = np.zeros((len(order) + 1, 1 + len(weights)), dtype=np.int64)
    prefix[1:, 0] = np.arange(1, len(order) + 1)
    for k, w in enumerate(weights, start=1):
        np.cumsum(np.rint(w[order]).astype(np.int64), out=prefix[1:, k])
    sorted_points = np.ascontiguousarray(points[order])
    starts = np.searchsorted(cells[order], np.arange(grid.ny * grid.nx + 1))
    out = np.zeros((len(centres), prefix.shape[1]), dtype=np.int64)

    def chunk(first: int) -> None:
        rows = slice(first, min(first + BENCHMARKS_PER_CHUNK, len(centres)))
        out[rows] = _chunk_sums(grid, starts, prefix, sorted_points, points[centres[rows]],
                                lat[centres[rows]], lon[centres[rows]], radius_rad, reach)

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:  # numpy lets go of the GIL on whole arrays
        list(pool.map(chunk, range(0, len(centres), BENCHMARKS_PER_CHUNK)))
    return out


class _Grid:
    """Cells of ``dlat`` × ``dlon`` degrees from the region's south-west corner, ``nx`` to a row."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray, radius_deg: float) -> None:
        self.lat0, self.lon0 = float(lat.min()), float(lon.min())
        span_lat, span_lon = float(lat.max()) - self.lat0, float(lon.max()) - self.lon0
        self.dlat = radius_deg / CELLS_PER_RADIUS
        self.dlon = self.dlat / max(np.cos(np.radians(float(np.abs(lat).mean()))), 0.05)  # about square
        cells = (span_lat / self.dlat + 1) * (span_lon / self.dlon + 1)
        if cells > MAX_CELLS:
            scale = float(np.sqrt(cells / MAX_CELLS))
            self.dlat, self.dlon = self.dlat * scale, self.dlon * scale
        self.ny = int(span_lat / self.dlat) + 1
        self.nx = int(span_lon / self.dlon) + 1

    def cell_of(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        row = np.clip(np.floor((lat - self.lat0) / self.dlat), 0, self.ny - 1).astype(np.int64)
        col = np.clip(np.floor((lon - self.lon0) / self.dlon), 0, self.nx - 1).astype(np.int64)
        return row * self.nx + col


def _half_width(phi0: np.ndarray, phi: np.ndarray, cos_rho: float) -> np.ndarray:
    """Half the longitude span (radians) of the disc around latitude ``phi0`` at latitude ``phi``; NaN
    where the disc does not reach that latitude. From cos d = sin φ0 sin φ + cos φ0 cos φ cos Δλ."""
    q = (cos_rho - np.sin(phi0) * np.sin(phi)) / (np.cos(phi0) * np.cos(phi))
    with np.errstate(invalid="ignore"):
        return np.where(q > 1.0, np.nan, np.arccos(np.clip(q, -1.0, 1.0)))


def _chunk_sums(grid: _Grid, starts: np.ndarray, prefix: np.ndarray, sorted_points: np.ndarray,
                centre_points: np.ndarray, lat: np.ndarray, lon: np.ndarray, rho: float,
                reach: float) -> np.ndarray:
    """:func:`disc_sums` for some centres: the wholly-inside runs by prefix sums, the touched cells' customers
    tested."""
    n, rows_per = len(lat), 2 * int(np.ceil(np.degrees(rho) / grid.dlat)) + 3
    phi0 = np.radians(lat)[:, None]
    first_row = np.floor((lat - np.degrees(rho) - grid.lat0) / grid.dlat).astype(np.int64) - 1
    row = first_row[:, None] + np.arange(rows_per)[None, :]
    real = (row >= 0) & (row < grid.ny)
    phi_a = np.radians(grid.lat0 + row * grid.dlat)
    phi_b = np.radians(grid.lat0 + (row + 1) * grid.dlat)
    # the disc's widest point in this row's band (the band taken a hair wide), for the touched range
    low, high = np.maximum(phi_a - _MARGIN, phi0 - rho), np.minimum(phi_b + _MARGIN, phi0 + rho)
    widest = np.arcsin(np.clip(np.sin(phi0) / np.cos(rho), -1.0, 1.0))
    touched = _half_width(phi0, np.clip(widest, low, high), np.cos(rho))
    touched = np.where(real & (low <= high), np.nan_to_num(touched, nan=0.0) + _MARGIN, np.nan)
    inside = np.minimum(_half_width(phi0, phi_a, np.cos(rho)), _half_width(phi0, phi_b, np.cos(rho))) - _MARGIN
    inside = np.where(np.isnan(inside) | ~(touched >= 0), np.nan, inside)  # nan unless both corners reach

    lon0 = lon[:, None]
    touched_deg, inside_deg = np.degrees(touched), np.degrees(inside)
    c_lo = np.clip(np.floor((lon0 - touched_deg - grid.lon0) / grid.dlon), 0, grid.nx - 1)
    c_hi = np.clip(np.floor((lon0 + touched_deg - grid.lon0) / grid.dlon), 0, grid.nx - 1)
    a = np.maximum(np.ceil((lon0 - inside_deg - grid.lon0) / grid.dlon), c_lo)
    b = np.minimum(np.floor((lon0 + inside_deg - grid.lon0) / grid.dlon) - 1, c_hi)
    some = ~np.isnan(touched)
    whole = some & ~np.isnan(inside) & (a <= b)
    # no run wholly inside: the whole touched range is tested (as the left part)
    a, b = np.where(whole, a, c_hi + 1), np.where(whole, b, c_hi)
    c_lo, c_hi, a, b = (np.where(some, x, 0).astype(np.int64) for x in (c_lo, c_hi, a, b))
    base = np.where(some, row, 0) * grid.nx

    def point(cell: np.ndarray) -> np.ndarray:  # the first sorted customer at or after a cell
        return np.where(some, starts[base + cell], 0)

    lo, run_a, run_b, hi = point(c_lo), point(a), point(b + 1), point(c_hi + 1)
    out = (prefix[run_b.ravel()] - prefix[run_a.ravel()]).reshape(n, rows_per, -1).sum(axis=1)
    centre = np.repeat(np.arange(n), rows_per)
    for first, last in ((lo, run_a), (run_b, hi)):
        out += _tested(sorted_points, prefix, centre_points, centre, first.ravel(), last.ravel(), reach, n)
    return out


def _tested(sorted_points: np.ndarray, prefix: np.ndarray, centre_points: np.ndarray, centre: np.ndarray,
            first: np.ndarray, last: np.ndarray, reach: float, n: int) -> np.ndarray:
    """Count and weights of the sorted customers ``first[i]:last[i]`` within ``reach`` of ``centre[i]``."""
    length = last - first
    keep = length > 0
    first, length, centre = first[keep], length[keep], centre[keep]
    total = int(length.sum())
    out = np.zeros((n, prefix.shape[1]), dtype=np.int64)
    if not total:
        return out
    owner = np.repeat(centre, length)
    index = np.arange(total) - np.repeat(np.cumsum(length) - length - first, length)
    diff = sorted_points[index] - centre_points[owner]
    near = np.einsum("ij,ij->i", diff, diff) <= reach * reach
    owner, index = owner[near], index[near]
    out[:, 0] = np.bincount(owner, minlength=n)
    for k in range(1, prefix.shape[1]):
        out[:, k] = np.bincount(owner, weights=prefix[index + 1, k] - prefix[index, k], minlength=n).astype(np.int64)
    return out
