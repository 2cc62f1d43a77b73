"""Export an mmcls classifier to ONNX and optionally check it against PyTorch with onnxruntime.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --output-file model.onnx \\
        [--shape 224 224] [--opset 17] [--dynamic-export] [--simplify] \\
        [--verify [--test-img demo/demo.JPEG ...] [--atol 1e-4]]

Needs the ``onnx`` extra (``pip install 'mmcls[onnx]'``: onnx, onnxruntime and, for ``--simplify``,
onnxsim).  See docs/deployment.md.
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

__all__ = ['parse_args', 'main']

DEMO_IMAGE = 'demo/demo.JPEG'  # shipped with the package (mmcls/.mim) and in the checkout

GRAPH_HELP = '''
the exported graph:
  input   float32 (N, C, H, W) raw pixel values 0-255, in the channel order the config's
          loader gives (BGR for colour images, as OpenCV decodes): the test pipeline's
          uint8 output cast to float. Resize/crop like the test pipeline; do NOT normalise.
  logits  float32 (N, num_classes) raw class scores.
The data preprocessor's to_rgb swap and (x - mean) / std are folded into the graph, so
the model needs no normalisation constants at deployment. Apply softmax (sigmoid for
multi-label heads) to the logits to get the scores mmcls reports.
'''


def _demo_image() -> str:
    from mmcls.apis.model_index import find_in_zoo
    found = find_in_zoo(DEMO_IMAGE)
    if found is None:
        raise SystemExit(f'{DEMO_IMAGE} is not installed with mmcls; pass --test-img IMAGE')
    return found


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert an mmcls classifier to ONNX (normalisation folded in)',
        epilog=GRAPH_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file (path or URL)')
    parser.add_argument('--output-file', default='tmp.onnx', help='where to write the model')
    parser.add_argument('--shape', type=int, nargs='+', default=[224, 224],
                        help='input height and width (one value: square)')
    parser.add_argument('--batch-size', type=int, default=1, help='traced batch size')
    parser.add_argument('--opset', '--opset-version', dest='opset', type=int, default=None,
                        help='ONNX opset version (default: 17)')
    parser.add_argument('--dynamic-export', action='store_true',
                        help='dynamic batch size, and height and width for CNNs (token '
                             'models such as ViT/Swin keep the exported height and width)')
    parser.add_argument('--simplify', action='store_true', help='simplify with onnxsim')
    parser.add_argument('--verify', action='store_true',
                        help='compare onnxruntime with PyTorch on real images and print the '
                             'max |diff| of the logits')
    parser.add_argument('--test-img', action='append', default=None,
                        help='image for --verify (repeatable; default: demo/demo.JPEG)')
    parser.add_argument('--atol', type=float, default=1e-4,
                        help='--verify fails (exit 1) when the max |diff| exceeds this')
    args = parser.parse_args(argv)
    if len(args.shape) == 1:
        args.shape = args.shape * 2
    if len(args.shape) != 2:
        parser.error(f'--shape takes 1 or 2 integers, got {args.shape}')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmcls.apis import init_model
    from mmcls.deployment.onnx_export import (DEFAULT_OPSET, OnnxDependencyError, export_onnx,
                                              require_onnx, verify_onnx)
    try:
        require_onnx('onnx')
        if args.verify:
            require_onnx('onnxruntime')
    except OnnxDependencyError as error:
        print(error, file=sys.stderr)
        return 2
    model = init_model(args.config, args.checkpoint, device='cpu')
    channels = int(model.data_preprocessor.mean.numel()) if getattr(
        model.data_preprocessor, 'mean', None) is not None else 3
    shape = (args.batch_size, channels, *args.shape)
    try:
        export_onnx(model, args.output_file, shape=shape, opset=args.opset or DEFAULT_OPSET,
                    dynamic_export=args.dynamic_export, simplify=args.simplify)
    except OnnxDependencyError as error:
        print(error, file=sys.stderr)
        return 2
    print(f'exported {args.config} to {args.output_file} (input {shape})')
    if not args.verify:
        return 0
    images = args.test_img or [_demo_image()]
    report = verify_onnx(model, args.output_file, images, shape=shape,
                         dynamic_export=args.dynamic_export)
    print(f'verified on {report["num_images"]} image(s): max |onnxruntime - pytorch| = '
          f'{report["max_abs_diff"]:.3g} (max |logit| {report["max_abs_logit"]:.3g}, '
          f'same top-1: {report["same_top1"]})')
    if report['max_abs_diff'] > args.atol:
        print(f'FAILED: the difference exceeds --atol {args.atol}', file=sys.stderr)
        return 1
    return 0
