"""Convert a timm ResNet / ViT / Swin / ConvNeXt checkpoint into mmcls keys.

    python tools/model_converters/timm_to_mmcls.py SRC DST [--family resnet|vit|swin|convnext]

The family is detected from the keys when not given.  DST ending in ``.safetensors`` gets the
bare tensors, anything else a ``.pth`` checkpoint with ``state_dict`` and ``meta``.  Load the result
into the matching mmcls config (e.g. ``resnet50_8xb32_in1k``, ``swin-tiny_16xb64_in1k``).
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

__all__ = ['parse_args', 'main']

LIBRARY = 'timm'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmcls.deployment.weight_converters import FAMILIES
    parser = argparse.ArgumentParser(
        description=f'Convert a {LIBRARY} checkpoint into mmcls state-dict keys')
    parser.add_argument('src', help=f'{LIBRARY} checkpoint (.pth/.pt/.bin or .safetensors)')
    parser.add_argument('dst', help='output checkpoint (.pth, or .safetensors for bare tensors)')
    parser.add_argument('--family', choices=FAMILIES, default=None,
                        help='model family (default: detected from the keys)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmcls.deployment.weight_converters import convert_checkpoint
    family = convert_checkpoint(args.src, args.dst, LIBRARY, args.family)
    print(f'converted {LIBRARY} {family} checkpoint {args.src} -> {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
