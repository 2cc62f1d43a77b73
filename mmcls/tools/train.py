"""Train a model from a config: ``python tools/train.py CONFIG [options]``.

Works on CPU (``CUDA_VISIBLE_DEVICES=-1``) and GPU; multi-GPU through
``tools/dist_train.sh`` (torchrun) or ``tools/slurm_train.sh``.  ``--help``
answers without importing torch.
"""
import argparse
import os

from ._common import apply_run_args, build_runner


def parse_args(argv=None) -> argparse.Namespace:
    from mmcls.config import DictAction
    parser = argparse.ArgumentParser(description='Train a classifier')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models '
                        '(default: ./work_dirs/<config name>)')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from the checkpoint PATH, or from the latest checkpoint of '
                        'the work dir when no path is given')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic mixed precision training (bfloat16 where the '
                        'device supports it, else float16 with loss scaling)')
    parser.add_argument('--amp-dtype', choices=['float16', 'bfloat16'], default=None,
                        help='with --amp: the autocast dtype (sets optim_wrapper.dtype)')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate checkpoints during training (not suggested)')
    parser.add_argument('--auto-scale-lr', '--auto-scale', dest='auto_scale_lr',
                        action='store_true',
                        help='scale the lr by the real batch size / auto_scale_lr.base_batch_size')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. "train_cfg.max_epochs=3" '
                        '"model.backbone.depth=18" \'key="[a,b]"\'')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0,
                        help='set by torch.distributed.launch; torchrun uses LOCAL_RANK')
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    """Apply the command-line options to the config."""
    apply_run_args(cfg, args)
    if args.amp:
        wrapper_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper_type not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp needs optim_wrapper.type OptimWrapper or AmpOptimWrapper, '
                             f'the config uses {wrapper_type!r}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        if args.amp_dtype is not None:
            cfg.optim_wrapper.dtype = args.amp_dtype
    elif args.amp_dtype is not None:
        raise ValueError('--amp-dtype needs --amp')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.auto_scale_lr:
        if cfg.get('auto_scale_lr') is None or 'base_batch_size' not in cfg.auto_scale_lr:
            raise KeyError(f'--auto-scale-lr needs auto_scale_lr=dict(base_batch_size=...) in '
                           f'{args.config}')
        cfg.auto_scale_lr.enable = True
    return cfg


def train(cfg) -> None:
    """Build the runner ``cfg`` names and train; the runner is released on return."""
    runner = build_runner(cfg)
    runner.train()


def main(argv=None) -> None:
    args = parse_args(argv)
    from mmcls.config import Config
    cfg = merge_args(Config.fromfile(args.config), args)
    from mmcls.core.launcher import closing_dist
    with closing_dist():
        train(cfg)
