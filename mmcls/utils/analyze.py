"""Read the scalars log the runner writes (``WORK_DIR/TIMESTAMP/vis_data/scalars.json``).

Kept free of torch so log tools stay light.
"""
from __future__ import annotations

import json
import os
from typing import Dict, List

__all__ = ['load_json_log']


def load_json_log(json_log: str) -> Dict[str, List[dict]]:
    """Split a scalars file (one JSON object per line) into ``{'train': [...], 'val': [...]}``.

    A line is a training record when it has a learning rate (``lr``) or a loss, otherwise it is
    a validation record (``accuracy/top1``, ``step``, ...). Records keep their file order.
    Blank lines are skipped; a line that is not a JSON object raises ``ValueError`` naming it.
    """
    if not os.path.isfile(json_log):
        raise FileNotFoundError(f'log file {json_log!r} does not exist (it is written by the '
                                'runner as WORK_DIR/TIMESTAMP/vis_data/scalars.json)')
    logs: Dict[str, List[dict]] = {'train': [], 'val': []}
    with open(json_log, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f'{json_log}:{number}: not a JSON object ({e.msg})') from e
            if not isinstance(record, dict):
                raise ValueError(f'{json_log}:{number}: expected a JSON object per line')
            is_train = 'lr' in record or any(key.startswith('loss') for key in record)
            logs['train' if is_train else 'val'].append(record)
    return logs
