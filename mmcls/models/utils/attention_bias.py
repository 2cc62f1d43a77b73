"""Index tables for learned attention biases shared by positions at the same |offset|
(LeViT, EfficientFormer): one bias per head and distinct (|dy|, |dx|) pair."""
import itertools
from typing import Tuple

import torch


def offset_bias_index(resolution: int, query_resolution: int = None,
                      stride: int = 1) -> Tuple[int, torch.Tensor]:
    """Return ``(num_offsets, idxs)`` for a square grid of ``resolution`` keys and a grid of
    ``query_resolution`` queries (default: the same grid) placed every ``stride`` keys.

    ``idxs[q, k]`` numbers the offset ``(|qy*stride - ky|, |qx*stride - kx|)`` in order of first
    appearance, so ``biases[:, idxs]`` with ``biases`` of shape (heads, num_offsets) expands
    per-offset biases to a (heads, queries, keys) table.
    """
    if query_resolution is None:
        query_resolution = resolution
    keys = list(itertools.product(range(resolution), range(resolution)))
    queries = list(itertools.product(range(query_resolution), range(query_resolution)))
    offsets = {}
    idxs = []
    for qy, qx in queries:
        for ky, kx in keys:
            offset = (abs(qy * stride - ky), abs(qx * stride - kx))
            idxs.append(offsets.setdefault(offset, len(offsets)))
    return len(offsets), torch.tensor(idxs, dtype=torch.long).view(len(queries), len(keys))


__all__ = ['offset_bias_index']
