"""Tiny model, dataset and evaluator shared by the runner and hook tests (and their subprocesses).

The model has dropout and the preprocessor adds training noise, so both the
torch RNG and the sampler order matter: a resumed run only matches an
uninterrupted one if every random state is restored.
"""
from __future__ import annotations

import os.path as osp
import tempfile
from typing import Any, Dict, List, Optional

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.models.base_model import BaseModel

NUM_CLASSES = 3
FEATURES = 8


class ToyPreprocessor(nn.Module):
    """Stack inputs and labels; add Gaussian noise in training (a random augmentation)."""

    def __init__(self, noise: float = 0.05):
        super().__init__()
        self.noise = noise
        self._device = torch.device('cpu')

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = torch.stack(list(data['inputs'])).float().to(self._device)
        if training and self.noise:
            inputs = inputs + self.noise * torch.randn_like(inputs)
        labels = torch.as_tensor(list(data['data_samples'])).long().to(self._device)
        return dict(inputs=inputs, data_samples=labels)


class ToyModel(BaseModel):
    """Linear -> BN -> ReLU -> Dropout -> Linear classifier over FEATURES-dim (or 1xHxW) inputs."""

    def __init__(self, dropout: float = 0.2, bn: bool = False, data_preprocessor=None):
        super().__init__(data_preprocessor=data_preprocessor or ToyPreprocessor())
        self.fc1 = nn.Linear(FEATURES, 16)
        self.bn = nn.BatchNorm1d(16) if bn else nn.Identity()
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(16, NUM_CLASSES)
        self.num_classes = NUM_CLASSES

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = self.fc2(self.drop(F.relu(self.bn(self.fc1(inputs.flatten(1))))))
        if mode == 'tensor':
            return logits
        if mode == 'loss':
            return dict(loss=F.cross_entropy(logits, data_samples))
        if mode == 'predict':
            return [dict(pred=int(p), gt=int(g)) for p, g in zip(logits.argmax(1), data_samples)]
        raise ValueError(mode)


class ToyDataset(torch.utils.data.Dataset):
    """Linearly separable blobs, generated from a fixed seed; ``metainfo['classes']`` set."""

    def __init__(self, size: int = 24, seed: int = 0, jitter: float = 0.0):
        centers = np.random.RandomState(1234).randn(NUM_CLASSES, FEATURES) * 3
        rng = np.random.RandomState(seed)
        self.labels = rng.randint(0, NUM_CLASSES, size)
        self.data = (centers[self.labels] + rng.randn(size, FEATURES)).astype(np.float32)
        self.metainfo = dict(classes=tuple(f'c{i}' for i in range(NUM_CLASSES)))
        self.jitter = jitter  # random augmentation drawn from numpy (runs in the workers)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, idx: int) -> dict:
        data = self.data[idx]
        if self.jitter:
            data = data + self.jitter * np.random.randn(*data.shape).astype(np.float32)
        return dict(inputs=torch.from_numpy(data), data_samples=int(self.labels[idx]))


class ToyEvaluator:
    """Accuracy (in percent) over ``dict(pred, gt)`` predictions."""

    def __init__(self):
        self.results: List[bool] = []
        self.dataset_meta: Optional[dict] = None

    def process(self, data_samples, data_batch=None) -> None:
        self.results.extend(s['pred'] == s['gt'] for s in data_samples)

    def evaluate(self, size: int) -> Dict[str, float]:
        from mmcls.utils.dist import collect_results
        results = collect_results(self.results, size)
        self.results = []
        return {'toy/accuracy': 100.0 * sum(results) / max(len(results), 1)}


def loader_cfg(size: int = 24, batch_size: int = 4, shuffle: bool = True, seed: int = 0,
               jitter: float = 0.0, **kwargs) -> dict:
    kwargs.setdefault('num_workers', 0)
    return dict(dataset=ToyDataset(size, seed, jitter), batch_size=batch_size,
                sampler=dict(type='DefaultSampler', shuffle=shuffle), **kwargs)


def runner_kwargs(work_dir: str, max_epochs: int = 3, seed: int = 1, val: bool = True,
                  **overrides) -> Dict[str, Any]:
    """Keyword arguments of a small deterministic training run (the model init is seeded too)."""
    torch.manual_seed(seed)
    kwargs = dict(
        model=ToyModel(), work_dir=work_dir,
        train_dataloader=loader_cfg(), train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        param_scheduler=[dict(type='MultiStepLR', by_epoch=True, milestones=[2], gamma=0.1)],
        default_hooks=dict(logger=dict(type='LoggerHook', interval=2)),
        randomness=dict(seed=seed, deterministic=True),
        env_cfg=dict(mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
                     dist_cfg=dict(backend='gloo')),
    )
    if val:
        kwargs.update(val_dataloader=loader_cfg(12, shuffle=False, seed=5), val_cfg=dict(),
                      val_evaluator=ToyEvaluator())
    kwargs.update(overrides)
    return kwargs


def state_dict_of(path: str) -> Dict[str, torch.Tensor]:
    return torch.load(path, weights_only=True)['state_dict']


def fresh_dir(prefix: str = 'runner') -> str:
    return tempfile.mkdtemp(prefix=prefix)


def assert_same_state(a: Dict[str, torch.Tensor], b: Dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


__all__ = ['ToyModel', 'ToyDataset', 'ToyEvaluator', 'ToyPreprocessor', 'loader_cfg',
           'runner_kwargs', 'state_dict_of', 'fresh_dir', 'assert_same_state', 'osp']
