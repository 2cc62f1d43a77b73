"""What ``make demo`` runs: train, test and use LeNet-5 on the bundled Fashion-MNIST subset.

1. ``tools/train.py configs/lenet/lenet5_fashion-mnist-subset.py`` (10 short epochs);
2. ``tools/test.py`` on the 1000 test images, drawing every 100th prediction;
3. ``demo/image_demo.py`` on one bundled test image;
then prints where the logs, checkpoints and drawings are.  Each step runs as
its own process, exactly as a user would type it.  Takes about a minute on
two CPU cores.
"""
import argparse
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join('configs', 'lenet', 'lenet5_fashion-mnist-subset.py')
DEMO_IMAGE = osp.join('demo', 'data', 'fashion-mnist-subset', 'test', 'Sneaker', '00012.png')


def run_step(title: str, args: list, env: dict) -> None:
    """Run ``python args...`` in the repository root; stop the demo if it fails."""
    print(f'\n=== {title}\n$ python {" ".join(args)}', flush=True)
    start = time.perf_counter()
    completed = subprocess.run([sys.executable, *args], cwd=REPO, env=env)
    if completed.returncode != 0:
        sys.exit(f'demo step "{title}" failed with exit code {completed.returncode}')
    print(f'--- {title}: done in {time.perf_counter() - start:.1f} s', flush=True)


def latest_checkpoint(work_dir: str) -> str:
    """The checkpoint that ``work_dir/last_checkpoint`` names."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        sys.exit(f'training wrote no {marker}; see the log in {work_dir}')
    with open(marker, encoding='utf-8') as file:
        return file.read().strip()


def newest_log_dir(work_dir: str) -> str:
    """The newest ``<timestamp>`` run folder of ``work_dir``."""
    runs = sorted(name for name in os.listdir(work_dir)
                  if osp.isdir(osp.join(work_dir, name)) and name[:8].isdigit())
    return osp.join(work_dir, runs[-1]) if runs else work_dir


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'demo'),
                        help='where the run is written (relative to the repository root)')
    parser.add_argument('--epochs', type=int, default=None,
                        help='override the number of training epochs of the config')
    args = parser.parse_args(argv)

    work_dir = osp.join(REPO, args.work_dir)
    env = dict(os.environ)
    # One BLAS thread: LeNet-5 is tiny, and extra threads only contend on small/busy machines.
    env.setdefault('OMP_NUM_THREADS', '1')
    env.setdefault('CUDA_VISIBLE_DEVICES', '')  # the demo is a CPU demo
    train_args = ['tools/train.py', CONFIG, '--work-dir', work_dir]
    if args.epochs is not None:
        train_args += ['--cfg-options', f'train_cfg.max_epochs={args.epochs}']
    start = time.perf_counter()
    run_step('Train LeNet-5 on the bundled Fashion-MNIST subset', train_args, env)
    checkpoint = latest_checkpoint(work_dir)
    train_log_dir = newest_log_dir(work_dir)
    test_vis = osp.join(work_dir, 'test_predictions')
    run_step('Test the trained model on the 1000 test images',
             ['tools/test.py', CONFIG, checkpoint, '--work-dir', work_dir,
              '--show-dir', test_vis, '--interval', '100'], env)
    demo_vis = osp.join(work_dir, 'image_demo')
    run_step('Classify one image', ['demo/image_demo.py', DEMO_IMAGE, CONFIG, checkpoint,
                                    '--device', 'cpu', '--show-dir', demo_vis,
                                    '--rescale-factor', '8'], env)

    print(f'\nDemo finished in {time.perf_counter() - start:.0f} s. Outputs:\n'
          f'  work dir (config dump, checkpoints): {work_dir}\n'
          f'  last checkpoint:                     {checkpoint}\n'
          f'  training log:                        {train_log_dir}\n'
          f'  training scalars (JSON lines):       '
          f'{osp.join(train_log_dir, "vis_data", "scalars.json")}\n'
          f'  drawn test predictions:              {test_vis}\n'
          f'  drawn image_demo prediction:         {demo_vis}')


if __name__ == '__main__':
    main()
