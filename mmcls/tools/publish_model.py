"""Turn a training checkpoint into a release file.

    python tools/model_converters/publish_model.py IN_FILE OUT_FILE [--date YYYYMMDD]

Drops the optimizer, parameter-scheduler and message-hub state (keeps ``state_dict`` and ``meta``)
and names the result ``{OUT_FILE stem}_{YYYYMMDD}-{first 8 hex digits of its sha256}.pth``.
"""
from __future__ import annotations

import argparse
from typing import List, Optional

__all__ = ['parse_args', 'main']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Strip a checkpoint and name it for release')
    parser.add_argument('in_file', help='training checkpoint')
    parser.add_argument('out_file', help='output name, e.g. work_dirs/resnet18_8xb32_in1k.pth')
    parser.add_argument('--date', default=None, help='YYYYMMDD in the name (default: today, UTC)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmcls.deployment.checkpoint_tools import publish_model
    final = publish_model(args.in_file, args.out_file, date=args.date)
    print(f'published {args.in_file} as {final}')
    return 0
