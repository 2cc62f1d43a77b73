"""Runner options: compile, channels_last, auto LR scaling, default data_preprocessor, env."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from runner_toys import ToyPreprocessor, loader_cfg, runner_kwargs

from mmcls.models.base_model import BaseModel
from mmcls.registry import MODELS
from mmcls.runner import Runner
from mmcls.core.model_wrappers import unwrap_model


class ImagePreprocessor(ToyPreprocessor):
    """Turn the 8 toy features into a 2x2x2 'image'."""

    def forward(self, data, training=False):
        out = super().forward(data, training)
        out['inputs'] = out['inputs'].view(-1, 2, 2, 2)
        return out


class ConvToy(BaseModel):
    def __init__(self, data_preprocessor=None):
        super().__init__(data_preprocessor=data_preprocessor or ImagePreprocessor())
        self.conv = nn.Conv2d(2, 4, 1)
        self.fc = nn.Linear(4, 3)
        self.seen_formats = []

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if not torch.compiler.is_compiling():
            self.seen_formats.append(inputs.is_contiguous(memory_format=torch.channels_last))
        logits = self.fc(F.adaptive_avg_pool2d(self.conv(inputs), 1).flatten(1))
        if mode == 'loss':
            return dict(loss=F.cross_entropy(logits, data_samples))
        if mode == 'predict':
            return [dict(pred=int(p), gt=int(g)) for p, g in zip(logits.argmax(1), data_samples)]
        return logits


def _runner(tmp_path, **kwargs):
    torch.set_num_threads(1)
    kwargs.setdefault('default_hooks', dict(checkpoint=None))
    return Runner(**runner_kwargs(str(tmp_path), **kwargs))


def test_channels_last_converts_weights_and_inputs(tmp_path):
    torch.manual_seed(0)
    runner = _runner(tmp_path, model=ConvToy(), channels_last=True, max_epochs=1)
    runner.train()
    assert runner.model.conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert runner.model.seen_formats and all(runner.model.seen_formats)


def test_compile_matches_eager_training(tmp_path):
    results = []
    for compile_cfg in (False, dict(backend='eager', dynamic=False)):
        torch.manual_seed(0)
        model = ConvToy()
        runner = _runner(tmp_path / str(bool(compile_cfg)), model=model, val=False,
                         compile=compile_cfg, max_epochs=1)
        runner.train()
        results.append({k: v.clone() for k, v in model.state_dict().items()})
        if compile_cfg:
            assert unwrap_model(runner.model)._compiled_call_impl is not None
    for key in results[0]:
        torch.testing.assert_close(results[0][key], results[1][key])


def test_auto_scale_lr(tmp_path):
    runner = _runner(tmp_path, val=False, max_epochs=1, param_scheduler=None,
                     auto_scale_lr=dict(base_batch_size=16, enable=True))
    runner.train()
    assert runner.optim_wrapper.get_lr()['lr'][0] == pytest.approx(0.1 * 4 / 16)
    disabled = _runner(tmp_path / 'off', val=False, max_epochs=1, param_scheduler=None,
                       auto_scale_lr=dict(base_batch_size=16))
    disabled.train()
    assert disabled.optim_wrapper.get_lr()['lr'][0] == pytest.approx(0.1)
    broken = _runner(tmp_path / 'bad', val=False, auto_scale_lr=dict(enable=True))
    with pytest.raises(KeyError, match='base_batch_size'):
        broken.train()


@MODELS.register_module(force=True)
class PreprocessorProbe(ConvToy):
    """Records which data_preprocessor it was built with."""

    def __init__(self, data_preprocessor=None):
        self.received = data_preprocessor
        super().__init__(data_preprocessor=ImagePreprocessor())


def test_top_level_data_preprocessor_fills_the_model_default(tmp_path):
    top = dict(type='ClsDataPreprocessor', mean=[1.0])
    runner = _runner(tmp_path, model=dict(type='PreprocessorProbe'), data_preprocessor=top,
                     val=False)
    assert runner.model.received == top
    own = dict(type='Mine')
    runner = _runner(tmp_path / 'b', model=dict(type='PreprocessorProbe', data_preprocessor=own),
                     data_preprocessor=top, val=False)
    assert runner.model.received == own


def test_dataloader_options(tmp_path):
    runner = _runner(tmp_path, val=False, train_dataloader=loader_cfg(
        persistent_workers=True, drop_last=True, collate_fn=dict(type='default_collate'),
        batch_size=5))
    loader = runner.train_dataloader
    assert loader.drop_last and len(loader) == 4
    batch = next(iter(loader))
    assert batch['inputs'].shape == (5, 8)
    with pytest.raises(KeyError, match='sampler'):
        runner.build_dataloader(dict(dataset=[1, 2], batch_size=1))
    with pytest.raises(KeyError, match='samples_per_gpu'):
        runner.build_dataloader(dict(dataset=[1, 2], sampler=dict(type='DefaultSampler'),
                                     samples_per_gpu=2))


def test_deterministic_runs_do_not_keep_workers(tmp_path):
    cfg = dict(dataset=[0.0, 1.0], batch_size=1, num_workers=1, persistent_workers=True,
               sampler=dict(type='DefaultSampler', shuffle=False))
    assert not _runner(tmp_path, val=False).build_dataloader(dict(cfg)).persistent_workers
    relaxed = _runner(tmp_path / 'b', val=False, randomness=dict(seed=0))
    assert relaxed.build_dataloader(dict(cfg)).persistent_workers


def test_worker_processes_are_seeded_per_worker(tmp_path):
    runner = _runner(tmp_path, val=False)
    loader = runner.build_dataloader(dict(
        dataset=_RandomDataset(), batch_size=1, num_workers=2,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate')), seed=3)
    values = [float(b) for b in loader]
    assert len(set(values)) == 4


class _RandomDataset(torch.utils.data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, idx):
        import numpy as np
        return float(np.random.rand())
