"""mmcls.compat: opt-in aliases of MMEngine/MMCV modules, never shadowing installed packages.

Every check runs in a fresh interpreter so this test process's sys.modules stays clean.
"""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(code: str, extra_path=None, env=None) -> subprocess.CompletedProcess:
    paths = [str(REPO)] + ([str(extra_path)] if extra_path else [])
    environment = {**os.environ, 'PYTHONPATH': os.pathsep.join(paths), **(env or {})}
    if 'MMCLS_COMPAT' not in (env or {}):
        environment.pop('MMCLS_COMPAT', None)
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)], capture_output=True,
                          text=True, env=environment, cwd=str(REPO), timeout=120)


def _ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_install_resolves_the_tutorial_imports_to_mmcls_classes():
    out = _ok(_run('''
        import mmcls.compat
        assert mmcls.compat.install() == ['mmcv', 'mmengine']
        from mmengine.model import BaseModule
        from mmengine.optim import DefaultOptimWrapperConstructor
        from mmcv.cnn import ConvModule, build_norm_layer
        from mmengine.structures import LabelData
        from mmengine.registry import MODELS
        from mmengine.config import Config
        from mmcv.transforms import BaseTransform
        import mmcls.models.utils as bricks, mmcls.engine.optimizers as optim
        import mmcls.structures, mmcls.registry, mmcls.config, mmcls.datasets.transforms
        assert BaseModule is bricks.BaseModule and ConvModule is bricks.ConvModule
        assert build_norm_layer is bricks.build_norm_layer
        assert DefaultOptimWrapperConstructor is optim.DefaultOptimWrapperConstructor
        assert LabelData is mmcls.structures.LabelData
        assert MODELS is mmcls.registry.MODELS and Config is mmcls.config.Config
        assert BaseTransform is mmcls.datasets.transforms.BaseTransform
        import mmengine
        assert mmengine.model.BaseModule is BaseModule  # a child alias via its parent
        try:
            import mmengine.fileio
        except ImportError:
            print('not covered')
        try:
            from mmengine.model import NotAThing
        except ImportError:
            print('no such name')
    '''))
    assert out.split() == ['not', 'covered', 'no', 'such', 'name']


def test_without_install_mmengine_does_not_import():
    result = _run('import mmcls\nimport mmengine\n')
    assert result.returncode != 0 and "No module named 'mmengine'" in result.stderr


def test_env_var_installs_on_import():
    _ok(_run('''
        import sys
        import mmcls
        from mmengine.structures import LabelData
        assert LabelData.__module__.startswith('mmcls.')
    ''', env={'MMCLS_COMPAT': '1'}))


def test_an_installed_package_is_never_shadowed(tmp_path):
    fake = tmp_path / 'mmengine'
    (fake / 'model').mkdir(parents=True)
    (fake / '__init__.py').write_text("REAL = True\n")
    (fake / 'model' / '__init__.py').write_text("class BaseModule:\n    real = True\n")
    out = _ok(_run('''
        import mmcls.compat
        assert mmcls.compat.install() == ['mmcv']
        import mmengine
        from mmengine.model import BaseModule
        assert mmengine.REAL and BaseModule.real
        from mmcv.cnn import ConvModule  # mmcv is not installed: aliased
        print(ConvModule.__module__)
    ''', extra_path=tmp_path))
    assert out.strip() == 'mmcls.models.utils.conv_module'


def test_a_package_that_appears_later_still_wins_and_uninstall_cleans_up(tmp_path):
    fake = tmp_path / 'mmcv'
    fake.mkdir()
    (fake / '__init__.py').write_text("REAL = True\n")
    _ok(_run(f'''
        import sys
        import mmcls.compat as compat
        compat.install()
        sys.path.insert(0, {str(tmp_path)!r})
        import mmcv
        assert mmcv.REAL  # the finder sits after the path finder
        import mmengine.model
        compat.uninstall()
        assert 'mmengine.model' not in sys.modules and not compat.is_installed()
        try:
            import mmengine
        except ImportError:
            pass
        else:
            raise AssertionError('alias survived uninstall')
    '''))


def test_the_test_helpers_of_mmengine_and_mmcv_resolve():
    """Names rc6-era tests and user modules import beside the model classes: the torch bases
    of ``parrots_wrapper``, the dataset/evaluator modules, the logger, the sequence checks and
    the image reader."""
    out = _ok(_run('''
        import logging
        import numpy as np, torch
        import mmcls.compat
        mmcls.compat.install()
        from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm
        from mmengine.dataset import BaseDataset, RepeatDataset
        from mmengine.dataset.utils import default_collate
        from mmengine.evaluator import Evaluator
        from mmengine.logging import MMLogger
        from mmengine import is_seq_of
        from mmcv.image import imread
        import mmcv
        import mmcls.datasets, mmcls.evaluation
        assert _BatchNorm is torch.nn.modules.batchnorm._BatchNorm
        assert isinstance(torch.nn.SyncBatchNorm(2), _BatchNorm)
        assert BaseDataset is mmcls.datasets.BaseDataset and Evaluator is mmcls.evaluation.Evaluator
        assert default_collate([torch.zeros(2), torch.ones(2)]).shape == (2, 2)
        logger = MMLogger.get_instance('compat-test', log_level='INFO')
        assert isinstance(logger, logging.Logger)
        assert MMLogger.get_current_instance() is logger
        assert is_seq_of([1, 2], int) and not is_seq_of([1, 'a'], int) and not is_seq_of('ab', str)
        assert mmcv.imread is imread
        import cv2, os, tempfile
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, 'probe.png')
            cv2.imwrite(path, np.full((3, 4, 3), 7, np.uint8))
            print(imread(path).shape)
    '''))
    assert out.split() == ['(3,', '4,', '3)']


def test_the_scope_preprocessor_testing_and_image_op_names_resolve():
    """``DefaultScope``, ``BaseDataPreprocessor``, ``assert_allclose`` and MMCV's image ops
    (``mmcv.imshear`` ...) resolve to mmcls's own objects."""
    out = _ok(_run('''
        import numpy as np, torch
        import mmcls.compat
        mmcls.compat.install()
        from mmengine import DefaultScope
        from mmengine.model import BaseDataPreprocessor
        from mmengine.testing import assert_allclose
        import mmcv
        import mmcls.registry, mmcls.models.utils
        from mmcls.datasets.transforms import image_geometry, photometric
        assert DefaultScope is mmcls.registry.DefaultScope
        assert BaseDataPreprocessor is mmcls.models.utils.BaseDataPreprocessor
        assert mmcv.imshear is image_geometry.imshear and mmcv.solarize is photometric.solarize
        assert_allclose(torch.tensor([1.0, 2.0]), [1, 2])
        try:
            assert_allclose(torch.tensor([1.0]), [1.5])
        except AssertionError:
            print('mismatch caught')
        img = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
        print(int(mmcv.iminvert(img)[0, 0, 0]))
    '''))
    assert out.split() == ['mismatch', 'caught', '255']
