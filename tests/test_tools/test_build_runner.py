"""The train/test tools build the runner a config's ``runner_type`` names, as MMEngine's do."""
import pytest

from mmcls.registry import RUNNERS
from mmcls.runner import Runner
from mmcls.tools._common import build_runner


class _NamedRunner(Runner):
    """A user's runner, built by ``build_runner`` through the inherited ``from_cfg``."""


@pytest.fixture
def named_runner():
    RUNNERS.register_module(name='_TestNamedRunner', module=_NamedRunner)
    yield '_TestNamedRunner'
    RUNNERS.module_dict.pop('_TestNamedRunner')


def _cfg(tmp_path, **extra):
    model = dict(type='ImageClassifier', backbone=dict(type='LeNet5', num_classes=3))
    return dict(model=model, work_dir=str(tmp_path), **extra)


def test_runner_type_picks_the_registered_runner(tmp_path, named_runner):
    assert type(build_runner(_cfg(tmp_path))) is Runner
    assert type(build_runner(_cfg(tmp_path, runner_type=named_runner))) is _NamedRunner
    assert type(build_runner(_cfg(tmp_path, runner_type=_NamedRunner))) is _NamedRunner


def test_unknown_runner_type_names_the_key(tmp_path):
    with pytest.raises(KeyError, match="runner_type: 'Runer' .* did you mean 'Runner'"):
        build_runner(_cfg(tmp_path, runner_type='Runer'))
    with pytest.raises(TypeError, match='from_cfg'):
        build_runner(_cfg(tmp_path, runner_type=dict))
