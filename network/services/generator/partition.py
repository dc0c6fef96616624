"""Compact, balanced zones by recursive coordinate bisection, vectorised level by level.

Used for NRO zones, PM/SRO zones (*zones arrière*) and PBO groups: each group of points is cut
across its longer side at the count that balances the parts, until each part has the size wanted.
Deterministic (stable sorts only) and O(n log n) per level, so 300 000 premises take well under a
second.
"""
import numpy as np


def _relabel(labels: np.ndarray) -> np.ndarray:
    return np.unique(labels, return_inverse=True)[1].astype(np.int64)


def _group_stats(xy, labels):
    """Per label (0..L-1, dense): count, extent along x and y."""
    n_lab = int(labels.max()) + 1
    count = np.bincount(labels, minlength=n_lab)
    order = np.argsort(labels, kind="stable")
    starts = np.concatenate([[0], np.cumsum(count)[:-1]])
    xs, ys = xy[order, 0], xy[order, 1]
    ext_x = np.maximum.reduceat(xs, starts) - np.minimum.reduceat(xs, starts)
    ext_y = np.maximum.reduceat(ys, starts) - np.minimum.reduceat(ys, starts)
    return count, ext_x, ext_y


def _split(xy, labels, cut_at):
    """Cut each label's points along its longer axis: the first `cut_at[label]` go left.
    Labels with cut_at == 0 stay whole. Returns new dense labels."""
    _, ext_x, ext_y = _group_stats(xy, labels)
    key = np.where((ext_x >= ext_y)[labels], xy[:, 0], xy[:, 1])
    order = np.lexsort((key, labels))
    sorted_labels = labels[order]
    count = np.bincount(labels)
    starts = np.concatenate([[0], np.cumsum(count)[:-1]])
    rank = np.arange(len(labels)) - starts[sorted_labels]
    right = np.zeros(len(labels), dtype=np.int64)
    right[order] = (rank >= cut_at[sorted_labels]) & (cut_at[sorted_labels] > 0)
    return labels * 2 + right


def partition_fixed(xy: np.ndarray, groups: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """Split each group g (dense labels) into parts[g] zones of (almost) equal counts."""
    labels = _relabel(groups)
    count = np.bincount(labels)
    k = np.minimum(np.maximum(parts, 1), count).astype(np.int64)
    while (k > 1).any():
        count = np.bincount(labels, minlength=len(k))
        k_left = k // 2
        cut = np.where(k > 1, np.rint(count * k_left / np.maximum(k, 1)).astype(np.int64), 0)
        new = _split(xy, labels, cut)
        k_new = np.empty(len(k) * 2, dtype=np.int64)
        k_new[0::2] = np.where(k > 1, k_left, k)
        k_new[1::2] = np.where(k > 1, k - k_left, 0)
        present = np.unique(new)
        labels = np.searchsorted(present, new)
        k = k_new[present]
    return labels


def partition_adaptive(xy: np.ndarray, groups: np.ndarray, max_size: np.ndarray, spread_m: float, min_split: int = 10) -> np.ndarray:
    """Split groups in halves while they hold more than max_size[group] points, or while they are
    wider than spread_m and still hold ten points: PBO groups of 6–12 premises in bourgs, smaller
    ones where houses are scattered (an isolated farm is not served from a box a kilometre away)."""
    labels = _relabel(groups)
    limit = np.asarray(max_size, dtype=np.int64)
    while True:
        count, ext_x, ext_y = _group_stats(xy, labels)
        ext = np.maximum(ext_x, ext_y)
        split = (count > limit) | ((ext > spread_m) & (count >= min_split))
        if not split.any():
            return labels
        cut = np.where(split, count // 2, 0)
        new = _split(xy, labels, cut)
        present = np.unique(new)
        limit = np.repeat(limit, 2)[present]
        labels = np.searchsorted(present, new)
