"""GPU training throughput: ``Runner.train()`` vs a hand-written PyTorch loop (and timm).

For ResNet-50 and ViT-B/16 at 224 and every speed switch (``fp32``, ``amp``,
``amp+cl`` = + channels-last, ``amp+cl+compile`` = + ``torch.compile``), three
sides train with SGD on the same data:

* ``runner``: ``Runner.train()`` with ``optim_wrapper`` ``OptimWrapper`` or
  ``AmpOptimWrapper``, ``channels_last=True``, ``compile=...``, its default hooks
  (checkpoints off) and a dataloader built from a config dict;
* ``hand``: the same mmcls model in a plain loop (``torch.autocast``,
  ``model.to(memory_format=channels_last)``, ``model.compile()``, a plain
  ``DataLoader``);
* ``timm``: timm's model of the same network in the same plain loop, when timm
  is installed (else its column reads "-" and a line says so).

Data is ``synthetic`` (random uint8 images in memory, the output of
``PackClsInputs``) and ``jpeg`` (generated JPEG files through ``LoadImageFromFile``,
``RandomResizedCrop``, ``RandomFlip`` and ``PackClsInputs`` in ``--workers``
worker processes).  Images per second are measured after ``--warmup`` steps
(compilation happens there) over ``--steps`` steps, with a device sync at both ends.

    python benchmarks/gpu_train.py [--models resnet50 vit-b16] [--data synthetic jpeg]
        [--modes fp32 amp amp+cl amp+cl+compile] [--batch-size 128] [--workers 8]
    python benchmarks/gpu_train.py --cpu-smoke   # tiny models; automatic without CUDA
"""
import argparse
import itertools
import os.path as osp
import sys
import tempfile

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import gpu_common as common  # noqa: E402

DATA_KINDS = ('synthetic', 'jpeg')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_common_args(parser, default_batch=128)
    parser.add_argument('--data', nargs='+', default=list(DATA_KINDS), choices=DATA_KINDS)
    parser.add_argument('--workers', type=int, default=8, help='dataloader workers for jpeg')
    parser.add_argument('--jpeg-count', type=int, default=512, help='JPEG files to generate')
    parser.add_argument('--lr', type=float, default=0.01)
    args = parser.parse_args(argv)
    common.apply_smoke(args)
    if args.cpu_smoke:
        args.workers, args.jpeg_count = 0, 8
    return args


class _Throughput:
    """A Runner hook feeding a :class:`common.Timer` after every training iteration."""
    priority = 'LOWEST'

    def __init__(self, timer):
        self.timer = timer

    def __getattr__(self, name):
        if name.startswith(('before_', 'after_')):
            return lambda *args, **kwargs: None
        raise AttributeError(name)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.timer.step_done(runner.iter + 1)


def _loader_kwargs(args, kind):
    workers = args.workers if kind == 'jpeg' else 0
    return dict(batch_size=args.batch_size, num_workers=workers,
                pin_memory=args.device.startswith('cuda'), persistent_workers=workers > 0,
                drop_last=True)


def _dataset(args, kind, jpeg_dir, as_cfg):
    if kind == 'synthetic':
        return common.SyntheticImages(args.batch_size * 4, args.image_size)
    cfg = common.jpeg_dataset_cfg(jpeg_dir, args.image_size, train=True)
    if as_cfg:
        return cfg
    from mmcls.registry import DATASETS
    return DATASETS.build(cfg)


def run_runner(args, name, kind, mode, jpeg_dir):
    from mmcls.runner import Runner
    switches = common.parse_mode(mode)
    timer = common.Timer(args.device, args.warmup, args.steps, args.batch_size)
    optimizer = dict(type='SGD', lr=args.lr, momentum=0.9, weight_decay=1e-4)
    optim_wrapper = dict(type='AmpOptimWrapper', dtype=args.amp_dtype, optimizer=optimizer) \
        if switches['amp'] else dict(optimizer=optimizer)
    model = common.build_model(name, args.image_size, args.cpu_smoke, args.device)
    torch._dynamo.reset()  # each measurement compiles from scratch
    with tempfile.TemporaryDirectory() as work_dir:
        runner = Runner(
            model=model, work_dir=work_dir,
            train_dataloader=dict(dataset=_dataset(args, kind, jpeg_dir, as_cfg=True),
                                  sampler=dict(type='DefaultSampler', shuffle=True),
                                  **_loader_kwargs(args, kind)),
            train_cfg=dict(by_epoch=False, max_iters=args.warmup + args.steps),
            optim_wrapper=optim_wrapper,
            default_hooks=dict(checkpoint=None, logger=dict(type='LoggerHook', interval=1000)),
            custom_hooks=[_Throughput(timer)], log_level='WARNING',
            env_cfg=dict(cudnn_benchmark=True), randomness=dict(seed=0),
            channels_last=switches['channels_last'],
            compile=common.compile_kwargs(args) if switches['compile'] else False)
        runner.train()
    return timer.images_per_second


def _mmcls_loss(model):
    def forward_loss(batch):
        data = model.data_preprocessor(batch, True)
        losses = model(**data, mode='loss')
        return sum(v for k, v in losses.items() if 'loss' in k)
    return forward_loss


def _timm_loss(model, preprocessor):
    def forward_loss(batch):
        data = preprocessor(batch, True)
        labels = torch.cat([s.gt_label.label for s in data['data_samples']]).to(
            data['inputs'].device)
        return torch.nn.functional.cross_entropy(model(data['inputs']), labels)
    return forward_loss


def hand_loop(args, model, forward_loss, kind, mode, jpeg_dir, preprocessor=None):
    """The plain PyTorch loop; ``forward_loss(batch)`` returns the loss of a collated batch."""
    from mmcls.datasets.collate import pseudo_collate
    switches = common.parse_mode(mode)
    torch.backends.cudnn.benchmark = True
    if switches['channels_last']:
        model.to(memory_format=torch.channels_last)
        for pre in (getattr(model, 'data_preprocessor', None), preprocessor):
            if pre is not None:
                pre.channels_last = True
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9,
                                weight_decay=1e-4)
    if switches['compile']:
        torch._dynamo.reset()
        model.compile(**common.compile_kwargs(args))
    loader = torch.utils.data.DataLoader(_dataset(args, kind, jpeg_dir, as_cfg=False),
                                         shuffle=True, collate_fn=pseudo_collate,
                                         **_loader_kwargs(args, kind))
    # float16 needs loss scaling, as AmpOptimWrapper does it; bfloat16 does not
    scaler = torch.amp.GradScaler(torch.device(args.device).type,
                                  enabled=switches['amp'] and args.amp_dtype == 'float16')
    timer = common.Timer(args.device, args.warmup, args.steps, args.batch_size)
    model.train()
    batches = itertools.chain.from_iterable(itertools.repeat(loader))
    for done, batch in enumerate(itertools.islice(batches, timer.total), start=1):
        with common.autocast(args.device, switches['amp'], args.amp_dtype):
            loss = forward_loss(batch)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        timer.step_done(done)
    return timer.images_per_second


def run_hand(args, name, kind, mode, jpeg_dir):
    model = common.build_model(name, args.image_size, args.cpu_smoke, args.device)
    return hand_loop(args, model, _mmcls_loss(model), kind, mode, jpeg_dir)


def run_timm(args, name, kind, mode, jpeg_dir):
    model = common.timm_model(name, args.image_size, args.cpu_smoke, args.device)
    if model is None:
        return None
    preprocessor = common.build_preprocessor(args.device)
    return hand_loop(args, model, _timm_loss(model, preprocessor), kind, mode, jpeg_dir,
                     preprocessor)


def main(argv=None):
    args = parse_args(argv)
    print('gpu_train:', common.describe(args))
    if not common.timm_available():
        print('timm is not installed: the timm column is skipped')
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        jpeg_dir = None
        if 'jpeg' in args.data:
            jpeg_dir = common.write_jpegs(osp.join(tmp, 'jpeg'), args.jpeg_count,
                                          args.image_size * 8 // 7 + 32, args.image_size * 3 // 2)
        for name, kind, mode in itertools.product(args.models, args.data, args.modes):
            runner = run_runner(args, name, kind, mode, jpeg_dir)
            hand = run_hand(args, name, kind, mode, jpeg_dir)
            timm = run_timm(args, name, kind, mode, jpeg_dir)
            rows.append([name, kind, mode, runner, hand, timm])
            common.release_memory()
            print(f'  {name} {kind} {mode}: runner {runner:.1f} img/s, hand {hand:.1f} img/s',
                  flush=True)
    columns = ['model', 'data', 'mode', 'runner img/s', 'hand img/s', 'timm img/s',
               'runner/hand', 'timm/hand', 'hand/hand fp32']
    fp32 = {(r[0], r[1]): r[4] for r in rows if r[2] == 'fp32'}
    table = [[r[0], r[1], r[2], common.fmt_rate(r[3]), common.fmt_rate(r[4]),
              common.fmt_rate(r[5]), common.fmt_ratio(r[3], r[4]), common.fmt_ratio(r[5], r[4]),
              common.fmt_ratio(r[4], fp32.get((r[0], r[1])))] for r in rows]
    common.print_table('training throughput (images/s; ratios > 1: the left side is faster)',
                       columns, table)
    for r in rows:
        print(f'ratio runner/hand {r[0]} {r[1]} {r[2]}: {common.fmt_ratio(r[3], r[4])}')


if __name__ == '__main__':
    main()
