"""Reference-zoo fidelity of the transformer families (part 2): the smallest model of
each family has the reference state-dict keys/shapes and reproduces the reference output."""
import importlib.util
from pathlib import Path

import pytest

REFCHECK = Path(__file__).resolve().parents[3] / 'shared' / 'tools' / 'refcheck.py'

MODELS = [
    'xcit-nano-12-p16_3rdparty_in1k',
    'twins-svt-small_3rdparty_8xb128_in1k',
    'twins-pcpvt-small_3rdparty_8xb128_in1k',
    'tinyvit-5m_3rdparty_in1k',
    'mobilevit-xxsmall_3rdparty_in1k',
    'conformer-tiny-p16_3rdparty_8xb128_in1k',
    't2t-vit-t-14_8xb64_in1k',
    'tnt-small-p16_3rdparty_in1k',
]


@pytest.fixture(scope='module')
def refcheck():
    if not REFCHECK.is_file():
        pytest.skip(f'reference fixtures not available ({REFCHECK} is absent)')
    spec = importlib.util.spec_from_file_location('refcheck', REFCHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('name', MODELS)
def test_model_matches_reference(refcheck, name):
    import torch

    import mmcls
    torch.manual_seed(0)
    model = mmcls.get_model(name)
    assert refcheck.compare(refcheck.load_fixture(name), model) == []
