"""Registry semantics: registration, scoped names, strict errors, lazy locations."""
import subprocess
import sys

import pytest

from mmcls.registry import Registry, build_from_cfg


def make_registry():
    reg = Registry('toy')

    @reg.register_module()
    class ResNet:

        def __init__(self, depth=50):
            if depth not in (18, 50):
                raise ValueError(f'invalid depth {depth}')
            self.depth = depth

    @reg.register_module(name=['Alias1', 'Alias2'])
    def make_thing(value=1):
        return ('thing', value)

    return reg, ResNet


def test_register_and_build_with_default_args():
    reg, resnet_cls = make_registry()
    obj = reg.build(dict(type='ResNet'), default_args=dict(depth=18))
    assert isinstance(obj, resnet_cls) and obj.depth == 18
    assert reg.build(dict(type='ResNet', depth=50)).depth == 50
    assert reg.build(dict(type='Alias2', value=3)) == ('thing', 3)
    assert build_from_cfg(dict(type=resnet_cls), reg).depth == 50  # a class as type
    assert 'ResNet' in reg and 'Nope' not in reg and len(reg) == 3


def test_scoped_names_resolve_to_this_package():
    reg, resnet_cls = make_registry()
    for key in ('mmcls.ResNet', 'mmengine.ResNet', 'mmcv.ResNet', 'mmpretrain.ResNet'):
        assert reg.get(key) is resnet_cls
    with pytest.raises(KeyError, match="scope 'mmdet' is not known"):
        reg.get('mmdet.ResNet')


def test_unknown_type_names_registry_scope_and_closest_names():
    reg, _ = make_registry()
    with pytest.raises(KeyError) as info:
        reg.build(dict(type='ResNte'))
    message = str(info.value)
    assert 'toy registry' in message and 'scope mmcls' in message
    assert "did you mean 'ResNet'" in message


def test_constructor_errors_name_registry_and_type():
    reg, _ = make_registry()
    with pytest.raises(ValueError, match=r'ResNet in the toy registry: invalid depth 7'):
        reg.build(dict(type='ResNet', depth=7))
    with pytest.raises(TypeError, match='ResNet in the toy registry'):
        reg.build(dict(type='ResNet', width=3))


def test_duplicate_registration_needs_force():
    reg, _ = make_registry()

    class ResNet:
        pass

    with pytest.raises(KeyError, match='already registered'):
        reg.register_module(module=ResNet)
    reg.register_module(module=ResNet, force=True)
    assert reg.get('ResNet') is ResNet


def test_bad_cfg_errors():
    reg, _ = make_registry()
    with pytest.raises(TypeError, match='must be a dict'):
        reg.build(['ResNet'])
    with pytest.raises(KeyError, match='"type"'):
        reg.build(dict(depth=50))


def test_repr_is_a_table():
    reg, _ = make_registry()
    text = repr(reg)
    assert 'Registry of toy' in text and 'ResNet' in text and 'Alias1' in text


def test_locations_imported_on_first_use(tmp_path):
    pkg = tmp_path / 'lazy_pkg_for_test'
    pkg.mkdir()
    (pkg / '__init__.py').write_text(
        'from mmcls.registry import Registry\n'
        "REG = Registry('lazy', locations=['lazy_pkg_for_test.parts'])\n")
    (pkg / 'parts.py').write_text(
        'from lazy_pkg_for_test import REG\n'
        '@REG.register_module()\nclass Part:\n    pass\n')
    code = ('import sys; from lazy_pkg_for_test import REG\n'
            "assert 'lazy_pkg_for_test.parts' not in sys.modules\n"
            "assert REG.get('Part').__name__ == 'Part'\n")
    subprocess.run([sys.executable, '-c', code], check=True, cwd=tmp_path)


def test_import_mmcls_does_not_import_torch():
    code = ('import sys, mmcls, mmcls.registry; '
            "assert 'torch' not in sys.modules, 'torch imported'; print(mmcls.__version__)")
    out = subprocess.run([sys.executable, '-c', code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == '1.0.0'
