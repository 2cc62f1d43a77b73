"""Regenerates the PNGs under ``docs/images`` from the project on the bundled demo data.

Trains LeNet-5 for one epoch on ``demo/data/fashion-mnist-subset`` in a scratch folder, then
runs ``tools/`` commands (log curves, LR schedule, confusion matrix, CAM, browse_dataset) and
copies their pictures into ``docs/images``::

    python docs/scripts/gen_figures.py
"""
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys
import tempfile

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
IMAGES = osp.join(REPO, 'docs', 'images')
CONFIG = 'configs/lenet/lenet5_fashion-mnist-subset.py'
SAMPLE = 'demo/data/fashion-mnist-subset/test/Sneaker/00012.png'


def run(args, cwd):
    """Runs ``python ARGS`` in ``cwd``; exits naming the command when it fails."""
    done = subprocess.run([sys.executable] + args, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f'gen_figures: {" ".join(args)} failed:\n{done.stderr[-3000:]}')


def commands(work):
    """``(arguments, picture written, name under docs/images)`` of every figure."""
    checkpoint = f'{work}/epoch_1.pth'
    return [
        (['tools/visualizations/vis_scheduler.py', CONFIG, '-d', '2000', '-s', f'{work}/lr.png'],
         f'{work}/lr.png', 'lr_schedule.png'),
        (['tools/analysis_tools/confusion_matrix.py', CONFIG, checkpoint,
          '--show-path', f'{work}/cm.png', '--include-values'], f'{work}/cm.png',
         'confusion_matrix.png'),
        (['tools/visualizations/vis_cam.py', SAMPLE, CONFIG, checkpoint, '--method', 'GradCAM', '--target-layers', 'backbone.features.4',
          '--save-path', f'{work}/cam.png'], f'{work}/cam.png', 'cam.png'),
        (['tools/visualizations/browse_dataset.py', CONFIG, '-o', f'{work}/browse', '-n', '1',
          '-m', 'concat'], f'{work}/browse/*', 'browse_dataset.png'),
    ]


def main():
    os.makedirs(IMAGES, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name in ('configs', 'tools', 'demo'):
            os.symlink(osp.join(REPO, name), osp.join(scratch, name))
        work = 'work_dirs/figures'
        run(['tools/train.py', CONFIG, '--work-dir', work, '--cfg-options',
             'train_cfg.max_epochs=1', 'default_hooks.logger.interval=5'], scratch)
        scalars = glob.glob(osp.join(scratch, work, '*', 'vis_data', 'scalars.json'))
        run(['tools/analysis_tools/analyze_logs.py', 'plot_curve', scalars[0], '--keys', 'loss',
             '--backend', 'Agg', '--out', f'{work}/loss.png'], scratch)
        figures = [([], f'{work}/loss.png', 'loss_curve.png')] + commands(work)
        for args, picture, name in figures:
            if args:
                run(args, scratch)
            found = sorted(glob.glob(osp.join(scratch, picture)))
            if not found:
                sys.exit(f'gen_figures: {picture} was not written')
            shutil.copyfile(found[0], osp.join(IMAGES, name))
            print(f'docs/images/{name}')


if __name__ == '__main__':
    main()
