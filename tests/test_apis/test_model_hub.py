"""ModelHub: the zoo index plus project model-index files, as MMClassification 1.x has it."""
import textwrap

import pytest

from mmcls.apis import ModelHub, list_models
from mmcls.apis import model as model_api
from mmcls.config import Config


@pytest.fixture
def clean_hub(monkeypatch):
    monkeypatch.setattr(ModelHub, '_models_dict', {})
    monkeypatch.setattr(ModelHub, '_zoo_registered', False)
    return ModelHub


def _project(tmp_path, name='my-net_8xb8_toy'):
    (tmp_path / 'configs').mkdir()
    (tmp_path / 'configs' / 'net.py').write_text(
        "model = dict(type='ImageClassifier', backbone=dict(type='ResNet', depth=18))\n")
    (tmp_path / 'configs' / 'metafile.yml').write_text(textwrap.dedent(f'''
        Collections:
          - Name: MyNet
            Paper: {{Title: A toy network}}
        Models:
          - Name: {name}
            In Collection: MyNet
            Config: configs/net.py
            Weights: https://example.org/my-net.pth
            Metadata: {{FLOPs: 1}}
        '''))
    index = tmp_path / 'model-index.yml'
    index.write_text('Import:\n  - configs/metafile.yml\n')
    return index


def test_zoo_models_come_from_the_list_models_index(clean_hub):
    name = list_models('resnet18_8xb32_in1k')[0]
    info = clean_hub.get(name.upper())
    assert info.name == name and isinstance(info.config, Config)
    assert info.config.model.backbone.depth == 18
    assert info.filepath.endswith('metafile.yml')
    assert clean_hub.has('ResNet18_8xb32_in1k') and not clean_hub.has('resnet18_nothing')
    with pytest.raises(ValueError, match="did you mean"):
        clean_hub.get('resnet18_8xb32_in1kk')


def test_register_a_project_index(clean_hub, tmp_path):
    index = _project(tmp_path)
    assert clean_hub.register_model_index(index) == ['my-net_8xb8_toy']
    info = clean_hub.get('My-Net_8xb8_toy')
    assert info.config.model.backbone.type == 'ResNet'
    assert info.weights == 'https://example.org/my-net.pth' and info.paper == 'A toy network'
    assert info.filepath == str(tmp_path / 'configs' / 'metafile.yml')
    assert isinstance(clean_hub._models_dict['my-net_8xb8_toy'].config, str)  # loaded per get
    with pytest.raises(ValueError, match='already registered'):
        clean_hub.register_model_index(index)


def test_config_prefix_and_conflicts_with_the_zoo(clean_hub, tmp_path):
    (tmp_path / 'a').mkdir()
    index = _project(tmp_path / 'a')
    (tmp_path / 'b').mkdir()
    (tmp_path / 'b' / 'configs').mkdir()
    (tmp_path / 'b' / 'configs' / 'net.py').write_text("model = dict(type='Other')\n")
    clean_hub.register_model_index(index, config_prefix=tmp_path / 'b')
    assert clean_hub.get('my-net_8xb8_toy').config.model.type == 'Other'
    zoo_name = list_models('resnet18_8xb32_in1k')[0]
    (tmp_path / 'c').mkdir()
    clash = _project(tmp_path / 'c', name=zoo_name)
    with pytest.raises(ValueError, match=zoo_name):
        clean_hub.register_model_index(clash)
    with pytest.raises(FileNotFoundError, match='model_index_path'):
        clean_hub.register_model_index(tmp_path / 'none.yml')


def test_rc6_names_of_the_module():
    assert model_api.list_models is list_models


def test_register_mmcls_models_adds_the_zoo_once(clean_hub):
    """rc6's ``ModelHub._register_mmcls_models()``: the zoo, added once."""
    clean_hub._register_mmcls_models()
    count = len(clean_hub._models_dict)
    assert count and 'resnet18_8xb32_in1k' in clean_hub._models_dict
    clean_hub._register_mmcls_models()
    assert len(clean_hub._models_dict) == count
