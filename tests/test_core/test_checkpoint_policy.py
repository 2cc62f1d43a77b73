"""One loader policy for state dicts: no match -> CheckpointError naming the file, partial match ->
one summarised warning, mis-shaped keys named with both shapes; foreign checkpoints fail cleanly."""
import os.path as osp

import pytest
import torch
import torch.nn as nn

from mmcls.apis import get_model, init_model
from mmcls.core import checkpoint as checkpoint_module
from mmcls.core.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from mmcls.deployment.checkpoint_tools import export_safetensors, publish_model
from mmcls.deployment.weight_converters import convert_checkpoint
from mmcls.models.utils.weight_init import initialize

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'lenet', 'lenet5_fashion-mnist-subset.py')


class system:  # noqa: N801  (the name a foreign training framework pickles)
    """A class the checkpoint pickles; the loader must never import or run it."""

    def __init__(self):
        self.value = 1


@pytest.fixture
def warnings_logged(monkeypatch):
    logged = []

    def record(message, logger=None, level=20):
        if level >= 30:
            logged.append(message)

    monkeypatch.setattr(checkpoint_module, 'print_log', record)
    return logged


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2))


def test_no_matching_key_raises_naming_the_file(tmp_path):
    path = str(tmp_path / 'other_model.pth')
    save_checkpoint({'state_dict': {f'encoder.layer{i}.w': torch.zeros(1) for i in range(9)}},
                    path)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(_net(), path)
    message = str(info.value)
    assert '\n' not in message and 'other_model.pth' in message
    assert '0.weight' in message and 'encoder.layer0.w' in message
    assert 'encoder.layer8.w' not in message and '(4 more)' in message


def test_file_without_state_dict_raises_naming_the_file(tmp_path):
    path = str(tmp_path / 'notes.pth')
    save_checkpoint({'epoch': 3, 'notes': 'no tensors'}, path)
    with pytest.raises(CheckpointError, match=r'notes\.pth holds no state dict.*epoch'):
        load_checkpoint(_net(), path)
    with pytest.raises(CheckpointError, match='notes.pth'):
        initialize(_net(), dict(type='Pretrained', checkpoint=path))


def test_partial_match_logs_exactly_one_warning_with_counts(tmp_path, warnings_logged):
    state = {k: v for k, v in _net().state_dict().items() if not k.startswith('2.')}
    state.update({f'extra.{i}': torch.zeros(1) for i in range(40)})
    path = str(tmp_path / 'partial.pth')
    save_checkpoint({'state_dict': state}, path)
    target = _net()
    load_checkpoint(target, path)
    assert len(warnings_logged) == 1
    warning = warnings_logged[0]
    assert 'partial.pth' in warning and '2 missing (2.weight, 2.bias)' in warning
    assert '40 unexpected (extra.0, extra.1' in warning and 'extra.39' not in warning
    assert torch.equal(target[0].weight, state['0.weight'])


def test_shape_mismatch_names_the_key_and_both_shapes(tmp_path, warnings_logged):
    state = _net().state_dict()
    state['2.weight'] = torch.zeros(7, 3)
    path = str(tmp_path / 'shapes.pth')
    save_checkpoint({'state_dict': state}, path)
    target = _net()
    before = target[2].weight.clone()
    load_checkpoint(target, path)
    assert len(warnings_logged) == 1
    assert '2.weight has shape (7, 3) in the checkpoint, (2, 3) in the model' in warnings_logged[0]
    assert torch.equal(target[2].weight, before)  # the mis-shaped tensor is skipped
    with pytest.raises(RuntimeError, match=r'2\.weight has shape \(7, 3\)'):
        load_checkpoint(_net(), path, strict=True)


def test_foreign_meta_object_does_not_break_init_or_get_model(tmp_path):
    torch.manual_seed(2)
    state = init_model(CONFIG).state_dict()
    path = str(tmp_path / 'foreign.pth')
    torch.save({'state_dict': state, 'meta': system()}, path)
    for model in (init_model(CONFIG, path), get_model(CONFIG, pretrained=path)):
        assert all(torch.equal(model.state_dict()[k], v) for k, v in state.items())


def test_foreign_object_instead_of_a_checkpoint_raises(tmp_path):
    path = str(tmp_path / 'object.pth')
    torch.save(system(), path)
    with pytest.raises(CheckpointError, match='object.pth holds no state dict'):
        init_model(CONFIG, path)


def test_library_tools_raise_checkpoint_error(tmp_path):
    no_state = str(tmp_path / 'no_state.pth')
    save_checkpoint({'epoch': 1}, no_state)
    foreign = str(tmp_path / 'foreign.pth')
    torch.save({'state_dict': _net().state_dict(), 'meta': {'hook': system()}}, foreign)
    for call in (lambda src: publish_model(src, str(tmp_path / 'out.pth')),
                 lambda src: export_safetensors(src, str(tmp_path / 'out.safetensors'))):
        with pytest.raises(CheckpointError, match='no_state.pth holds no state dict'):
            call(no_state)
        with pytest.raises(CheckpointError, match=r'foreign.pth: checkpoint\.meta\.hook'):
            call(foreign)
    with pytest.raises(CheckpointError, match='no_state.pth holds no tensors'):
        convert_checkpoint(no_state, str(tmp_path / 'c.pth'), 'timm')
    wrapped = str(tmp_path / 'wrapped.pth')
    torch.save({'state_dict': {'a': system()}}, wrapped)
    with pytest.raises(CheckpointError, match=r'wrapped.pth: state_dict\.a'):
        convert_checkpoint(wrapped, str(tmp_path / 'c.pth'), 'timm')


@pytest.mark.parametrize('arch', ['VisionTransformer', 'DistilledVisionTransformer', 'DeiT3',
                                  'RevVisionTransformer'])
def test_checkpoint_of_another_resolution_resizes_pos_embed(tmp_path, arch, warnings_logged):
    """Fine-tuning at a new resolution: the loader lets the model resize pos_embed first."""
    from mmcls.registry import MODELS
    cfg = dict(type=arch, arch=dict(embed_dims=16, num_layers=1, num_heads=2,
                                    feedforward_channels=32), patch_size=8)
    source = MODELS.build(dict(cfg, img_size=32))
    torch.save({'state_dict': source.state_dict()}, tmp_path / 'vit32.pth')
    target = MODELS.build(dict(cfg, img_size=64))
    load_checkpoint(target, str(tmp_path / 'vit32.pth'), strict=True)
    assert target.pos_embed.shape[1] - source.pos_embed.shape[1] == 64 - 16
    assert not warnings_logged
    extra = source.pos_embed.shape[1] - 16  # class / distillation tokens are copied as they are
    torch.testing.assert_close(target.pos_embed[:, :extra], source.pos_embed[:, :extra])
