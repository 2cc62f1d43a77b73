"""Evaluate metrics offline on the predictions saved by ``tools/test.py --out``.

    python tools/analysis_tools/eval_metric.py results.pkl --metric type=Accuracy topk=1,5
    python tools/analysis_tools/eval_metric.py results.pkl --metric type=Accuracy \\
        --metric type=SingleLabelMetric items=precision,recall,f1-score

Each ``--metric`` is one metric config written as ``key=value`` pairs; values
follow the ``--cfg-options`` rules (``topk=1,5``, ``items="[a,b]"``).
The result file must hold predictions (``--out-item pred``, the default).

"""
from __future__ import annotations

import argparse
from typing import Any, Dict, List, Optional, Sequence

__all__ = ['parse_args', 'metric_configs', 'format_value', 'main']


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Evaluate metrics on a prediction file written by tools/test.py --out.')
    parser.add_argument('result', help='the pickle file written by tools/test.py --out')
    parser.add_argument(
        '--metric', nargs='+', action='append', dest='metric_options', metavar='KEY=VALUE',
        help='a metric config as key=value pairs, e.g. "type=Accuracy topk=1,5"; repeat '
        '--metric to compute several metrics')
    return parser.parse_args(argv)


def metric_configs(metric_options: Optional[List[List[str]]]) -> List[Dict[str, Any]]:
    """``[['type=Accuracy', 'topk=1,5']]`` -> ``[{'type': 'Accuracy', 'topk': [1, 5]}]``."""
    from mmcls.config.dict_action import parse_cfg_options

    if not metric_options:
        raise ValueError('give at least one --metric, e.g. --metric type=Accuracy topk=1,5')
    configs = []
    for items in metric_options:
        cfg = parse_cfg_options(items)
        if 'type' not in cfg:
            raise ValueError(f'--metric {" ".join(items)} has no type=...; '
                             'e.g. --metric type=Accuracy topk=1,5')
        configs.append(cfg)
    return configs


def format_value(value: Any) -> str:
    """Floats with 4 decimals; tensors and nested lists readable."""
    if hasattr(value, 'tolist'):
        value = value.tolist()
    if isinstance(value, float):
        return f'{value:.4f}'
    if isinstance(value, list):
        return '[' + ', '.join(format_value(v) for v in value) + ']'
    return str(value)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    configs = metric_configs(args.metric_options)

    from rich.console import Console
    from rich.table import Table

    from mmcls.evaluation import Evaluator, load_results

    predictions = load_results(args.result)
    metrics = Evaluator(configs).offline_evaluate(predictions, None)

    table = Table(title=f'Metrics of {args.result} ({len(predictions)} samples)')
    table.add_column('metric')
    table.add_column('value', overflow='fold')
    for name, value in metrics.items():
        table.add_row(name, format_value(value))
    Console().print(table)
    return metrics
