"""K-fold cross-validation: train one model per fold, then summarise.

    python tools/kfold-cross-valid.py CONFIG --num-splits K [--fold F] [--seed S]
        [--work-dir DIR] [--resume] [--amp] [--auto-scale-lr] [--summary]
        [--cfg-options KEY=VALUE ...] [--launcher {none,pytorch,slurm,mpi}]

For fold ``f`` the training dataset of the config is wrapped in
``KFoldDataset(test_mode=False)`` and a copy of it, with the validation
pipeline, in ``KFoldDataset(test_mode=True)`` as the validation dataset.  Each
fold trains in ``WORK_DIR/fold{f}`` and writes its final validation metrics to
``WORK_DIR/fold{f}/fold_result.json``; ``--summary`` (also run after training
all folds) prints every fold's metrics and their mean.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional

__all__ = ['parse_args', 'make_fold_cfg', 'train_fold', 'summarize', 'main']

RESULT_FILE = 'fold_result.json'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmcls.config import DictAction

    parser = argparse.ArgumentParser(description='K-fold cross-validation of a classifier')
    parser.add_argument('config', help='train config file')
    parser.add_argument('--num-splits', type=int, required=True, help='number of folds (K)')
    parser.add_argument('--fold', type=int, default=None,
                        help='train only this fold (default: every fold, one after another)')
    parser.add_argument('--seed', type=int, default=None,
                        help='shuffle the samples with this seed before splitting '
                        '(default: keep their order)')
    parser.add_argument('--work-dir', help='root folder of the fold work dirs')
    parser.add_argument('--resume', action='store_true',
                        help='resume each fold from the latest checkpoint of its work dir')
    parser.add_argument('--amp', action='store_true', help='mixed-precision training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the actual batch size')
    parser.add_argument('--summary', action='store_true',
                        help='only summarise the results of the folds already trained')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, KEY=VALUE pairs')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if args.num_splits < 2:
        parser.error('--num-splits must be at least 2')
    if args.fold is not None and not 0 <= args.fold < args.num_splits:
        parser.error(f'--fold must be in [0, {args.num_splits - 1}]')
    return args


def _with_pipeline(dataset_cfg: Dict[str, Any], pipeline: Any) -> Dict[str, Any]:
    """A copy of ``dataset_cfg`` whose innermost dataset uses ``pipeline``."""
    dataset_cfg = copy.deepcopy(dict(dataset_cfg))
    node = dataset_cfg
    while 'pipeline' not in node and isinstance(node.get('dataset'), dict):
        node['dataset'] = dict(node['dataset'])
        node = node['dataset']
    node['pipeline'] = copy.deepcopy(pipeline)
    return dataset_cfg


def _innermost_pipeline(dataset_cfg: Dict[str, Any]) -> Any:
    node = dataset_cfg
    while 'pipeline' not in node and isinstance(node.get('dataset'), dict):
        node = node['dataset']
    return node.get('pipeline', [])


def root_work_dir(cfg: Any, args_work_dir: Optional[str], config_path: str) -> str:
    """``--work-dir``, else the config's ``work_dir``, else ``work_dirs/<config name>``."""
    if args_work_dir:
        return args_work_dir
    if cfg.get('work_dir') if hasattr(cfg, 'get') else None:
        return cfg['work_dir']
    return osp.join('work_dirs', osp.splitext(osp.basename(config_path))[0])


def make_fold_cfg(cfg: Any, fold: int, num_splits: int, seed: Optional[int],
                  work_dir: str) -> Any:
    """A copy of ``cfg`` that trains on the other folds and validates on ``fold``."""
    if 'train_dataloader' not in cfg or 'dataset' not in cfg['train_dataloader']:
        raise KeyError('k-fold cross-validation needs train_dataloader.dataset in the config')
    cfg = copy.deepcopy(cfg)
    train_dataset = copy.deepcopy(dict(cfg['train_dataloader']['dataset']))
    split = dict(type='KFoldDataset', fold=fold, num_splits=num_splits, seed=seed)
    cfg['train_dataloader']['dataset'] = dict(split, dataset=train_dataset, test_mode=False)

    val_loader = cfg.get('val_dataloader') if hasattr(cfg, 'get') else None
    if val_loader:
        val_pipeline = _innermost_pipeline(dict(val_loader['dataset']))
        val_dataset = _with_pipeline(train_dataset, val_pipeline)
        cfg['val_dataloader']['dataset'] = dict(split, dataset=val_dataset, test_mode=True)
    cfg['work_dir'] = osp.join(work_dir, f'fold{fold}')
    return cfg


def train_fold(cfg: Any) -> Dict[str, Any]:
    """Train one fold with the Runner and save its final validation metrics."""
    from mmcls.runner import Runner

    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics: Dict[str, Any] = {}
    if runner.val_loop is not None:
        metrics = {key: _plain(value) for key, value in runner.val_loop.run().items()}
    os.makedirs(cfg['work_dir'], exist_ok=True)
    with open(osp.join(cfg['work_dir'], RESULT_FILE), 'w', encoding='utf-8') as f:
        json.dump(metrics, f, indent=2)
    return metrics


def _plain(value: Any) -> Any:
    if hasattr(value, 'tolist'):
        return value.tolist()
    return value


def summarize(work_dir: str, num_splits: int) -> Dict[str, float]:
    """Print each fold's metrics and the mean of every scalar metric over the folds found."""
    results = {}
    for fold in range(num_splits):
        path = osp.join(work_dir, f'fold{fold}', RESULT_FILE)
        if osp.isfile(path):
            with open(path, encoding='utf-8') as f:
                results[fold] = json.load(f)
    if not results:
        raise SystemExit(f'no {RESULT_FILE} found under {work_dir}/fold*; train the folds first')
    keys = sorted({k for metrics in results.values() for k, v in metrics.items()
                   if isinstance(v, (int, float))})
    means = {key: sum(m[key] for m in results.values() if key in m)
             / sum(1 for m in results.values() if key in m) for key in keys}
    _print_table(results, keys, means, num_splits)
    return means


def _print_table(results: Dict[int, dict], keys: List[str], means: Dict[str, float],
                 num_splits: int) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f'{len(results)}/{num_splits}-fold cross-validation')
    table.add_column('fold')
    for key in keys:
        table.add_column(key, justify='right')
    for fold, metrics in sorted(results.items()):
        table.add_row(str(fold), *[f'{metrics[k]:.4f}' if k in metrics else '-' for k in keys])
    table.add_row('mean', *[f'{means[k]:.4f}' for k in keys])
    Console(width=max(80, 16 * (len(keys) + 1))).print(table)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmcls.config import Config

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    work_dir = root_work_dir(cfg, args.work_dir, args.config)
    if args.summary:
        summarize(work_dir, args.num_splits)
        return 0
    cfg['launcher'] = args.launcher
    if args.resume:
        cfg['resume'] = True
    if args.amp:
        cfg['optim_wrapper']['type'] = 'AmpOptimWrapper'
        cfg['optim_wrapper'].setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or not cfg['auto_scale_lr']:
            raise SystemExit(f'--auto-scale-lr needs auto_scale_lr.base_batch_size in '
                             f'{args.config}')
        cfg['auto_scale_lr']['enable'] = True
    folds = [args.fold] if args.fold is not None else list(range(args.num_splits))
    for fold in folds:
        print(f'===== Fold {fold + 1}/{args.num_splits} =====', flush=True)
        train_fold(make_fold_cfg(cfg, fold, args.num_splits, args.seed, work_dir))
    summarize(work_dir, args.num_splits)
    return 0
