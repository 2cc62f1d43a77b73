"""Draw the class activation map (Grad-CAM family) of a classifier on an image.

    python tools/visualizations/vis_cam.py IMG CONFIG CHECKPOINT \\
        [--target-layers backbone.layer4.2 ...] [--preview-model] [--method GradCAM] \\
        [--target-category 238 ...] [--save-path cam.png] [--vit-like] \\
        [--num-extra-tokens N] [--aug-smooth] [--eigen-smooth] [--device cpu] \\
        [--cfg-options KEY=VALUE ...]

Methods: GradCAM, GradCAM++, XGradCAM, EigenCAM, EigenGradCAM, LayerCAM (case-insensitive),
implemented in ``mmcls.visualization.cam`` (the ``grad-cam`` package is not needed).  Without
``--target-layers`` a per-family default is used (ResNet: ``backbone.layer4``, ViT:
``backbone.layers[-1].ln1``, Swin: ``backbone.norm3``, others: the backbone's last norm layer);
token-sequence backbones (ViT, DeiT, Swin, T2T-ViT...) switch on ``--vit-like`` by themselves.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

__all__ = ['parse_args', 'main']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmcls.config import DictAction
    parser = argparse.ArgumentParser(description='Visualize the CAM of a classifier')
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file (path or URL)')
    parser.add_argument('--target-layers', nargs='+', default=None,
                        help='layers to explain, e.g. backbone.layer4.2 or '
                             '"backbone.layers[-1].ln1" (default: per model family)')
    parser.add_argument('--preview-model', action='store_true',
                        help='print the model and every layer name, then exit')
    parser.add_argument('--method', default='GradCAM',
                        help='GradCAM, GradCAM++, XGradCAM, EigenCAM, EigenGradCAM or LayerCAM '
                             '(case-insensitive)')
    parser.add_argument('--target-category', type=int, nargs='+', default=None,
                        help='class index to explain (default: the predicted class)')
    parser.add_argument('--save-path', default=None,
                        help='write the visualization here (PNG); default: show it')
    parser.add_argument('--vit-like', action='store_true',
                        help='the target layers output (B, L, C) tokens: reshape them to maps')
    parser.add_argument('--num-extra-tokens', type=int, default=None,
                        help='leading extra tokens to drop (default: the backbone\'s '
                             'num_extra_tokens)')
    parser.add_argument('--aug-smooth', '--aug_smooth', dest='aug_smooth', action='store_true',
                        help='test-time augmentation smoothing')
    parser.add_argument('--eigen-smooth', '--eigen_smooth', dest='eigen_smooth',
                        action='store_true', help='keep the first principal component only')
    parser.add_argument('--device', default='cpu', help='e.g. cpu or cuda:0')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, KEY=VALUE')
    return parser.parse_args(argv)


def _source_rgb(inputs) -> 'object':
    """The pipeline's uint8 CHW image (BGR or grey) as an RGB HWC array."""
    import numpy as np
    img = inputs.permute(1, 2, 0).cpu().numpy()
    if img.shape[2] == 1:
        return np.repeat(img, 3, axis=2)
    return np.ascontiguousarray(img[..., ::-1])


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    import torch

    from mmcls.apis import init_model
    from mmcls.config import Config
    from mmcls.visualization.cam import (compute_cam, default_target_layers, is_vit_like,
                                      overlay_cam)
    from mmcls.visualization.cam_methods import CAM_METHODS, canonical_method
    from mmcls.apis.preparation import ImagePreparer
    try:
        method = CAM_METHODS[canonical_method(args.method)][0]
    except ValueError as error:
        print(f'--method: {error}', file=sys.stderr)
        return 2
    if not osp.isfile(args.img):
        print(f'image not found: {args.img}', file=sys.stderr)
        return 2
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model = init_model(cfg, args.checkpoint, device=args.device)
    if args.preview_model:
        print(model)
        print('\nlayer names for --target-layers:')
        for name, _ in model.named_modules():
            if name:
                print(f'  {name}')
        return 0
    vit_like = args.vit_like or is_vit_like(model)
    if vit_like and not args.vit_like:
        print(f'{type(model.backbone).__name__} outputs tokens: using --vit-like')
    layers = args.target_layers or default_target_layers(model)
    packed = ImagePreparer(model).from_file(args.img)
    with torch.no_grad():
        data = model.data_preprocessor(ImagePreparer.collate([packed]), False)
    try:
        grayscale = compute_cam(model, data['inputs'], method=method, target_layers=layers,
                                target_category=args.target_category, vit_like=vit_like,
                                num_extra_tokens=args.num_extra_tokens,
                                aug_smooth=args.aug_smooth, eigen_smooth=args.eigen_smooth)
    except ValueError as error:  # bad layer name, category or token count: say which
        print(f'vis_cam: {error}', file=sys.stderr)
        return 2
    drawn = overlay_cam(_source_rgb(packed['inputs']), grayscale[0])
    print(f'{method} on {", ".join(layers)}')
    if args.save_path:
        import cv2
        folder = osp.dirname(osp.abspath(args.save_path))
        os.makedirs(folder, exist_ok=True)
        if not cv2.imwrite(args.save_path, drawn[..., ::-1]):
            print(f'could not write {args.save_path} (use a .png name)', file=sys.stderr)
            return 1
        print(f'saved the CAM to {args.save_path}')
    else:
        import matplotlib.pyplot as plt
        plt.imshow(drawn)
        plt.axis('off')
        plt.show()
    return 0
