"""Convert a timm ResNet / ViT / Swin / ConvNeXt checkpoint into mmcls keys.

    python tools/model_converters/timm_to_mmcls.py SRC DST [--family resnet|vit|swin|convnext]

The family is detected from the keys when not given. Load the result into the matching mmcls
config (e.g. ``resnet50_8xb32_in1k``, ``swin-tiny_16xb64_in1k``).
"""
from typing import List, Optional

from mmcls.tools._converter_cli import converter_main


def main(argv: Optional[List[str]] = None) -> int:
    return converter_main('timm', argv)
