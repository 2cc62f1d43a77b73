"""Plot the confusion matrix of a model on its test set.

    python tools/analysis_tools/confusion_matrix.py CONFIG CKPT_OR_RESULT \\
        [--show] [--show-path cm.png] [--include-values] [--cmap viridis] [--cfg-options ...]

The second argument is either a checkpoint (the model is run on the config's
``test_dataloader``) or a ``.pkl`` prediction file from ``tools/test.py --out``
(then no model is built).  Class names come from the test dataset when it can
be built.
"""
from __future__ import annotations

import argparse
import os
import tempfile
from typing import Optional, Sequence, Tuple

__all__ = ['parse_args', 'main']


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Plot the confusion matrix of a model.')
    parser.add_argument('config', help='config file')
    parser.add_argument('ckpt_or_result',
                        help='a checkpoint file, or a .pkl prediction file of tools/test.py --out')
    parser.add_argument('--out', help='also save the matrix as a .pkl (a LongTensor)')
    parser.add_argument('--show', action='store_true', help='show the plot in a window')
    parser.add_argument('--show-path', help='save the plot to this image file (PNG)')
    parser.add_argument('--include-values', action='store_true',
                        help='write the count in every cell')
    parser.add_argument('--cmap', default='viridis', help='matplotlib colour map (viridis)')
    parser.add_argument('--cfg-options', nargs='+', default=None, metavar='KEY=VALUE',
                        help='override config settings, as in tools/test.py')
    return parser.parse_args(argv)


def _from_results(path: str, cfg) -> Tuple[object, Optional[tuple]]:
    from mmcls.evaluation import ConfusionMatrix, Evaluator, load_results

    metrics = Evaluator(ConfusionMatrix()).offline_evaluate(load_results(path))
    return metrics['confusion_matrix/result'], _dataset_classes(cfg)


def _dataset_classes(cfg) -> Optional[tuple]:
    """Class names of the test dataset, or None when it cannot be built here."""
    from mmcls.registry import DATASETS

    try:
        dataset = DATASETS.build({**cfg.test_dataloader.dataset, 'pipeline': []})
        classes = dataset.metainfo.get('classes')
    except Exception as e:  # the data may be absent on this machine: plot indices instead
        print(f'Note: class names are not available ({type(e).__name__}: {e}); '
              'using class indices.')
        return None
    return tuple(classes) if classes else None


def _from_checkpoint(checkpoint: str, cfg) -> Tuple[object, Optional[tuple]]:
    from mmcls.runner.runner import Runner

    if not os.path.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')
    cfg.test_evaluator = dict(type='ConfusionMatrix')
    cfg.load_from = checkpoint
    with tempfile.TemporaryDirectory() as work_dir:
        cfg.work_dir = work_dir
        runner = Runner.from_cfg(cfg)
        matrix = runner.test()['confusion_matrix/result']
        classes = runner.test_loop.dataloader.dataset.metainfo.get('classes')
    return matrix, tuple(classes) if classes else None


def main(argv: Optional[Sequence[str]] = None):
    args = parse_args(argv)
    if not args.show:
        import matplotlib
        matplotlib.use('Agg')

    from mmcls.config import Config
    from mmcls.config.dict_action import parse_cfg_options
    from mmcls.evaluation import ConfusionMatrix

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(parse_cfg_options(args.cfg_options))
    if args.ckpt_or_result.endswith(('.pkl', '.pickle')):
        matrix, classes = _from_results(args.ckpt_or_result, cfg)
    else:
        matrix, classes = _from_checkpoint(args.ckpt_or_result, cfg)
    if classes is not None and len(classes) != matrix.shape[0]:
        print(f'Note: the dataset has {len(classes)} classes but the predictions '
              f'{matrix.shape[0]}; using class indices.')
        classes = None

    if args.out:
        import pickle
        with open(args.out, 'wb') as f:
            pickle.dump(matrix, f)
    fig = ConfusionMatrix.plot(matrix, include_values=args.include_values, cmap=args.cmap,
                               classes=classes, show=args.show)
    if args.show_path:
        os.makedirs(os.path.dirname(os.path.abspath(args.show_path)), exist_ok=True)
        fig.savefig(args.show_path)
        print(f'The confusion matrix is saved at {args.show_path}.')
    return matrix
