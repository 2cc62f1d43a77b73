"""cfg.pretty_text is valid Python that re-loads to an equal config."""
import keyword
import math
from collections import OrderedDict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmcls.config import Config
from mmcls.config.pretty_text import LINE_WIDTH


def _same(a, b) -> bool:
    """Equal values of the very same types (1 vs True vs 1.0 differ, -0.0 vs 0.0 differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return math.copysign(1, a) == math.copysign(1, b) and (a == b or a != a and b != b)
    return a == b


def _reload(cfg: Config) -> Config:
    return Config.fromstring(cfg.pretty_text, '.py')


identifiers = st.from_regex(r'[a-z][a-z0-9_]{0,7}', fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s) and s not in ('filename', 'text', 'pretty_text'))
leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12))
nested_keys = st.one_of(st.text(max_size=8), st.integers(-3, 3)).filter(lambda k: k != '_delete_')
values = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(nested_keys, children, max_size=4),
        st.dictionaries(identifiers, children, max_size=4),
    ),
    max_leaves=12)
configs = st.dictionaries(identifiers, values, max_size=6)


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(configs)
def test_random_configs_round_trip_through_pretty_text(data):
    cfg = Config(data)
    reloaded = _reload(cfg)
    assert _same(reloaded.to_dict(), cfg.to_dict())


def test_seed_configs_round_trip_and_fit_the_line_width(cfg_dir):
    for name in ('resnet/resnet50_8xb32-300e_in1k.py', 'resnest/resnest50_32xb64_in1k.py'):
        cfg = Config.fromfile(cfg_dir / name)
        text = cfg.pretty_text
        compile(text, name, 'exec')
        assert _same(_reload(cfg).to_dict(), cfg.to_dict())
        assert max(len(line) for line in text.splitlines()) <= LINE_WIDTH
    assert "model = dict(\n    type='ImageClassifier',\n" in text


def test_special_values_round_trip():
    cfg = Config({
        'refs': ['{{_base_.model}}', 'a{{{{b', '{{ fileDirname }}/x', '}}'],
        'floats': (math.inf, -math.inf, -0.0, 1e-300, 0.1),
        'keys': {'not an identifier': 1, 'class': 2, 3: 'int key', '': None, 'ok': OrderedDict(a=1)},
        'empty': [dict(), [], ()],
        'single': (1, ),
        'string': 'quote \' and " and \\ and \n and ü',
    })
    reloaded = _reload(cfg)
    assert _same(reloaded.to_dict(), cfg.to_dict())
    assert "'class': 2" in cfg.pretty_text and '{{' not in cfg.pretty_text


def test_nan_and_classes_give_valid_python():
    cfg = Config(dict(value=math.nan, type=Config, fn=math.sqrt))
    reloaded = _reload(cfg)
    assert math.isnan(reloaded.value)
    assert reloaded.type == 'mmcls.config.config.Config'  # written as its import path
    assert reloaded.fn.endswith('sqrt')


def test_a_key_named_dict_switches_to_brace_literals():
    cfg = Config({'dict': {'a': 1}, 'other': {'b': [{'c': 2}]}})
    assert 'dict(' not in cfg.pretty_text
    assert _same(_reload(cfg).to_dict(), cfg.to_dict())


@pytest.mark.parametrize('key', ['_private', 'not-ident', 'class', 3])
def test_top_level_keys_that_python_cannot_hold_are_refused(key):
    with pytest.raises(ValueError, match='cannot be written'):
        Config({key: 1}).pretty_text
