"""Command line shared by the torchvision/timm -> mmcls weight converters (torch-free until run)."""
from __future__ import annotations

import argparse
from typing import List, Optional

__all__ = ['converter_main']


def converter_main(library: str, argv: Optional[List[str]] = None) -> int:
    """Parse ``SRC DST [--family F]`` and convert a ``library`` checkpoint into mmcls keys."""
    parser = argparse.ArgumentParser(
        description=f'Convert a {library} ResNet / ViT / Swin / ConvNeXt checkpoint into mmcls '
        'state-dict keys. DST ending in .safetensors gets the bare tensors, anything else a .pth '
        'checkpoint with state_dict and meta.')
    parser.add_argument('src', help=f'{library} checkpoint (.pth/.pt/.bin or .safetensors)')
    parser.add_argument('dst', help='output checkpoint (.pth, or .safetensors for bare tensors)')
    parser.add_argument('--family', default=None,
                        help='model family: resnet, vit, swin or convnext (default: detected '
                        'from the keys)')
    args = parser.parse_args(argv)
    from mmcls.deployment.weight_converters import convert_checkpoint
    family = convert_checkpoint(args.src, args.dst, library, args.family)
    print(f'converted {library} {family} checkpoint {args.src} -> {args.dst}')
    return 0
