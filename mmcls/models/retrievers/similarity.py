"""Similarity functions between query features and prototype vectors, by name."""
from typing import Callable, Union

import torch
import torch.nn.functional as F


def cosine_similarity(query: torch.Tensor, prototypes: torch.Tensor) -> torch.Tensor:
    """(N, C) x (M, C) -> (N, M) cosine similarities."""
    return F.normalize(query, dim=-1) @ F.normalize(prototypes, dim=-1).t()


def dot_product(query: torch.Tensor, prototypes: torch.Tensor) -> torch.Tensor:
    """(N, C) x (M, C) -> (N, M) inner products."""
    return query @ prototypes.t()


SIMILARITY_FUNCTIONS = {'cosine_similarity': cosine_similarity, 'dot_product': dot_product}


def get_similarity_fn(fn: Union[str, Callable]) -> Callable:
    """A similarity function from its name or as given when callable."""
    if callable(fn):
        return fn
    if fn not in SIMILARITY_FUNCTIONS:
        raise KeyError(f'unknown similarity function {fn!r}; choose one of '
                       f'{sorted(SIMILARITY_FUNCTIONS)} or pass a callable')
    return SIMILARITY_FUNCTIONS[fn]


__all__ = ['cosine_similarity', 'dot_product', 'get_similarity_fn']
