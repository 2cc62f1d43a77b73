import os

import pytest

from mmcls.apis import model_index

METAFILE = """\
Collections:
  - Name: Toy
    Paper:
      Title: A toy paper
Models:
  - Name: {name}
    In Collection: Toy
    Metadata:
      Parameters: 10
    Results: null
    Weights: https://example.com/toy.pth
    Config: configs/toy/toy_cfg.py
"""


@pytest.fixture
def installed_zoo(tmp_path, monkeypatch):
    """A package dir whose .mim holds its own index, as a non-editable install has."""
    package = tmp_path / 'site' / 'mmcls'
    mim = package / '.mim'
    (mim / 'configs' / 'toy').mkdir(parents=True)
    (mim / 'configs' / 'toy' / 'toy_cfg.py').write_text("model = dict(type='ImageClassifier')\n")
    (mim / 'configs' / 'toy' / 'metafile.yml').write_text(METAFILE.format(name='Toy-Model_v1'))
    (mim / 'model-index.yml').write_text('Import:\n  - configs/toy/metafile.yml\n')
    monkeypatch.setattr(model_index, '_PACKAGE_DIR', str(package))
    monkeypatch.setenv('MMCLS_HOME', str(tmp_path / 'cache'))
    return mim


def test_installed_mim_index_comes_first(installed_zoo):
    assert model_index.find_zoo_root() == str(installed_zoo)
    assert model_index.list_models() == ['Toy-Model_v1']
    assert model_index.list_models('toy-*') == ['Toy-Model_v1']
    info = model_index.get_model_info('TOY-MODEL_V1')
    assert info['config'] == str(installed_zoo / 'configs' / 'toy' / 'toy_cfg.py')
    assert info['paper'] == 'A toy paper' and info['metadata'] == {'Parameters': 10}


def test_json_cache_is_written_and_invalidated(installed_zoo, tmp_path):
    model_index.list_models()
    cache_files = os.listdir(tmp_path / 'cache')
    assert len(cache_files) == 1 and cache_files[0].endswith('.json')
    metafile = installed_zoo / 'configs' / 'toy' / 'metafile.yml'
    metafile.write_text(METAFILE.format(name='toy-model_v2-renamed'))
    assert model_index.list_models() == ['toy-model_v2-renamed']


def test_broken_index_names_the_file(installed_zoo):
    (installed_zoo / 'configs' / 'toy' / 'metafile.yml').write_text('Models: [{Name: x}]\n')
    with pytest.raises(ValueError, match='metafile.yml.*"Config"'):
        model_index.list_models()


def test_duplicate_names_are_rejected(installed_zoo):
    (installed_zoo / 'model-index.yml').write_text(
        'Import:\n  - configs/toy/metafile.yml\n  - configs/toy/metafile.yml\n')
    with pytest.raises(ValueError, match='appears twice'):
        model_index.list_models()


def test_seed_typo_aliases(monkeypatch):
    models = {'cspresnet50_3rdparty_8xb32_in1k': {'name': 'cspresnet50_3rdparty_8xb32_in1k'}}
    monkeypatch.setattr(model_index, 'load_model_index', lambda root=None: models)
    assert model_index.canonical_name('csresnet50_3rdparty_8xb32_in1k') == \
        'cspresnet50_3rdparty_8xb32_in1k'
    assert model_index.canonical_name('CSPResNet50_3rdparty_8xb32_in1k.py') == \
        'cspresnet50_3rdparty_8xb32_in1k'
