"""Plot training curves and measure the training time from ``vis_data/scalars.json``.

    python tools/analysis_tools/analyze_logs.py plot_curve LOG.json [LOG2.json ...] \\
        [--keys loss] [--title T] [--legend L ...] [--backend B] [--style whitegrid] \\
        [--out results.png] [--window-size 12*7]
    python tools/analysis_tools/analyze_logs.py cal_train_time LOG.json [--include-outliers]

A scalars file holds one JSON object per line.  Training lines carry the
learning rate (``lr``, ``loss``, ``time``, ``data_time``, ``epoch``, ``iter``,
``step``); validation lines carry the metrics (``accuracy/top1``, ``step``).
  This tool never imports torch.
"""
from __future__ import annotations

import argparse
import os
import re
from itertools import groupby
from typing import Dict, List, Optional, Sequence

from mmcls.utils.analyze import load_json_log

__all__ = ['load_json_log', 'train_time_stats', 'format_train_time', 'default_legends',
           'resolve_key', 'plot_curve', 'parse_args', 'main']

LogDict = Dict[str, List[dict]]


def train_time_stats(train_logs: List[dict], include_outliers: bool = False) -> dict:
    """Per-epoch mean iteration times and the overall mean.

    Unless ``include_outliers``, the first record of every epoch is left out
    (the first iterations are often slow: workers starting, caches warming).
    """
    timed = [log for log in train_logs if 'time' in log]
    if not timed:
        raise ValueError('the log has no training records with a "time" value')
    stats: dict = {}
    kept: List[float] = []
    if 'epoch' in timed[0]:
        epoch_means = {}
        for epoch, records in groupby(timed, key=lambda log: log['epoch']):
            times = [log['time'] for log in records]
            if not include_outliers and len(times) > 1:
                times = times[1:]
            epoch_means[epoch] = sum(times) / len(times)
            kept.extend(times)
        means = list(epoch_means.values())
        average = sum(means) / len(means)
        stats['slowest_epoch'] = max(epoch_means, key=epoch_means.get)
        stats['fastest_epoch'] = min(epoch_means, key=epoch_means.get)
        stats['epoch_means'] = epoch_means
        stats['std_over_epochs'] = (sum((m - average)**2 for m in means) / len(means))**0.5
    else:
        kept = [log['time'] for log in timed]
        if not include_outliers and len(kept) > 1:
            kept = kept[1:]
    stats['average_iter_time'] = sum(kept) / len(kept)
    return stats


def format_train_time(path: str, stats: dict) -> str:
    """The training-time report: per-epoch averages, slowest and fastest epoch."""
    lines = [f'{"-" * 5}Analyze train time of {path}{"-" * 5}']
    if 'epoch_means' in stats:
        means = stats['epoch_means']
        lines += [
            f'slowest epoch {stats["slowest_epoch"]}, average time is '
            f'{means[stats["slowest_epoch"]]:.4f}',
            f'fastest epoch {stats["fastest_epoch"]}, average time is '
            f'{means[stats["fastest_epoch"]]:.4f}',
            f'time std over epochs is {stats["std_over_epochs"]:.4f}',
        ]
    lines.append(f'average iter time: {stats["average_iter_time"]:.4f} s/iter')
    return '\n'.join(lines)


def _run_name(path: str) -> str:
    """``.../20230206_181002/vis_data/scalars.json`` -> ``20230206_181002``."""
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem.endswith('.log'):
        stem = stem[:-4]
    parent = os.path.dirname(os.path.abspath(path))
    if stem == 'scalars' and os.path.basename(parent) == 'vis_data':
        return os.path.basename(os.path.dirname(parent))
    return stem


def default_legends(json_logs: Sequence[str], keys: Sequence[str]) -> List[str]:
    """One ``"<log>-<key>"`` label per (log, key) pair, log-major."""
    return [f'{_run_name(log)}-{key}' for log in json_logs for key in keys]


def resolve_key(key: str, logs: LogDict) -> tuple:
    """``(phase, key)`` of a plotted key; accepts the 0.x spelling ``accuracy_top-1``."""
    train_keys = set().union(*logs['train']) - {'step', 'epoch', 'iter'}
    val_keys = set().union(*logs['val']) - {'step'}
    candidates = [key]
    old_style = re.fullmatch(r'accuracy_top-(\d+)', key)
    if old_style:
        candidates.append(f'accuracy/top{old_style.group(1)}')
    for name in candidates:  # time/data_time exist in both phases: prefer training
        if name in train_keys:
            return 'train', name
        if name in val_keys:
            return 'val', name
    raise ValueError(f'key {key!r} is not in the log; choose from '
                     f'{sorted(train_keys | val_keys)}')


def plot_curve(log_dicts: Sequence[LogDict], args: argparse.Namespace) -> None:
    """Draw every (log, key) curve on one figure; save to ``args.out`` or show."""
    import matplotlib
    if args.backend is not None:
        matplotlib.use(args.backend)
    import matplotlib.pyplot as plt

    _apply_style(args.style)
    width, height = (int(v) for v in args.window_size.split('*'))
    fig = plt.figure(figsize=(width, height))
    legends = args.legend or default_legends(args.json_logs, args.keys)
    if len(legends) != len(args.json_logs) * len(args.keys):
        raise ValueError(f'--legend needs {len(args.json_logs) * len(args.keys)} names '
                         f'(one per log and key), got {len(legends)}')
    for i, logs in enumerate(log_dicts):
        for j, key in enumerate(args.keys):
            phase, name = resolve_key(key, logs)
            records = [r for r in logs[phase] if name in r]
            xs, xlabel = _x_values(records, phase, logs)
            print(f'plot curve of {args.json_logs[i]}, metric is {name}')
            plt.plot(xs, [r[name] for r in records], label=legends[i * len(args.keys) + j],
                     linewidth=0.75)
            plt.xlabel(xlabel)
    plt.legend()
    if args.title is not None:
        plt.title(args.title)
    if args.out is None:
        plt.show()
    else:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        print(f'save curve to: {args.out}')
        fig.savefig(args.out)
    plt.close(fig)


def _x_values(records: List[dict], phase: str, logs: LogDict) -> tuple:
    by_epoch = bool(logs['train']) and 'epoch' in logs['train'][0]
    steps = [r['step'] for r in records]
    if phase == 'train' and by_epoch:
        last = logs['train'][-1]
        per_epoch = last['step'] / last['epoch']
        return [s / per_epoch for s in steps], 'Epochs'
    if phase == 'val':
        return steps, 'Epochs' if by_epoch else 'Iters'
    return steps, 'Iters'


def _apply_style(style: str) -> None:
    try:
        import seaborn as sns
    except ImportError:
        print(f"Note: --style {style!r} needs the 'seaborn' package, which is not installed; "
              'using the matplotlib default style.')
        return
    sns.set_style(style)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Analyze the JSON logs (scalars.json) of runs.')
    tasks = parser.add_subparsers(dest='task', required=True)

    plot = tasks.add_parser('plot_curve', help='plot curves of logged values')
    plot.add_argument('json_logs', nargs='+', help='scalars.json files')
    plot.add_argument('--keys', nargs='+', default=['loss'], help='values to plot (loss)')
    plot.add_argument('--title', help='figure title')
    plot.add_argument('--legend', nargs='+', help='one name per log and key')
    plot.add_argument('--backend', help='matplotlib backend (default: automatic)')
    plot.add_argument('--style', default='whitegrid', help='seaborn style (needs seaborn)')
    plot.add_argument('--out', help='save the figure here instead of showing it')
    plot.add_argument('--window-size', default='12*7', help='figure size as "W*H" (inches)')

    timing = tasks.add_parser('cal_train_time', help='average time per training iteration')
    timing.add_argument('json_logs', nargs='+', help='scalars.json files')
    timing.add_argument('--include-outliers', action='store_true',
                        help='keep the first record of every epoch in the averages')
    args = parser.parse_args(argv)
    if args.task == 'plot_curve' and not re.fullmatch(r'\d+\*\d+', args.window_size):
        parser.error(f"--window-size must look like 'W*H', e.g. 12*7, got {args.window_size!r}")
    for path in args.json_logs:
        if not path.endswith('.json'):
            parser.error(f'{path!r} is not a .json log (use vis_data/scalars.json)')
    return args


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    log_dicts = [load_json_log(path) for path in args.json_logs]
    if args.task == 'cal_train_time':
        for path, logs in zip(args.json_logs, log_dicts):
            print(format_train_time(path, train_time_stats(logs['train'], args.include_outliers)))
            print()
    else:
        plot_curve(log_dicts, args)
