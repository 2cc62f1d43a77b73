"""DefaultScope records and register_all_modules setting the mmcls scope."""
import pytest

from mmcls.registry import DefaultScope
from mmcls.utils import register_all_modules


@pytest.fixture(autouse=True)
def _fresh_scopes(monkeypatch):
    monkeypatch.setattr(DefaultScope, '_instances', {})
    monkeypatch.setattr(DefaultScope, '_current', None)


def test_get_instance_creates_then_fetches_and_makes_current():
    assert DefaultScope.get_current_instance() is None
    first = DefaultScope.get_instance('one', scope_name='mmcls')
    second = DefaultScope.get_instance('two', scope_name='other')
    assert DefaultScope.get_current_instance() is second
    assert DefaultScope.get_instance('one') is first
    assert DefaultScope.get_current_instance().scope_name == 'mmcls'
    assert DefaultScope.check_instance_created('two')
    with pytest.raises(ValueError, match="'three' does not exist"):
        DefaultScope.get_instance('three')
    with pytest.raises(TypeError, match='scope_name'):
        DefaultScope.get_instance('four', scope_name='')


def test_overwrite_default_scope_is_undone_after_the_block():
    DefaultScope.get_instance('base', scope_name='mmcls')
    with DefaultScope.overwrite_default_scope('other'):
        assert DefaultScope.get_current_instance().scope_name == 'other'
    assert DefaultScope.get_current_instance().scope_name == 'mmcls'
    with DefaultScope.overwrite_default_scope(None):
        assert DefaultScope.get_current_instance().scope_name == 'mmcls'


def test_register_all_modules_sets_the_mmcls_scope_and_warns_over_another():
    register_all_modules(init_default_scope=False)
    assert DefaultScope.get_current_instance() is None
    register_all_modules()
    assert DefaultScope.get_current_instance().scope_name == 'mmcls'
    DefaultScope.get_instance('user', scope_name='test')
    with pytest.warns(UserWarning, match='The current default scope "test" is not "mmcls"'):
        register_all_modules(init_default_scope=True)
    assert DefaultScope.get_current_instance().scope_name == 'mmcls'
