"""Engine overhead: ``Runner.train()`` vs a hand-written PyTorch loop (target ratio >= 0.95).

Both train the same small CNN on the same in-memory dataset with the same
batch size, SGD settings and DataLoader; the runner adds its hooks (timer,
logger, runtime info, parameter scheduler, sampler seed), message hub and
optimizer wrapper.  Checkpointing and validation are off so the number is the
per-iteration cost of the engine.  Runs alternate and the best of
``--repeats`` is kept for each side (every repeat is printed).  CPU time is
printed too: on a shared machine it is the steadier measure of the work each
side does; under heavy load both still vary by ~10-20% between repeats.

    python benchmarks/engine_overhead.py [--iters 200] [--batch-size 32] [--device cpu]
"""
import argparse
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iters', type=int, default=200, help='training iterations per run')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--image-size', type=int, default=32)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--threads', type=int, default=1, help='torch CPU threads')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    return parser.parse_args()


class StackPreprocessor(nn.Module):
    """Stack the pseudo-collated samples and move them to the model's device."""

    def __init__(self):
        super().__init__()
        self._device = torch.device('cpu')

    def forward(self, data, training=False):
        inputs = torch.stack(data['inputs']).to(self._device, non_blocking=True)
        labels = torch.as_tensor(data['data_samples']).to(self._device, non_blocking=True)
        return dict(inputs=inputs, data_samples=labels)


def build_model():
    from mmcls.models.base_model import BaseModel

    class SmallCNN(BaseModel):
        def __init__(self):
            super().__init__(data_preprocessor=StackPreprocessor())
            self.features = nn.Sequential(
                nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
                nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                nn.Conv2d(64, 64, 3, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                nn.AdaptiveAvgPool2d(1), nn.Flatten())
            self.head = nn.Linear(64, 10)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            logits = self.head(self.features(inputs))
            if mode == 'loss':
                return dict(loss=F.cross_entropy(logits, data_samples))
            return logits

    return SmallCNN()


class InMemoryDataset(torch.utils.data.Dataset):
    def __init__(self, size, image_size):
        generator = torch.Generator().manual_seed(0)
        self.images = torch.randn(size, 3, image_size, image_size, generator=generator)
        self.labels = torch.randint(0, 10, (size, ), generator=generator).tolist()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return dict(inputs=self.images[idx], data_samples=self.labels[idx])


def _sync(device):
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def hand_written(dataset, args):
    from mmcls.datasets.collate import pseudo_collate
    torch.manual_seed(0)
    model = build_model().to(args.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True,
                                         collate_fn=pseudo_collate)
    model.train()
    done = 0
    _sync(args.device)
    start, cpu_start = time.perf_counter(), time.process_time()
    while done < args.iters:
        for batch in loader:
            data = model.data_preprocessor(batch, True)
            logits = model(data['inputs'])
            loss = F.cross_entropy(logits, data['data_samples'])
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            done += 1
            if done == args.iters:
                break
    _sync(args.device)
    return time.perf_counter() - start, time.process_time() - cpu_start


def with_runner(dataset, args):
    from mmcls.runner import Runner
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as work_dir:
        runner = Runner(
            model=build_model(), work_dir=work_dir,
            train_dataloader=dict(dataset=dataset, batch_size=args.batch_size, num_workers=0,
                                  sampler=dict(type='DefaultSampler', shuffle=True)),
            train_cfg=dict(by_epoch=False, max_iters=args.iters),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9,
                                              weight_decay=1e-4)),
            default_hooks=dict(checkpoint=None, logger=dict(type='LoggerHook', interval=50)),
            log_level='WARNING', randomness=dict(seed=0))
        _sync(args.device)
        start, cpu_start = time.perf_counter(), time.process_time()
        runner.train()
        _sync(args.device)
        return time.perf_counter() - start, time.process_time() - cpu_start


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    dataset = InMemoryDataset(args.batch_size * 20, args.image_size)
    hand_times, runner_times = [], []
    with_runner(dataset, args)  # warm-up: first-use imports and allocator growth
    for i in range(args.repeats):
        # Alternate the order so slow drifts of a shared machine hit both sides.
        if i % 2:
            runner_times.append(with_runner(dataset, args))
            hand_times.append(hand_written(dataset, args))
        else:
            hand_times.append(hand_written(dataset, args))
            runner_times.append(with_runner(dataset, args))
    for i, (h, r) in enumerate(zip(hand_times, runner_times)):
        print(f'repeat {i}: hand {h[0]:.3f} s / {h[1]:.3f} s CPU, runner {r[0]:.3f} s / '
              f'{r[1]:.3f} s CPU')
    (hand, hand_cpu), (runner, runner_cpu) = _best(hand_times), _best(runner_times)
    print(f'device={args.device} threads={args.threads} iters={args.iters} '
          f'batch={args.batch_size} image={args.image_size}')
    print(f'hand-written loop: {hand:.3f} s wall, {hand_cpu:.3f} s CPU ({args.iters / hand:.1f} it/s)')
    print(f'Runner.train():    {runner:.3f} s wall, {runner_cpu:.3f} s CPU '
          f'({args.iters / runner:.1f} it/s)')
    print(f'throughput ratio (runner / hand-written): wall {hand / runner:.3f}, '
          f'CPU {hand_cpu / runner_cpu:.3f} (target >= 0.95)')


def _best(times):
    """Best wall time and best CPU time over the repeats (CPU time ignores other processes)."""
    return min(t[0] for t in times), min(t[1] for t in times)

if __name__ == '__main__':
    main()
