"""Convert a training-time checkpoint of a re-parameterisable model (RepVGG, MobileOne,
RepLKNet, ...) into its fused inference-time form.

    python tools/model_converters/reparameterize_model.py CONFIG CHECKPOINT TARGET

Load the result with the model's deploy config (``configs/<algo>/deploy/...``) or with
``--cfg-options model.backbone.deploy=True``.
"""
from __future__ import annotations

import argparse
from typing import List, Optional

__all__ = ['parse_args', 'convert', 'main']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Fuse the training-time branches of a checkpoint into deploy form')
    parser.add_argument('config_path', help='config file of the training-time model')
    parser.add_argument('checkpoint_path', help='training-time checkpoint (path or URL)')
    parser.add_argument('save_path', help='where to write the re-parameterised checkpoint')
    return parser.parse_args(argv)


def convert(config_path: str, checkpoint_path: str, save_path: str) -> None:
    """Build the model, load ``checkpoint_path``, fuse it and save the weights to ``save_path``."""
    from mmcls.apis import init_model
    from mmcls.core.checkpoint import save_checkpoint

    model = init_model(config_path, checkpoint_path, device='cpu')
    backbone = getattr(model, 'backbone', model)
    if not callable(getattr(backbone, 'switch_to_deploy', None)):
        raise TypeError(f'{config_path}: {type(backbone).__name__} has no switch_to_deploy(); '
                        'only re-parameterisable backbones can be converted')
    model.eval()
    backbone.switch_to_deploy()
    head = getattr(model, 'head', None)
    if callable(getattr(head, 'switch_to_deploy', None)):  # e.g. LeViT fuses its head's BN too
        head.switch_to_deploy()
    classes = getattr(model, 'CLASSES', None)
    meta = {'dataset_meta': {'classes': list(classes)} if classes else {},
            'reparameterized_from': checkpoint_path}
    save_checkpoint({'state_dict': model.state_dict(), 'meta': meta}, save_path)
    print(f'saved the re-parameterised weights of {checkpoint_path} to {save_path}')


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    convert(args.config_path, args.checkpoint_path, args.save_path)
    return 0
