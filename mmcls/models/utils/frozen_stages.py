"""A backbone's ``frozen_stages`` argument: checking its range, and what it freezes in the
networks whose stages are joined by transition (downsampling) layers."""
from itertools import islice
from typing import Iterable, List

import torch.nn as nn


def check_frozen_stages(frozen_stages: int, low: int, high: int, owner: str) -> None:
    """Raise a ValueError naming ``owner`` unless ``low <= frozen_stages <= high``."""
    if not low <= frozen_stages <= high:
        raise ValueError(f'{owner}: frozen_stages must be in [{low}, {high}], '
                         f'got {frozen_stages}')


def stem_stages_transitions(stem: nn.Module, stages: Iterable[nn.Module],
                            transitions: Iterable[nn.Module],
                            frozen_stages: int) -> List[nn.Module]:
    """The stem, the first ``frozen_stages`` stages and the transitions after each of them.

    -1 freezes nothing; 0 freezes the stem only.
    """
    if frozen_stages < 0:
        return []
    return [stem, *islice(stages, frozen_stages), *islice(transitions, frozen_stages)]


__all__ = ['check_frozen_stages', 'stem_stages_transitions']
