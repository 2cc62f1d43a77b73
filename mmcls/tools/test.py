"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [options]``.

``--out results.pkl`` saves every prediction (``--out-item pred``, default) or
the metrics (``--out-item metrics``, ``.pkl`` or ``.json``); ``--metrics``
(the 0.x spelling) selects the evaluator.  ``--help`` does not import torch.
"""
import argparse
import copy
import os
import os.path as osp

from ._common import apply_run_args, build_runner

# 0.x metric names -> 1.x metric configs.
LEGACY_METRICS = {
    'accuracy': dict(type='Accuracy', topk=(1, )),
    'precision': dict(type='SingleLabelMetric', items=('precision', )),
    'recall': dict(type='SingleLabelMetric', items=('recall', )),
    'f1_score': dict(type='SingleLabelMetric', items=('f1-score', )),
    'support': dict(type='SingleLabelMetric', items=('support', )),
    'mAP': dict(type='AveragePrecision'),
}
MULTI_LABEL_ITEMS = ('CP', 'CR', 'CF1', 'OP', 'OR', 'OF1')


def parse_args(argv=None) -> argparse.Namespace:
    from mmcls.config import DictAction
    parser = argparse.ArgumentParser(description='Test (and evaluate) a classifier')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file (local path or http(s) URL)')
    parser.add_argument('--work-dir', help='the dir to save the metric logs')
    parser.add_argument('--out', help='file to save the test output (.pkl)')
    parser.add_argument('--out-item', choices=['metrics', 'pred'],
                        help='what --out saves: "pred" (every prediction, default) or "metrics"')
    parser.add_argument('--metrics', nargs='+',
                        help='evaluator metrics, 1.x type names (Accuracy) or 0.x names '
                        '(accuracy, precision, recall, f1_score, support, mAP, CP, CR, ...)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. "test_dataloader.batch_size=64"')
    parser.add_argument('--show-dir', help='directory to save the visualised predictions')
    parser.add_argument('--show', action='store_true', help='show the predictions in a window')
    parser.add_argument('--interval', type=int, default=1,
                        help='visualise one sample every this many')
    parser.add_argument('--wait-time', type=float, default=2,
                        help='seconds each window is shown')
    parser.add_argument('--tta', action='store_true',
                        help='test-time augmentation: the config\'s tta_model and tta_pipeline, '
                        'or by default the mean score of the image and its horizontal flip')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle', '.json')):
        parser.error(f'--out must end with .pkl, .pickle (or .json for --out-item metrics), '
                     f'got {args.out}')
    return args


def metric_configs(names):
    """Evaluator metric configs for ``--metrics`` names."""
    configs, multi_label = [], []
    for name in names:
        if name in LEGACY_METRICS:
            configs.append(dict(LEGACY_METRICS[name]))
        elif name in MULTI_LABEL_ITEMS:
            multi_label.append(name)
        else:
            configs.append(dict(type=name))
    if multi_label:
        configs.append(dict(type='MultiLabelMetric'))
    return configs


def merge_args(cfg, args):
    """Apply the command-line options to the config."""
    apply_run_args(cfg, args)
    cfg.load_from = args.checkpoint
    if args.metrics:
        cfg.test_evaluator = metric_configs(args.metrics)
    if args.tta:
        apply_tta(cfg)
    if args.show or args.show_dir is not None:
        hooks = cfg.get('default_hooks') or {}
        if 'visualization' not in hooks or hooks['visualization'] is None:
            raise KeyError(f'--show/--show-dir need default_hooks.visualization='
                           f'dict(type="VisualizationHook") in {args.config}')
        vis = hooks['visualization']
        vis.update(enable=True, show=args.show, wait_time=args.wait_time,
                   out_dir=args.show_dir, interval=args.interval)
    return cfg


def apply_tta(cfg):
    """Wrap the model in ``cfg.tta_model`` and test with ``cfg.tta_pipeline``.

    Defaults: ``AverageClsScoreTTA`` over the test pipeline with its last step (the packing)
    replaced by a ``TestTimeAug`` of a flipped and an unflipped view.
    """
    if cfg.get('tta_model') is None:
        cfg.tta_model = dict(type='AverageClsScoreTTA')
    if cfg.get('tta_pipeline') is None:
        pipeline = copy.deepcopy(list(cfg.test_dataloader.dataset.pipeline))
        flips = [dict(type='RandomFlip', prob=1.), dict(type='RandomFlip', prob=0.)]
        pipeline[-1] = dict(type='TestTimeAug', transforms=[flips, [pipeline[-1]]])
        cfg.tta_pipeline = pipeline
    cfg.model = dict(**cfg.tta_model, module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    return cfg


def dump_metrics(metrics, path: str) -> None:
    """Write the metrics as JSON (``.json``) or pickle."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    if path.endswith('.json'):
        import json
        from mmcls.visualization.vis_backend import to_json_value
        with open(path, 'w', encoding='utf-8') as f:
            json.dump({k: to_json_value(v) for k, v in metrics.items()}, f, indent=2)
    else:
        import pickle
        with open(path, 'wb') as f:
            pickle.dump(metrics, f)


def test(cfg, args) -> dict:
    """Build the runner ``cfg`` names and test; the runner is released on return."""
    from mmcls.registry import METRICS
    runner = build_runner(cfg)
    if args.out and args.out_item in (None, 'pred'):
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out-item pred saves a pickle; --out must end with .pkl, '
                             f'got {args.out}')
        runner.test_evaluator.metrics.append(
            METRICS.build(dict(type='DumpResults', out_file_path=args.out)))
    return runner.test()


def main(argv=None):
    args = parse_args(argv)
    from mmcls.config import Config
    cfg = merge_args(Config.fromfile(args.config), args)
    from mmcls.core.launcher import closing_dist
    with closing_dist():
        metrics = test(cfg, args)
    if args.out and args.out_item == 'metrics':
        dump_metrics(metrics, args.out)
    return metrics
