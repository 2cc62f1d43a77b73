"""Train the toy model in a fresh process (used by the kill/resume and DDP tests).

``--kill-at-iter N`` sends SIGKILL to this process after training iteration N,
like a machine failure mid-epoch.
"""
import argparse
import os
import signal
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from runner_toys import ToyModel, loader_cfg, runner_kwargs  # noqa: E402

from mmcls.engine.hooks.hook import Hook  # noqa: E402
from mmcls.runner import Runner  # noqa: E402


class KillHook(Hook):
    priority = 'LOWEST'

    def __init__(self, at_iter: int):
        self.at_iter = at_iter

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.at_iter:
            os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('work_dir')
    parser.add_argument('--max-epochs', type=int, default=4)
    parser.add_argument('--kill-at-iter', type=int)
    parser.add_argument('--resume', action='store_true')
    parser.add_argument('--launcher', default='none')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--workers', type=int, default=0,
                        help='dataloader workers; with workers the dataset adds random jitter')
    parser.add_argument('--plain-data', action='store_true',
                        help='unshuffled data, no validation, constant lr (DDP comparison)')
    parser.add_argument('--no-dropout', action='store_true')
    args = parser.parse_args()
    torch.set_num_threads(1)
    kwargs = runner_kwargs(args.work_dir, max_epochs=args.max_epochs, resume=args.resume,
                           launcher=args.launcher)
    if args.workers:
        kwargs['train_dataloader'] = loader_cfg(num_workers=args.workers, jitter=0.1)
    if args.no_dropout:
        kwargs['model'] = ToyModel(dropout=0.0)
        kwargs['model'].data_preprocessor.noise = 0.0
    if args.plain_data:
        kwargs.pop('val_dataloader'), kwargs.pop('val_cfg'), kwargs.pop('val_evaluator')
        kwargs['train_dataloader'] = loader_cfg(batch_size=args.batch_size, shuffle=False)
        kwargs['param_scheduler'] = None
    if args.kill_at_iter:
        kwargs['custom_hooks'] = [KillHook(args.kill_at_iter)]
    Runner(**kwargs).train()


if __name__ == '__main__':
    main()
