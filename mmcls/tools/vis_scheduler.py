"""Plot the learning-rate or momentum curve a config would produce, without training.

    python tools/visualizations/vis_scheduler.py CONFIG [-p lr|momentum]
        [-d DATASET_SIZE] [-n NGPUS] [-s SAVE_PATH] [--title TITLE]
        [--style STYLE] [--window-size W*H] [--cfg-options KEY=VALUE ...]

The schedulers of ``param_scheduler`` are built over a
one-parameter dummy optimizer and stepped exactly as the training loop's
scheduler hook steps them (per iteration for ``by_epoch=False``, per epoch
otherwise); the value of the first param group is recorded at every
iteration.  ``--dataset-size`` skips building the dataset, which is otherwise
needed to know the number of iterations per epoch.  Metric-driven schedulers
(``ReduceOnPlateau*``) keep their value: there is no validation to feed them.
"""
from __future__ import annotations

import argparse
import math
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from mmcls.config import Config, DictAction  # torch-free: --help stays fast

PARAMETERS = ('lr', 'momentum')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Visualize the learning rate or momentum schedule of a config '
                    '(no training is run)')
    parser.add_argument('config', help='config file path')
    parser.add_argument('-p', '--parameter', choices=PARAMETERS, default='lr',
                        help='the parameter to plot (default: lr)')
    parser.add_argument('-d', '--dataset-size', type=int,
                        help='dataset size; given, the dataset is not built')
    parser.add_argument('-n', '--ngpus', type=int, default=1,
                        help='number of GPUs used in training (default: 1)')
    parser.add_argument('-s', '--save-path', help='save the figure here (default: show it)')
    parser.add_argument('--title', help='figure title (default: the config file name)')
    parser.add_argument('--style', default='whitegrid',
                        help='plot style, a seaborn style name such as whitegrid or any '
                             'matplotlib style (default: whitegrid)')
    parser.add_argument('--window-size', default='12*7',
                        help="figure size in inches as 'W*H' (default: 12*7)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. param_scheduler.0.end=10')
    args = parser.parse_args(argv)
    if args.ngpus < 1:
        parser.error(f'--ngpus must be >= 1, got {args.ngpus}')
    if args.dataset_size is not None and args.dataset_size < 1:
        parser.error(f'--dataset-size must be >= 1, got {args.dataset_size}')
    try:
        parse_window_size(args.window_size)
    except ValueError as e:
        parser.error(str(e))
    return args


def parse_window_size(text: str) -> Tuple[float, float]:
    """``'12*7'`` -> ``(12.0, 7.0)``."""
    parts = text.split('*')
    try:
        width, height = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"--window-size must look like 'W*H' (e.g. 12*7), got {text!r}") \
            from None
    if width <= 0 or height <= 0:
        raise ValueError(f'--window-size must be positive, got {text!r}')
    return width, height


@dataclass
class ScheduleTrace:
    """The simulated curve: one value per training iteration."""
    values: List[float]
    iters_per_epoch: int
    by_epoch: bool
    max_epochs: Optional[int]
    max_iters: int


def training_length(cfg) -> Tuple[bool, Optional[int], Optional[int]]:
    """``(by_epoch, max_epochs, max_iters)`` from ``train_cfg``."""
    train_cfg = cfg.get('train_cfg') or {}
    loop_type = str(train_cfg.get('type', ''))
    by_epoch = train_cfg.get('by_epoch', 'Iter' not in loop_type)
    if by_epoch:
        if train_cfg.get('max_epochs') is None:
            raise KeyError('train_cfg.max_epochs is needed for an epoch-based schedule')
        return True, int(train_cfg['max_epochs']), None
    if train_cfg.get('max_iters') is None:
        raise KeyError('train_cfg.max_iters is needed for an iteration-based schedule')
    return False, None, int(train_cfg['max_iters'])


def dataset_length(cfg) -> int:
    """Number of training samples, by building ``train_dataloader.dataset``."""
    from mmcls.registry import DATASETS
    dataset_cfg = cfg.get('train_dataloader', {}).get('dataset')
    if dataset_cfg is None:
        raise KeyError('train_dataloader.dataset is missing; pass --dataset-size instead')
    return len(DATASETS.build(dataset_cfg))


def simulate_schedule(cfg, parameter: str = 'lr', dataset_size: Optional[int] = None,
                      ngpus: int = 1) -> ScheduleTrace:
    """Step ``cfg.param_scheduler`` over a dummy optimizer; record ``parameter`` per iteration.

    ``cfg`` is a :class:`Config` or a plain dict with ``optim_wrapper``,
    ``param_scheduler``, ``train_cfg`` and ``train_dataloader.batch_size``.
    """
    import torch

    from mmcls.engine.optimizers import build_optim_wrapper
    from mmcls.engine.schedulers import build_param_schedulers

    if parameter not in PARAMETERS:
        raise ValueError(f'parameter must be one of {PARAMETERS}, got {parameter!r}')
    by_epoch, max_epochs, max_iters = training_length(cfg)
    batch_size = cfg['train_dataloader']['batch_size'] * ngpus
    if dataset_size is None:
        dataset_size = dataset_length(cfg)
    iters_per_epoch = math.ceil(dataset_size / batch_size)
    if by_epoch:
        max_iters = max_epochs * iters_per_epoch

    # The schedule is independent of the model, the wrapper type and paramwise options:
    # plot the optimizer's own (base) values on a single parameter.
    optimizer_cfg = dict(cfg['optim_wrapper']['optimizer'])
    optim_wrapper = build_optim_wrapper(torch.nn.Linear(1, 1, bias=False),
                                        dict(type='OptimWrapper', optimizer=optimizer_cfg))
    schedulers = build_param_schedulers(cfg.get('param_scheduler'), optim_wrapper,
                                        iters_per_epoch, max_epochs=max_epochs,
                                        max_iters=max_iters)
    read = {'lr': optim_wrapper.get_lr, 'momentum': optim_wrapper.get_momentum}[parameter]
    values = []
    for it in range(max_iters):
        values.append(float(read()[parameter][0]))
        for scheduler in schedulers:
            if not scheduler.by_epoch:
                scheduler.step()
        if by_epoch and (it + 1) % iters_per_epoch == 0:
            for scheduler in schedulers:
                if scheduler.by_epoch and not getattr(scheduler, 'need_val_args', False):
                    scheduler.step()
    return ScheduleTrace(values, iters_per_epoch, by_epoch, max_epochs, max_iters)


def apply_style(plt, style: Optional[str]) -> None:
    """Use a matplotlib style; seaborn names (``whitegrid``) map to matplotlib's copies."""
    if not style:
        return
    available = plt.style.available
    for name in (style, f'seaborn-v0_8-{style}', f'seaborn-{style}'):
        if name in available:
            plt.style.use(name)
            return
    raise ValueError(f'unknown --style {style!r}; available: {", ".join(sorted(available))}')


def plot_curve(trace: ScheduleTrace, parameter: str, title: str,
               style: Optional[str] = 'whitegrid', window_size: str = '12*7'):
    """Draw the curve on a new figure (iterations on the x axis, epochs too if epoch-based)."""
    import matplotlib.pyplot as plt

    apply_style(plt, style)
    fig, ax = plt.subplots(figsize=parse_window_size(window_size))
    ax.plot(range(len(trace.values)), trace.values, linewidth=1)
    if trace.by_epoch:
        per_epoch = trace.iters_per_epoch
        ax.xaxis.tick_top()
        ax.set_xlabel('Iters')
        ax.xaxis.set_label_position('top')
        epochs = ax.secondary_xaxis('bottom', functions=(lambda x: x / per_epoch,
                                                         lambda y: y * per_epoch))
        epochs.set_xlabel('Epochs')
    else:
        ax.set_xlabel('Iters')
    ax.set_ylabel(parameter)
    ax.set_title(title)
    fig.tight_layout()  # keep the title clear of the top (iterations) axis
    return fig


def main(argv: Optional[Sequence[str]] = None) -> ScheduleTrace:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    trace = simulate_schedule(cfg, args.parameter, args.dataset_size, args.ngpus)
    title = args.title or f'{osp.basename(args.config)} {args.parameter} curve'
    unit = 'epochs' if trace.by_epoch else 'iters'
    length = trace.max_epochs if trace.by_epoch else trace.max_iters
    print(f'{args.parameter}: {length} {unit}, {trace.iters_per_epoch} iters per epoch, '
          f'from {trace.values[0]:.6g} to {trace.values[-1]:.6g}')

    import matplotlib
    if args.save_path:
        matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig = plot_curve(trace, args.parameter, title, args.style, args.window_size)
    if args.save_path:
        fig.savefig(args.save_path)
        print(f'The {args.parameter} curve is saved at {args.save_path}')
    else:
        plt.show()
    plt.close(fig)
    return trace
