"""Train a tiny ViT for a few iterations, alone or under ``torchrun`` with DDP or FSDP.

Each training iteration's loss is appended to ``work_dir/losses_<tag>_rank<R>.json``;
the test compares the mean over ranks with a single process on the same global batch.
"""
import argparse
import json
import os
import os.path as osp
import sys

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from mmcls.core.launcher import closing_dist, exit_without_finalizing  # noqa: E402
from mmcls.registry import MODELS  # noqa: E402
from mmcls.runner import Runner  # noqa: E402
from mmcls.structures import ClsDataSample  # noqa: E402

IMG, NUM_CLASSES, DATASET_SIZE = 32, 3, 32
WRAPPERS = {
    'none': None,
    'ddp': dict(type='MMDistributedDataParallel'),
    'fsdp': dict(type='FSDP', activation_checkpointing=True),
    'fsdp1': dict(type='FSDP', api='FullyShardedDataParallel'),
    'fsdp_bf16': dict(type='FSDP', mixed_precision=dict(param_dtype='bfloat16',
                                                         reduce_dtype='float32')),
}


class TinyImages(torch.utils.data.Dataset):
    """Random uint8 images with labels, drawn from a fixed seed."""

    def __init__(self, size: int = DATASET_SIZE):
        gen = torch.Generator().manual_seed(7)
        self.images = torch.randint(0, 256, (size, 3, IMG, IMG), dtype=torch.uint8, generator=gen)
        self.labels = torch.randint(0, NUM_CLASSES, (size,), generator=gen)
        self.metainfo = dict(classes=tuple(f'c{i}' for i in range(NUM_CLASSES)))

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, idx: int) -> dict:
        return dict(inputs=self.images[idx],
                    data_samples=ClsDataSample().set_gt_label(int(self.labels[idx])))


def tiny_vit():
    """A 2-layer ViT on 32x32 images with 8x8 patches, initialised from seed 0."""
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='VisionTransformer', img_size=IMG, patch_size=8,
                      arch=dict(embed_dims=16, num_layers=2, num_heads=2,
                                feedforward_channels=32)),
        head=dict(type='VisionTransformerClsHead', num_classes=NUM_CLASSES, in_channels=16,
                  init_cfg=None),
        data_preprocessor=dict(mean=[127.5] * 3, std=[127.5] * 3, to_rgb=False)))
    model.init_weights()
    return model


class LossLog:
    """Record each iteration's loss to a json file (one per rank)."""
    priority = 'NORMAL'

    def __init__(self, path: str):
        self.path = path
        self.losses = []

    def __getattr__(self, name):
        if name.startswith(('before_', 'after_')):
            return lambda *args, **kwargs: None
        raise AttributeError(name)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append(float(outputs['loss'].detach()))
        with open(self.path, 'w', encoding='utf-8') as f:
            json.dump(self.losses, f)

    def after_val_epoch(self, runner, metrics=None):
        if runner.rank == 0:
            print('val:', json.dumps(metrics), flush=True)


def _val_kwargs(batch_size: int) -> dict:
    return dict(val_dataloader=dict(dataset=TinyImages(), batch_size=batch_size, num_workers=0,
                                    sampler=dict(type='DefaultSampler', shuffle=False)),
                val_cfg=dict(), val_evaluator=dict(type='Accuracy'))


def build_runner(work_dir: str, wrapper: str, max_iters: int, batch_size: int,
                 resume: bool = False, tag: str = 'run', load_from=None,
                 val: bool = False, accumulate: int = 1, speed: bool = False) -> Runner:
    torch.set_num_threads(1)
    launcher = 'none' if wrapper == 'none' else 'pytorch'
    runner = Runner(
        model=tiny_vit(), work_dir=work_dir, launcher=launcher,
        train_dataloader=dict(dataset=TinyImages(), batch_size=batch_size, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=False)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters, val_interval=max_iters),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9),
                           clip_grad=dict(max_norm=0.5), accumulative_counts=accumulate),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1, by_epoch=False),
                           logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=1, deterministic=True), resume=resume, log_level='WARNING',
        load_from=load_from, env_cfg=dict(dist_cfg=dict(backend='gloo')),
        model_wrapper_cfg=WRAPPERS[wrapper], **(_val_kwargs(batch_size) if val else {}),
        compile=dict(backend='eager') if speed else False, channels_last=speed)
    rank = runner.rank
    runner.register_hook(LossLog(osp.join(work_dir, f'losses_{tag}_rank{rank}.json')))
    return runner


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('work_dir')
    parser.add_argument('--wrapper', choices=sorted(WRAPPERS), default='none')
    parser.add_argument('--max-iters', type=int, default=3)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--resume', action='store_true')
    parser.add_argument('--tag', default='run')
    parser.add_argument('--export', help='after training, write the full weights here')
    parser.add_argument('--load-from', help='weights to start from (load_from)')
    parser.add_argument('--val', action='store_true', help='validate after the last iteration')
    parser.add_argument('--accumulate', type=int, default=1, help='accumulative_counts')
    parser.add_argument('--speed', action='store_true',
                        help='compile (eager backend) and channels_last')
    args = parser.parse_args()

    with closing_dist():  # after train() returns, so the runner no longer holds the group
        train(args)


def train(args) -> None:
    runner = build_runner(args.work_dir, args.wrapper, args.max_iters, args.batch_size,
                          args.resume, args.tag, args.load_from, args.val, args.accumulate,
                          args.speed)
    runner.train()
    if args.export:
        runner.export_full_state_dict(args.export)
    if runner.rank == 0:
        print('wrapper:', type(runner.model).__name__, flush=True)


if __name__ == '__main__':
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    main()
    exit_without_finalizing()  # the results are on disk; see its docstring
