"""Export the weights of a checkpoint as ``.safetensors`` (no pickle, memory-mappable).

    python tools/model_converters/to_safetensors.py IN_FILE OUT_FILE.safetensors [--dtype fp16]

Training state (optimizer, schedulers) is dropped; the checkpoint's ``meta`` (class names...) is
stored as JSON in the file's ``mmcls_meta`` metadata.  mmcls loads ``.safetensors`` checkpoints
wherever it loads ``.pth`` ones (``init_model``, ``--cfg-options load_from=...``).
"""
from __future__ import annotations

import argparse
from typing import List, Optional

__all__ = ['parse_args', 'main']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Export checkpoint weights to safetensors')
    parser.add_argument('in_file', help='checkpoint (.pth) or bare state dict')
    parser.add_argument('out_file', help='output path ending with .safetensors')
    parser.add_argument('--dtype', choices=('fp32', 'fp16', 'bf16'), default=None,
                        help='cast floating-point tensors (default: keep their dtype)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmcls.deployment.checkpoint_tools import export_safetensors
    export_safetensors(args.in_file, args.out_file, dtype=args.dtype)
    print(f'exported the weights of {args.in_file} to {args.out_file}')
    return 0
