"""Train LeNet-5 and a small ResNet on the full Fashion-MNIST, then check kill -9 + ``--resume``.

For each model it runs, with ``tools/train.py``/``tools/test.py`` as separate
processes and ``randomness=dict(seed=0, deterministic=True)``:

1. an uninterrupted training run, timed (wall time, training images/s), then
   ``tools/test.py`` on the 10k test images: top-1 must reach the target
   (LeNet-5 >= 89 %, ResNet >= 92 %);
2. the same run killed with SIGKILL during the epoch after the mid-way
   checkpoint, then restarted with ``--resume``: its final checkpoint must
   hold bit-identical weights and give the same test accuracy.

Usage: ``python benchmarks/train_fashion_mnist.py [--models lenet resnet] [--epochs N]``.
Results are printed and written to ``<work-dir>/summary.json``; the exit code
is 1 when a check fails.
"""
import argparse
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MODELS = {
    'lenet': dict(config='configs/lenet/lenet5_fashion-mnist.py', target=89.0),
    'resnet': dict(config='configs/resnet/resnet18-w16_fashion-mnist.py', target=92.0),
}
TRAIN_IMAGES = 60000
DETERMINISTIC = ['randomness.seed=0', 'randomness.deterministic=True']


def train_command(config: str, work_dir: str, options: list, resume: bool = False) -> list:
    command = [sys.executable, 'tools/train.py', config, '--work-dir', work_dir]
    if resume:
        command.append('--resume')
    return command + ['--cfg-options', *DETERMINISTIC, *options]


def run(command: list, env: dict, log_path: str) -> float:
    """Run ``command`` in the repository root, output to ``log_path``; return its wall time."""
    start = time.perf_counter()
    with open(log_path, 'w') as log:
        completed = subprocess.run(command, cwd=REPO, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    if completed.returncode != 0:
        sys.exit(f'{" ".join(command)} failed ({completed.returncode}); see {log_path}')
    return time.perf_counter() - start


def test_accuracy(config: str, checkpoint: str, work_dir: str, env: dict) -> float:
    """Top-1 of ``checkpoint`` on the test set, from ``tools/test.py --out``."""
    out = osp.join(work_dir, 'test_metrics.json')
    run([sys.executable, 'tools/test.py', config, checkpoint, '--work-dir', work_dir,
         '--out', out, '--out-item', 'metrics'], env, osp.join(work_dir, 'test.out'))
    with open(out) as f:
        return float(json.load(f)['accuracy/top1'])


def kill_mid_way(command: list, env: dict, work_dir: str, kill_epoch: int, log_path: str) -> None:
    """Start training and SIGKILL it shortly after ``epoch_<kill_epoch>.pth`` appears."""
    checkpoint = osp.join(work_dir, f'epoch_{kill_epoch}.pth')
    with open(log_path, 'w') as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        while not osp.exists(checkpoint):
            if process.poll() is not None:
                sys.exit(f'training ended ({process.returncode}) before {checkpoint}; '
                         f'see {log_path}')
            time.sleep(0.2)
        time.sleep(3.0)  # well into the next epoch
        if process.poll() is not None:
            sys.exit('training finished before it could be killed; use more epochs')
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def same_weights(path_a: str, path_b: str) -> bool:
    import torch
    a = torch.load(path_a, map_location='cpu', weights_only=True)['state_dict']
    b = torch.load(path_b, map_location='cpu', weights_only=True)['state_dict']
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def benchmark(name: str, args, env: dict) -> dict:
    spec = MODELS[name]
    config = spec['config']
    root = osp.join(osp.abspath(args.work_dir), name)
    full_dir, resume_dir = osp.join(root, 'full'), osp.join(root, 'resumed')
    os.makedirs(full_dir, exist_ok=True)
    os.makedirs(resume_dir, exist_ok=True)
    options = [f'train_cfg.max_epochs={args.epochs}'] if args.epochs else []
    if args.num_workers is not None:
        options += [f'{split}_dataloader.num_workers={args.num_workers}'
                    for split in ('train', 'val', 'test')]
    from mmcls.config import Config
    epochs = args.epochs or Config.fromfile(osp.join(REPO, config)).train_cfg.max_epochs

    print(f'[{name}] training {epochs} epochs ({config})', flush=True)
    wall = run(train_command(config, full_dir, options), env, osp.join(full_dir, 'train.out'))
    final = osp.join(full_dir, f'epoch_{epochs}.pth')
    accuracy = test_accuracy(config, final, full_dir, env)
    result = dict(model=name, config=config, epochs=epochs, train_wall_s=round(wall, 1),
                  train_images_per_s=round(epochs * TRAIN_IMAGES / wall, 1),
                  top1=accuracy, target=spec['target'], reaches_target=accuracy >= spec['target'])
    print(f'[{name}] top-1 {accuracy:.2f} % (target {spec["target"]}), {wall:.0f} s, '
          f'{result["train_images_per_s"]} images/s', flush=True)
    if args.skip_resume:
        return result

    kill_epoch = max(1, epochs // 2)
    command = train_command(config, resume_dir, options)
    kill_mid_way(command, env, resume_dir, kill_epoch, osp.join(resume_dir, 'killed.out'))
    print(f'[{name}] killed with SIGKILL during epoch {kill_epoch + 1}; resuming', flush=True)
    run(train_command(config, resume_dir, options, resume=True), env,
        osp.join(resume_dir, 'resumed.out'))
    resumed_final = osp.join(resume_dir, f'epoch_{epochs}.pth')
    resumed_accuracy = test_accuracy(config, resumed_final, resume_dir, env)
    result.update(killed_in_epoch=kill_epoch + 1, resumed_top1=resumed_accuracy,
                  resume_same_accuracy=resumed_accuracy == accuracy,
                  resume_bit_identical=same_weights(final, resumed_final))
    print(f'[{name}] resumed: top-1 {resumed_accuracy:.2f} %, bit-identical weights: '
          f'{result["resume_bit_identical"]}', flush=True)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', nargs='+', choices=sorted(MODELS), default=['lenet', 'resnet'])
    parser.add_argument('--epochs', type=int, default=None,
                        help='override the epochs of the configs (a quick run misses the targets)')
    parser.add_argument('--work-dir', default=osp.join(REPO, 'work_dirs', 'bench_fashion_mnist'))
    parser.add_argument('--skip-resume', action='store_true', help='skip the kill/resume check')
    parser.add_argument('--num-workers', type=int, default=None,
                        help='override the dataloader workers of the configs')
    parser.add_argument('--threads', type=int, default=None,
                        help='OMP_NUM_THREADS of the training processes')
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if args.threads is not None:
        env['OMP_NUM_THREADS'] = str(args.threads)
    results = [benchmark(name, args, env) for name in args.models]
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'summary.json'), 'w') as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))
    checks = [k for r in results for k in ('reaches_target', 'resume_same_accuracy',
                                            'resume_bit_identical') if r.get(k) is False]
    return 1 if checks else 0


if __name__ == '__main__':
    sys.exit(main())
