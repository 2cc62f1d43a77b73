"""PrepareProtoBeforeValLoopHook on a small real retriever and a stand-in runner."""
from types import SimpleNamespace

import torch
import torch.nn as nn

from mmcls.datasets.collate import pseudo_collate
from mmcls.engine.hooks import PrepareProtoBeforeValLoopHook
from mmcls.models.retrievers.image2image import ImageToImageRetriever
from mmcls.registry import HOOKS
from mmcls.structures import ClsDataSample


class MeanColour(nn.Module):
    """Encoder: the mean colour of the image times a learnable gain."""

    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return (x.mean(dim=(2, 3)) * self.gain, )


class ColourDataset(torch.utils.data.Dataset):

    def __init__(self, colours):
        self.colours = colours

    def __len__(self):
        return len(self.colours)

    def __getitem__(self, i):
        img = torch.tensor(self.colours[i], dtype=torch.uint8).view(3, 1, 1).expand(3, 2, 2)
        return dict(inputs=img.clone(), data_samples=ClsDataSample(metainfo=dict(sample_idx=i)))


COLOURS = [[200, 0, 0], [0, 100, 0], [0, 0, 50]]


def _retriever(prototype):
    return ImageToImageRetriever(image_encoder=MeanColour(), prototype=prototype,
                                 data_preprocessor=dict())


def _fake_runner(model):
    calls = []

    def build_dataloader(cfg, seed=None):
        calls.append((dict(cfg), seed))
        return torch.utils.data.DataLoader(cfg['dataset'], batch_size=cfg['batch_size'],
                                           collate_fn=pseudo_collate)

    return SimpleNamespace(model=model, seed=7, build_dataloader=build_dataloader), calls


def test_hook_is_registered():
    assert HOOKS.get('PrepareProtoBeforeValLoopHook') is PrepareProtoBeforeValLoopHook


def test_prototype_config_is_built_by_the_runner_and_refreshed_before_each_val():
    model = _retriever(dict(dataset=ColourDataset(COLOURS), batch_size=2))
    runner, calls = _fake_runner(model)
    hook = PrepareProtoBeforeValLoopHook()
    hook.before_val(runner)
    assert len(calls) == 1 and calls[0][1] == 7
    assert calls[0][0]['sampler'] == dict(type='DefaultSampler', shuffle=False)
    assert isinstance(model.prototype, torch.utils.data.DataLoader)
    torch.testing.assert_close(model.prototype_vecs, torch.tensor(COLOURS, dtype=torch.float))
    with torch.no_grad():
        model.image_encoder.gain.fill_(2.0)  # training changed the encoder
    hook.before_test(runner)
    assert len(calls) == 1  # the loader is built once and reused
    torch.testing.assert_close(model.prototype_vecs,
                               2 * torch.tensor(COLOURS, dtype=torch.float))


def test_fixed_prototype_is_loaded_once_and_other_models_are_skipped():
    model = _retriever(torch.eye(3))
    runner, calls = _fake_runner(model)
    hook = PrepareProtoBeforeValLoopHook()
    hook.before_val(runner)
    assert model.prototype_inited and not calls
    model.prototype_vecs.fill_(5.0)
    hook.before_val(runner)  # a tensor prototype does not change: not reloaded
    assert model.prototype_vecs.eq(5.0).all()
    plain, _ = _fake_runner(nn.Linear(2, 2))
    hook.before_val(plain)  # warns, does not raise


def test_minimal_retriever_is_prepared_even_through_an_unbound_call():
    from mmcls.models.retrievers import BaseRetriever

    class Minimal(BaseRetriever):

        def forward(self, inputs, data_samples=None, mode='loss'):
            return inputs

        def prepare_prototype(self):
            self.prototype_vecs = torch.ones(1)
            self.prototype_inited = True

    model = Minimal()
    runner, calls = _fake_runner(model)
    PrepareProtoBeforeValLoopHook.before_val(object(), runner)  # reads nothing from the hook
    assert model.prototype_inited and model.prototype_vecs.tolist() == [1.0] and not calls
