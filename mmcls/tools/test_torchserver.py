"""Compare a served model with PyTorch on one image.

    python tools/torchserve/test_torchserver.py IMG CONFIG CHECKPOINT MODEL_NAME \\
        [--inference-addr 127.0.0.1:8080] [--device cpu] [--atol 1e-4]

Works with TorchServe and with ``mmcls serve`` (same API).  Prints both results; exits 1 when the
labels differ or the scores differ by more than ``--atol``.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, List, Optional

from mmcls.core.http import post

__all__ = ['parse_args', 'query_server', 'main']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Compare TorchServe and PyTorch results')
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('model_name', help='the served model name')
    parser.add_argument('--inference-addr', default='127.0.0.1:8080',
                        help='address and port of the inference API')
    parser.add_argument('--device', default='cpu', help='device of the PyTorch run')
    parser.add_argument('--atol', type=float, default=1e-4,
                        help='largest accepted difference of pred_score')
    return parser.parse_args(argv)


def query_server(address: str, model_name: str, content: bytes,
                 timeout: float = 60.0) -> Dict[str, Any]:
    """POST ``content`` to ``http://{address}/predictions/{model_name}``; the JSON answer."""
    url = f'http://{address}/predictions/{model_name}'
    return json.loads(post(url, content, timeout=timeout))


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmcls.apis import inference_model, init_model
    model = init_model(args.config, args.checkpoint, device=args.device)
    local = inference_model(model, args.img)
    local = {k: local[k] for k in ('pred_label', 'pred_score', 'pred_class') if k in local}
    with open(args.img, 'rb') as file:
        served = query_server(args.inference_addr, args.model_name, file.read())
    print(f'pytorch: {json.dumps(local)}')
    print(f'served:  {json.dumps(served)}')
    score = served.get('pred_score')
    if served.get('pred_label') != local['pred_label'] or score is None or \
            abs(float(score) - local['pred_score']) > args.atol:
        print('MISMATCH between the served model and PyTorch', file=sys.stderr)
        return 1
    print('the served model agrees with PyTorch')
    return 0
