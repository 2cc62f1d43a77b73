"""Export a classifier to ONNX with its input normalisation folded in, and verify the export.

The exported graph takes ``input``: float32 ``(N, C, H, W)`` raw pixel values (0–255) in the
channel order the model's loader produces (BGR for colour images, as OpenCV decodes them), i.e.
the test pipeline's uint8 output cast to float.  It applies the data preprocessor's ``to_rgb``
swap and ``(x - mean) / std``, runs the network and returns ``logits``: float32
``(N, num_classes)`` raw class scores (apply softmax, or sigmoid for multi-label heads, to get
the probabilities ``mmcls`` reports).  Deployment code therefore only resizes/crops and never
needs the normalisation constants.
"""
from __future__ import annotations

import os
import os.path as osp
import warnings
from typing import Any, Dict, List, Sequence

import numpy as np
import torch
import torch.nn as nn

__all__ = ['OnnxDependencyError', 'NormalizedClassifier', 'export_onnx', 'run_onnx',
           'has_token_backbone',
           'verify_onnx', 'require_onnx', 'DEFAULT_OPSET']

DEFAULT_OPSET = 17  # LayerNormalization is a native op from 17 on


class OnnxDependencyError(ImportError):
    """An optional ONNX package (``onnx``, ``onnxruntime``, ``onnxsim``) is not installed."""


def require_onnx(module: str = 'onnx') -> Any:
    """Import ``module`` or raise :class:`OnnxDependencyError` saying how to install it."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as error:
        hint = {'onnxsim': 'pip install onnxsim'}.get(
            module, "pip install 'mmcls[onnx]' (or: pip install onnx onnxruntime)")
        raise OnnxDependencyError(f'{module} is required for ONNX export/verification but is not '
                                  f'installed: {hint}') from error


class NormalizedClassifier(nn.Module):
    """``classifier`` preceded by its data preprocessor's BGR→RGB swap and normalisation.

    Input: float raw pixels ``(N, C, H, W)``; output: the head's logits.
    """

    def __init__(self, classifier: nn.Module):
        super().__init__()
        self.classifier = classifier
        pre = getattr(classifier, 'data_preprocessor', None)
        mean = getattr(pre, 'mean', None) if getattr(pre, '_enable_normalize', False) else None
        std = getattr(pre, 'std', None) if mean is not None else None
        self.to_rgb = bool(getattr(pre, 'to_rgb', False))
        # Fold the swap into the constants: normalise in the input order, then reorder channels.
        if mean is not None:
            mean = mean.detach().clone().view(1, -1, 1, 1).float()
            std = std.detach().clone().view(1, -1, 1, 1).float()
            if self.to_rgb and mean.shape[1] == 3:
                mean, std = mean.flip(1), std.flip(1)
        self.register_buffer('mean', mean, persistent=False)
        self.register_buffer('std', std, persistent=False)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        x = inputs
        if self.mean is not None:
            x = (x - self.mean) / self.std
        if self.to_rgb and x.shape[1] == 3:
            x = x[:, [2, 1, 0]]
        out = self.classifier(x, mode='tensor')
        if isinstance(out, (tuple, list)):  # heads that return several tensors: the last one
            out = out[-1]
        return out


def _fake_input(shape: Sequence[int]) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, tuple(shape), generator=generator).float()


def has_token_backbone(model: nn.Module) -> bool:
    """Whether the backbone works on patch tokens (ViT, Swin, ...).

    Their traced graphs bake in the input size (position-embedding resizing, window partition),
    so only the batch axis can be dynamic.
    """
    backbone = getattr(model, 'backbone', model)
    return any(hasattr(backbone, attr) for attr in ('patch_embed', 'pos_embed',
                                                    'patch_resolution', 'tokens_to_token'))


def export_onnx(model: nn.Module, output_file: str, shape: Sequence[int] = (1, 3, 224, 224),
                opset: int = DEFAULT_OPSET, dynamic_export: bool = False,
                simplify: bool = False) -> str:
    """Export ``model`` (an mmcls classifier) to ``output_file`` and check it with ``onnx``.

    Args:
        shape: ``(N, C, H, W)`` of the traced input.
        opset: ONNX opset version.
        dynamic_export: make the batch size dynamic, and the height and width too unless the
            backbone is token-based (:func:`has_token_backbone`).
        simplify: run ``onnxsim`` on the result (the ``onnxsim`` package).
    """
    onnx = require_onnx('onnx')
    if len(shape) != 4:
        raise ValueError(f'shape must be (N, C, H, W), got {tuple(shape)}')
    wrapped = NormalizedClassifier(model.eval()).eval().cpu()
    dummy = _fake_input(shape)
    dynamic_axes = None
    if dynamic_export:
        input_axes = {0: 'batch'} if has_token_backbone(model) else \
            {0: 'batch', 2: 'height', 3: 'width'}
        dynamic_axes = {'input': input_axes, 'logits': {0: 'batch'}}
    folder = osp.dirname(osp.abspath(output_file))
    os.makedirs(folder, exist_ok=True)
    with torch.no_grad(), warnings.catch_warnings():
        # shape checks in the models become constants of the traced graph: expected, not news
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        warnings.simplefilter('ignore', DeprecationWarning)  # the legacy exporter (no onnxscript)
        torch.onnx.export(wrapped, (dummy, ), output_file, input_names=['input'],
                          output_names=['logits'], opset_version=opset,
                          dynamic_axes=dynamic_axes, do_constant_folding=True, dynamo=False)
    onnx_model = onnx.load(output_file)
    onnx.checker.check_model(onnx_model)
    if simplify:
        onnxsim = require_onnx('onnxsim')
        simplified, ok = onnxsim.simplify(onnx_model)
        if not ok:
            raise RuntimeError(f'onnxsim could not validate the simplified {output_file}')
        onnx.save(simplified, output_file)
    return output_file


def run_onnx(onnx_file: str, inputs: np.ndarray) -> np.ndarray:
    """Run the exported graph on CPU with onnxruntime; ``inputs`` is float32 NCHW raw pixels."""
    ort = require_onnx('onnxruntime')
    session = ort.InferenceSession(onnx_file, providers=['CPUExecutionProvider'])
    return session.run(['logits'], {'input': inputs.astype(np.float32)})[0]


def _image_batch(model: nn.Module, images: Sequence[str], shape: Sequence[int],
                 dynamic_export: bool) -> torch.Tensor:
    """Images through the model's test pipeline, as float raw pixels of the export size.

    With a static export an image whose pipeline output is not ``shape`` is resized to it.
    """
    import cv2

    from mmcls.apis.preparation import ImagePreparer
    preparer = ImagePreparer(model)
    height, width = int(shape[2]), int(shape[3])
    tensors: List[torch.Tensor] = []
    for path in images:
        inputs = preparer.from_file(path)['inputs']
        if not dynamic_export and tuple(inputs.shape[1:]) != (height, width):
            img = inputs.permute(1, 2, 0).numpy()
            img = cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)
            inputs = torch.from_numpy(img.reshape(height, width, -1)).permute(2, 0, 1)
        tensors.append(inputs)
    sizes = {tuple(t.shape) for t in tensors}
    if len(sizes) != 1:
        raise ValueError(f'the verification images give inputs of different sizes {sizes}; '
                         f'pass images that the test pipeline crops to one size')
    return torch.stack(tensors).float()


def verify_onnx(model: nn.Module, onnx_file: str, images: Sequence[str],
                shape: Sequence[int] = (1, 3, 224, 224),
                dynamic_export: bool = False) -> Dict[str, Any]:
    """Compare onnxruntime with PyTorch on real ``images``; returns ``max_abs_diff`` and more.

    PyTorch runs the usual path (data preprocessor, then ``mode='tensor'``) on the uint8 inputs,
    so the check also covers the folded normalisation.  A static export runs the images in
    chunks of its batch size (the last chunk padded by repetition).
    """
    batch = _image_batch(model, images, shape, dynamic_export)
    model = model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=batch.to(torch.uint8), data_samples=None),
                                       False)
        expected = model(data['inputs'], mode='tensor')
    if isinstance(expected, (tuple, list)):
        expected = expected[-1]
    expected = expected.cpu().numpy()
    step = batch.shape[0] if dynamic_export else int(shape[0])
    chunks = []
    for start in range(0, batch.shape[0], step):
        chunk = batch[start:start + step]
        filled = chunk.shape[0]
        if filled < step:  # a static batch: repeat the last image to fill it
            chunk = torch.cat([chunk, chunk[-1:].expand(step - filled, -1, -1, -1)])
        chunks.append(run_onnx(onnx_file, chunk.numpy())[:filled])
    got = np.concatenate(chunks)
    return {'max_abs_diff': float(np.abs(got - expected).max()),
            'max_abs_logit': float(np.abs(expected).max()),
            'same_top1': bool((got.argmax(1) == expected.argmax(1)).all()),
            'num_images': int(batch.shape[0])}
