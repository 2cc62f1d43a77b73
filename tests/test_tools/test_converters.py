"""Weight converters (torchvision/timm → mmcls), publish_model and the safetensors export.

The torchvision/timm cases use the external reference fixtures: a state dict
in the other library's layout is filled with ``fill_value(their_key, shape)``, converted, loaded
strictly into our model and run on the fixture input; the output must match the stored output of
the other library's model (relative tolerance of refcheck).
"""
import gzip
import importlib.util
import json
from pathlib import Path

import pytest
import torch

from mmcls.deployment.weight_converters import (convert_state_dict, detect_family,
                                                merge_order_index)

REPO = Path(__file__).resolve().parents[2]
EXTERNAL = REPO.parent / 'shared' / 'reference' / 'external'
TOOLS = REPO / 'tools' / 'model_converters'

CASES = [
    ('torchvision-resnet18', 'resnet18_8xb32_in1k', 'resnet'),
    ('timm-resnet18', 'resnet18_8xb32_in1k', 'resnet'),
    ('torchvision-vit_b_16', 'deit-base_pt-16xb64_in1k', 'vit'),
    ('timm-deit_tiny_patch16_224', 'deit-tiny_pt-4xb256_in1k', 'vit'),
    ('torchvision-swin_t', 'swin-tiny_16xb64_in1k', 'swin'),
    ('timm-swin_tiny_patch4_window7_224', 'swin-tiny_16xb64_in1k', 'swin'),
    ('torchvision-convnext_tiny', 'convnext-tiny_32xb128_in1k', 'convnext'),
    ('timm-convnext_tiny', 'convnext-tiny_32xb128_in1k', 'convnext'),
]


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def external_fixture(name):
    path = EXTERNAL / f'{name}.json.gz'
    if not path.exists():
        pytest.skip(f'external fixture {path} not found')
    with gzip.open(path, 'rt') as f:
        return json.load(f)


def their_state_dict(fixture, refcheck):
    """The other library's state dict, every float tensor filled like the fixture was."""
    state = {}
    for key, info in fixture['state_dict'].items():
        dtype = getattr(torch, info['dtype'])
        if dtype.is_floating_point:
            state[key] = torch.from_numpy(refcheck.fill_value(key, tuple(info['shape']))).to(dtype)
        else:  # integer buffers (num_batches_tracked, index tables) are never used by the outputs
            state[key] = torch.zeros(info['shape'], dtype=dtype)
    return state


def relative_error(fixture, output, refcheck):
    got, ref = refcheck.summarize(output), fixture['output']
    assert got['shapes'] == ref['shapes']
    diff = max(abs(a - b) for a, b in zip(got['head'] + got['tail'], ref['head'] + ref['tail']))
    return max(diff, abs(got['max_abs'] - ref['max_abs'])) / max(ref['max_abs'], 1e-6)


def load_converted(model, converted):
    """Load strictly except for the buffers our models compute (relative position indices)."""
    result = model.load_state_dict(converted, strict=False)
    assert not result.unexpected_keys
    assert all(k.endswith('relative_position_index') for k in result.missing_keys), \
        result.missing_keys


@pytest.mark.parametrize('external,ours,family', CASES, ids=[c[0] for c in CASES])
def test_converted_weights_reproduce_the_other_library(external, ours, family, refcheck):
    import mmcls
    torch.set_num_threads(1)
    fixture = external_fixture(external)
    library = external.split('-')[0]
    state = their_state_dict(fixture, refcheck)
    assert detect_family(state, library) == family
    model = mmcls.get_model(ours).eval()
    load_converted(model, convert_state_dict(state, library))
    with torch.no_grad():
        output = model(refcheck.make_input(fixture['input_shape']), mode='tensor')
    assert relative_error(fixture, output, refcheck) < refcheck.RTOL


def test_swin_merge_order_matters(refcheck):
    """Without the patch-merging permutation the converted Swin gives other outputs."""
    import mmcls
    torch.set_num_threads(1)
    fixture = external_fixture('timm-swin_tiny_patch4_window7_224')
    converted = convert_state_dict(their_state_dict(fixture, refcheck), 'timm')
    index = merge_order_index(1)
    assert index.tolist() == [0, 2, 1, 3]  # ours (c, row, col) vs theirs (col, row, c)
    key = 'backbone.stages.0.downsample.reduction.weight'
    inverse = torch.argsort(merge_order_index(converted[key].shape[1] // 4))
    converted[key] = converted[key][:, inverse]  # undo the reorder of one layer
    model = mmcls.get_model('swin-tiny_16xb64_in1k').eval()
    load_converted(model, converted)
    with torch.no_grad():
        output = model(refcheck.make_input(fixture['input_shape']), mode='tensor')
    assert relative_error(fixture, output, refcheck) > 10 * refcheck.RTOL


def test_unknown_keys_and_families_are_reported():
    state = {'layer1.0.conv1.weight': torch.zeros(1), 'mystery.weight': torch.zeros(1)}
    with pytest.raises(KeyError, match='mystery.weight'):
        convert_state_dict(state, 'torchvision')
    with pytest.raises(ValueError, match='cannot tell the model family'):
        detect_family({'foo.weight': torch.zeros(1)}, 'timm')
    with pytest.raises(ValueError, match='library must be one of'):
        convert_state_dict(state, 'keras')


@pytest.mark.parametrize('suffix', ['.pth', '.safetensors'])
def test_converter_tool_writes_a_loadable_checkpoint(tmp_path, suffix, refcheck):
    import mmcls
    from mmcls.core.checkpoint import load_checkpoint
    torch.set_num_threads(1)
    fixture = external_fixture('torchvision-resnet18')
    src = tmp_path / 'resnet18-tv.pth'
    torch.save({'model': their_state_dict(fixture, refcheck)}, src)  # wrapped like many releases
    dst = tmp_path / f'resnet18-mmcls{suffix}'
    assert load_tool('torchvision_to_mmcls').main([str(src), str(dst)]) == 0
    model = mmcls.get_model('resnet18_8xb32_in1k').eval()
    load_checkpoint(model, str(dst), strict=True)
    with torch.no_grad():
        output = model(refcheck.make_input(fixture['input_shape']), mode='tensor')
    assert relative_error(fixture, output, refcheck) < refcheck.RTOL


# ---------------------------------------------------------------- publish_model / safetensors
TINY_CONFIG = '''
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=8, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=3, in_channels=64))
'''


@pytest.fixture
def training_checkpoint(tmp_path):
    """A tiny model's checkpoint with the training state a Runner would save."""
    from mmcls.apis import init_model
    from mmcls.core.checkpoint import save_checkpoint
    config = tmp_path / 'tiny.py'
    config.write_text(TINY_CONFIG)
    torch.manual_seed(0)
    model = init_model(str(config))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.rand(2, 3, 16, 16)).sum().backward()
    optimizer.step()
    path = tmp_path / 'epoch_3.pth'
    save_checkpoint({'state_dict': model.state_dict(), 'optimizer': optimizer.state_dict(),
                     'param_schedulers': [{'last_step': 3}], 'message_hub': {'iter': 30},
                     'meta': {'epoch': 3, 'dataset_meta': {'classes': ['a', 'b', 'c']},
                              'hook_msgs': {'best': 1}}}, str(path))
    return config, path, model


def test_publish_model_strips_and_names_by_hash(tmp_path, training_checkpoint):
    from mmcls.apis import init_model
    from mmcls.core.weights import sha256_of
    config, path, model = training_checkpoint
    tool = load_tool('publish_model')
    assert tool.main([str(path), str(tmp_path / 'out' / 'tiny_8xb32_in1k.pth'),
                      '--date', '20230102']) == 0
    [final] = list((tmp_path / 'out').iterdir())
    digest = sha256_of(str(final))
    assert final.name == f'tiny_8xb32_in1k_20230102-{digest[:8]}.pth'
    released = torch.load(final, weights_only=True)
    assert set(released) == {'state_dict', 'meta'}
    assert released['meta'] == {'epoch': 3, 'dataset_meta': {'classes': ['a', 'b', 'c']}}
    loaded = init_model(str(config), str(final))
    assert list(loaded.CLASSES) == ['a', 'b', 'c']
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key


def test_publish_model_rejects_bad_date(tmp_path, training_checkpoint):
    from mmcls.deployment.checkpoint_tools import publish_model
    _, path, _ = training_checkpoint
    with pytest.raises(ValueError, match='YYYYMMDD'):
        publish_model(str(path), str(tmp_path / 'x.pth'), date='2023-01-02')


@pytest.mark.parametrize('dtype', [None, 'fp16'])
def test_safetensors_export_loads_back(tmp_path, training_checkpoint, dtype):
    from safetensors.torch import load_file

    from mmcls.apis import init_model
    from mmcls.deployment.checkpoint_tools import read_safetensors_meta
    config, path, model = training_checkpoint
    out = tmp_path / 'tiny.safetensors'
    argv = [str(path), str(out)] + (['--dtype', dtype] if dtype else [])
    assert load_tool('to_safetensors').main(argv) == 0
    tensors = load_file(str(out))
    assert set(tensors) == set(model.state_dict())
    expected_dtype = torch.float16 if dtype == 'fp16' else torch.float32
    assert tensors['head.fc.weight'].dtype == expected_dtype
    assert read_safetensors_meta(str(out))['dataset_meta'] == {'classes': ['a', 'b', 'c']}
    loaded = init_model(str(config), str(out))
    x = torch.rand(2, 3, 16, 16)
    with torch.no_grad():
        diff = (loaded(x) - model.eval()(x)).abs().max().item()
    assert diff < (1e-2 if dtype == 'fp16' else 1e-6)


def test_safetensors_export_checks_its_arguments(tmp_path, training_checkpoint):
    from mmcls.deployment.checkpoint_tools import export_safetensors
    _, path, _ = training_checkpoint
    with pytest.raises(ValueError, match='.safetensors'):
        export_safetensors(str(path), str(tmp_path / 'x.pth'))
    with pytest.raises(ValueError, match='dtype'):
        export_safetensors(str(path), str(tmp_path / 'x.safetensors'), dtype='int8')
