"""Read-only containers over numpy arrays (*tableaux partagés*), so that a stored service graph is
a directory of `.npy` files every process memory-maps instead of a pickle of Python lists, dicts
and sets each process unpickles (3–10 s and ~550 MB at 300 000 premises).

`encode(value)` turns one attribute of a graph into arrays (or returns None when it cannot: the
attribute then goes to the lazily loaded pickled part, see store.py); `decode` gives back an
object answering the same questions as the original (indexing, `get`, `in`, `len`, iteration),
with Python scalars so that callers (ORM filters, JSON) see no numpy types.

- list of int/float/bool/str → `Column` (one array; str as fixed-width unicode)
- list of tuples/lists of ints (ragged) → `Ragged` (CSR: ptr + idx)
- list of lists of (int, int) pairs (adjacency) → `Ragged` with 2-column rows
- set of ints → `ArraySet` (sorted array + searchsorted)
- dict int|str → int → `ArrayMap` (sorted keys + values)
- dict int|str → list[int] → `ArrayMultiMap` (sorted keys + CSR)
"""
from __future__ import annotations

import numpy as np

_INT = (int, np.integer)


def _kind(values) -> str | None:
    """'i', 'f', 'b', 'U' when every element is a scalar of one kind, else None."""
    if not len(values):
        return None
    if all(isinstance(x, bool) or isinstance(x, np.bool_) for x in values):
        return "b"
    if all(isinstance(x, _INT) and not isinstance(x, bool) for x in values):
        return "i"
    if all(isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool) for x in values):
        return "f"
    if all(isinstance(x, str) for x in values):
        return "U"
    return None


def _array(values, kind: str) -> np.ndarray:
    if kind == "U":
        return np.asarray(values, dtype=str) if values else np.zeros(0, dtype="<U1")
    dtype = {"i": np.int64, "f": np.float64, "b": bool}[kind]
    return np.fromiter(values, dtype=dtype, count=len(values))


def _py(x):
    return x.item() if isinstance(x, np.generic) else x


class Column:
    """A read-only list over one array; items come back as Python scalars."""

    __slots__ = ("a",)

    def __init__(self, a: np.ndarray):
        self.a = a

    def __len__(self):
        return len(self.a)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self.a[i].tolist()
        return self.a[i].item()

    def __iter__(self):
        return iter(self.a.tolist())

    def __contains__(self, x):
        return bool(np.any(self.a == x))

    def __array__(self, dtype=None, copy=None):
        return self.a if dtype is None else self.a.astype(dtype)

    def index(self, x):
        hit = np.flatnonzero(self.a == x)
        if not len(hit):
            raise ValueError(x)
        return int(hit[0])


class Ragged:
    """A read-only list of tuples (CSR): row i is idx[ptr[i]:ptr[i+1]] as a tuple of Python values
    (pairs for a 2-column idx)."""

    __slots__ = ("ptr", "idx")

    def __init__(self, ptr: np.ndarray, idx: np.ndarray):
        self.ptr, self.idx = ptr, idx

    def __len__(self):
        return len(self.ptr) - 1

    def __getitem__(self, i):
        rows = self.idx[int(self.ptr[i]):int(self.ptr[i + 1])].tolist()
        return [tuple(r) for r in rows] if self.idx.ndim == 2 else tuple(rows)

    def __iter__(self):
        return (self[i] for i in range(len(self)))


class ArraySet:
    """A read-only set of ints (sorted array)."""

    __slots__ = ("keys",)

    def __init__(self, keys: np.ndarray):
        self.keys = keys

    def __len__(self):
        return len(self.keys)

    def __contains__(self, x):
        i = int(np.searchsorted(self.keys, x))
        return i < len(self.keys) and self.keys[i] == x

    def __iter__(self):
        return iter(self.keys.tolist())

    def __eq__(self, other):
        if isinstance(other, ArraySet):
            return np.array_equal(self.keys, other.keys)
        if isinstance(other, (set, frozenset)):
            return set(self) == other
        return NotImplemented

    __hash__ = None


class ArrayMap:
    """A read-only dict (sorted keys + values)."""

    __slots__ = ("karr", "values_")

    def __init__(self, keys: np.ndarray, values: np.ndarray):
        self.karr, self.values_ = keys, values

    def _find(self, key):
        if len(self.karr) == 0:
            return -1
        try:
            i = int(np.searchsorted(self.karr, key))
        except (TypeError, ValueError, np.exceptions.DTypePromotionError):
            return -1  # a key of another type (None, a str against int keys) is simply absent
        return i if i < len(self.karr) and self.karr[i] == key else -1

    def _value(self, i):
        return self.values_[i].item()

    def get(self, key, default=None):
        i = self._find(key)
        return default if i < 0 else self._value(i)

    def __getitem__(self, key):
        i = self._find(key)
        if i < 0:
            raise KeyError(key)
        return self._value(i)

    def __contains__(self, key):
        return self._find(key) >= 0

    def __len__(self):
        return len(self.karr)

    def __iter__(self):
        return iter(self.karr.tolist())

    def keys(self):
        """The keys (a list), so that dict(m) and d.update(m) work."""
        return self.karr.tolist()

    def items(self):
        return ((k, self._value(i)) for i, k in enumerate(self.karr.tolist()))

    def values(self):
        return (self._value(i) for i in range(len(self.karr)))


class ArrayMultiMap(ArrayMap):
    """A read-only dict of lists (sorted keys + CSR values)."""

    __slots__ = ("ptr",)

    def __init__(self, keys: np.ndarray, ptr: np.ndarray, idx: np.ndarray):
        super().__init__(keys, idx)
        self.ptr = ptr

    def _value(self, i):
        rows = self.values_[int(self.ptr[i]):int(self.ptr[i + 1])].tolist()
        return [tuple(r) for r in rows] if self.values_.ndim == 2 else rows

    def row(self, key) -> np.ndarray:
        """The values of a key as an array (empty when absent), for vectorised callers."""
        i = self._find(key)
        return self.values_[:0] if i < 0 else self.values_[int(self.ptr[i]):int(self.ptr[i + 1])]


# -- bulk lookups --------------------------------------------------------------------------------
# A département-wide exposure looks up ~400 000 assets: one numpy call over the mapped arrays
# instead of one `searchsorted` (and one memmap indexing) per key, which made the impact of a red
# wind over the 29 take 24 s instead of ~2 s. Each helper also takes the plain lists and dicts of a
# graph as built (before it is stored), with the same answer.
def _ints(keys) -> np.ndarray:
    if isinstance(keys, np.ndarray):
        return keys.astype(np.int64, copy=False)
    keys = keys if isinstance(keys, (list, tuple)) else list(keys)
    return np.fromiter(keys, dtype=np.int64, count=len(keys))


def _row_offsets(ptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions in the CSR values of every element of `rows`, in order; each row's length)."""
    starts, lengths = ptr[rows], ptr[rows + 1] - ptr[rows]
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths) + np.repeat(starts, lengths)
    return offsets, lengths


def lookup(mapping, keys) -> tuple[np.ndarray, np.ndarray]:
    """(values of the keys present, boolean mask over `keys` of those present) for int keys."""
    keys = _ints(keys)
    if type(mapping) is ArrayMap and mapping.karr.dtype.kind in "iu":
        karr = mapping.karr
        if not len(karr):
            return np.zeros(0, dtype=np.int64), np.zeros(len(keys), dtype=bool)
        pos = np.minimum(np.searchsorted(karr, keys), len(karr) - 1)
        found = np.asarray(karr)[pos] == keys
        return np.asarray(mapping.values_)[pos[found]], found
    found = np.fromiter((k in mapping for k in keys.tolist()), dtype=bool, count=len(keys))
    values = [mapping[k] for k, ok in zip(keys.tolist(), found.tolist()) if ok]
    return np.asarray(values, dtype=np.int64), found


def gather(multimap, keys) -> tuple[np.ndarray, np.ndarray]:
    """Every value of every key (flat, keys absent give none) and, for each value, the position in
    `keys` of the key it belongs to: a multimap of int lists, looked up in bulk."""
    keys = _ints(keys)
    if isinstance(multimap, ArrayMultiMap) and multimap.values_.ndim == 1 and multimap.karr.dtype.kind in "iu":
        karr = multimap.karr
        if not len(karr) or not len(keys):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        pos = np.minimum(np.searchsorted(karr, keys), len(karr) - 1)
        found = np.flatnonzero(np.asarray(karr)[pos] == keys)
        pos = pos[found]
        ptr = np.asarray(multimap.ptr)
        offsets, lengths = _row_offsets(ptr, pos)
        return np.asarray(multimap.values_)[offsets], np.repeat(found, lengths)
    values, owner = [], []
    for i, k in enumerate(keys.tolist()):
        row = multimap.get(k, ())
        values.extend(row)
        owner.extend([i] * len(row))
    return np.asarray(values, dtype=np.int64), np.asarray(owner, dtype=np.int64)


def gather_rows(rows, indices) -> tuple[np.ndarray, np.ndarray]:
    """Every value of the rows `indices` of a `Ragged` (or a built graph's list of tuples), flat,
    and for each value the position in `indices` of its row."""
    indices = _ints(indices)
    if isinstance(rows, Ragged) and rows.idx.ndim == 1:
        offsets, lengths = _row_offsets(np.asarray(rows.ptr), indices)
        return np.asarray(rows.idx)[offsets], np.repeat(np.arange(len(indices)), lengths)
    values, owner = [], []
    for pos, i in enumerate(indices.tolist()):
        row = rows[i]
        values.extend(row)
        owner.extend([pos] * len(row))
    return np.asarray(values, dtype=np.int64), np.asarray(owner, dtype=np.int64)


def take(seq, indices) -> list:
    """[seq[i] for i in indices] as Python values: one numpy gather for a `Column`."""
    if isinstance(seq, Column):
        return seq.a[_ints(indices)].tolist()
    return [seq[i] for i in indices]


def plain_rows(ptr: np.ndarray, idx: np.ndarray, kind=tuple) -> list:
    """The rows of a CSR as Python tuples or lists (pairs as tuples for a 2-column idx), slicing
    one Python list instead of indexing the mapped array row by row."""
    bounds = ptr.tolist()
    flat = [tuple(r) for r in idx.tolist()] if idx.ndim == 2 else idx.tolist()
    return [kind(flat[a:b]) for a, b in zip(bounds, bounds[1:])]


def column(seq) -> np.ndarray:
    """The array behind a `Column` (a plain ndarray view, not a memmap: its indexing is cheaper),
    or an array of a built graph's list."""
    return np.asarray(seq.a) if isinstance(seq, Column) else np.asarray(seq)


# -- encoding -----------------------------------------------------------------------------------
def _csr(rows) -> tuple[np.ndarray, np.ndarray] | None:
    lengths = [len(r) for r in rows]
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(lengths)
    flat = [x for r in rows for x in r]
    if not flat:
        return ptr, np.zeros(0, dtype=np.int64)
    if all(isinstance(x, tuple) and len(x) == 2 for x in flat):
        if _kind([y for x in flat for y in x]) != "i":
            return None
        return ptr, np.asarray(flat, dtype=np.int64).reshape(-1, 2)
    kind = _kind(flat)
    if kind not in ("i", "f"):
        return None
    return ptr, _array(flat, kind)


def encode(value) -> tuple[str, dict[str, np.ndarray]] | None:
    """(container kind, arrays) for one attribute value, None when it has no array form."""
    if isinstance(value, (Column,)):
        return "column", {"a": value.a}
    if isinstance(value, Ragged):
        return "ragged", {"ptr": value.ptr, "idx": value.idx}
    if isinstance(value, ArraySet):
        return "set", {"keys": value.keys}
    if isinstance(value, ArrayMultiMap):
        return "multimap", {"keys": value.karr, "ptr": value.ptr, "idx": value.values_}
    if isinstance(value, ArrayMap):
        return "map", {"keys": value.karr, "values": value.values_}
    if isinstance(value, (list, tuple)):
        if all(isinstance(x, (list, tuple)) for x in value) and value:
            csr = _csr(value)
            return None if csr is None else ("ragged", {"ptr": csr[0], "idx": csr[1]})
        kind = _kind(value)
        return None if kind is None else ("column", {"a": _array(list(value), kind)})
    if isinstance(value, (set, frozenset)):
        if not value:
            return "set", {"keys": np.zeros(0, dtype=np.int64)}
        if _kind(value) != "i":
            return None
        return "set", {"keys": np.sort(_array(list(value), "i"))}
    if isinstance(value, dict):
        keys = list(value)
        key_kind = _kind(keys)
        if key_kind not in ("i", "U"):
            return None
        order = sorted(range(len(keys)), key=keys.__getitem__)
        skeys = [keys[i] for i in order]
        vals = [value[k] for k in skeys]
        if all(isinstance(v, (list, tuple)) for v in vals):
            csr = _csr(vals)
            if csr is None:
                return None
            return "multimap", {"keys": _array(skeys, key_kind), "ptr": csr[0], "idx": csr[1]}
        vkind = _kind(vals)
        if vkind is None:
            return None
        return "map", {"keys": _array(skeys, key_kind), "values": _array(vals, vkind)}
    return None


def decode(kind: str, arrays: dict[str, np.ndarray]):
    if kind == "column":
        return Column(arrays["a"])
    if kind == "ragged":
        return Ragged(arrays["ptr"], arrays["idx"])
    if kind == "set":
        return ArraySet(arrays["keys"])
    if kind == "map":
        return ArrayMap(arrays["keys"], arrays["values"])
    if kind == "multimap":
        return ArrayMultiMap(arrays["keys"], arrays["ptr"], arrays["idx"])
    raise ValueError(f"unknown array container {kind!r}")
