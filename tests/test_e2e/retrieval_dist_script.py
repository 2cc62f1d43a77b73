"""Encode an InShop gallery with PrepareProtoBeforeValLoopHook, in one or several processes.

Usage: python retrieval_dist_script.py DATA_ROOT WORK_DIR NUM_CLASSES [--launcher pytorch]
Writes the gallery vectors, the rank's gallery-shard size and the test metrics to WORK_DIR.
"""
import argparse
import json
import os.path as osp
import sys

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from test_multilabel_retrieval import arcface_config  # noqa: E402

from mmcls.runner import Runner  # noqa: E402
from mmcls.core.launcher import closing_dist, exit_without_finalizing  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('data_root')
    parser.add_argument('work_dir')
    parser.add_argument('num_classes', type=int)
    parser.add_argument('--launcher', default='none')
    args = parser.parse_args()
    torch.set_num_threads(1)
    with closing_dist():  # after encode() returns, so the runner no longer holds the group
        encode(args)


def encode(args) -> None:
    cfg = arcface_config(args.data_root, args.work_dir, args.num_classes)
    cfg.launcher = args.launcher
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    model = runner.model.module if hasattr(runner.model, 'module') else runner.model
    rank = runner.rank
    torch.save(model.prototype_vecs.cpu(), osp.join(args.work_dir, f'proto_{rank}.pth'))
    with open(osp.join(args.work_dir, f'result_{rank}.json'), 'w') as file:
        json.dump(dict(metrics=metrics, shard=len(model.prototype.sampler)), file)


if __name__ == '__main__':
    main()
    exit_without_finalizing()  # the results are on disk; see its docstring
