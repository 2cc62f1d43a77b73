"""Every class MMClassification 1.0.0rc6 registers accepts the same constructor arguments here.

``tests/data/rc6/signatures.json`` lists, for each class rc6 registers, the registry, the registered
name, the rc6 source file and its ``__init__`` parameters with their defaults: the default's literal
source text, ``REQUIRED`` for a parameter without default, or ``NONLITERAL`` for a default that is
an expression (a constant name, a call). The test looks the class up in our registry and checks that

* every rc6 parameter is accepted by our class, and
* where rc6 has a literal default, ours is equal by value (tuples and lists compare as sequences);
  a parameter required in rc6 may have a default here, a ``NONLITERAL`` one only has to exist.

Extra parameters of ours are allowed.

Which parameters a class accepts: walk the class's MRO and read each ``__init__`` defined in a class
body, in order. Its named parameters are accepted (the first class naming one gives its default).
The walk goes on to the next ``__init__`` only while the current one takes ``**kwargs``, because only
then can arguments it does not name reach a parent; an ``__init__`` without ``**kwargs`` ends it.
"""
import ast
import inspect
import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import mmcls.registry as registries

ROWS = json.loads((Path(__file__).resolve().parent / 'data' / 'rc6' / 'signatures.json').read_text())
REQUIRED, NONLITERAL = 'REQUIRED', 'NONLITERAL'
MISSING = object()
# rc6 names the backbone registry separately; it is the model registry.
REGISTRY_ALIASES = {'BACKBONES': 'MODELS'}


def accepted_parameters(cls: Any) -> Dict[str, Any]:
    """name -> default (``inspect.Parameter.empty`` when required), by the MRO rule above."""
    if not inspect.isclass(cls):
        return _named(inspect.signature(cls))[0]
    accepted: Dict[str, Any] = {}
    for klass in cls.__mro__:
        if '__init__' not in vars(klass) or klass is object:
            continue
        try:
            signature = inspect.signature(vars(klass)['__init__'])
        except (TypeError, ValueError):
            break
        named, forwards = _named(signature)
        for name, default in named.items():
            accepted.setdefault(name, default)
        if not forwards:
            break
    return accepted


def _named(signature: inspect.Signature) -> Tuple[Dict[str, Any], bool]:
    named, forwards = {}, False
    for name, param in signature.parameters.items():
        if param.kind is param.VAR_KEYWORD:
            forwards = True
        elif param.kind is not param.VAR_POSITIONAL and name != 'self':
            named[name] = param.default
    return named, forwards


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        return len(expected) == len(actual) and all(map(_same, expected, actual))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(_same(v, actual[k]) for k, v in expected.items())
    return type(expected) is type(actual) and expected == actual or (
        isinstance(expected, (int, float)) and isinstance(actual, (int, float))
        and not isinstance(expected, bool) and not isinstance(actual, bool) and expected == actual)


def mismatches(row: dict) -> List[str]:
    registry = getattr(registries, REGISTRY_ALIASES.get(row['registry'], row['registry']))
    if row['name'] not in registry:
        return [f'{row["name"]!r} is not in the {registry.name} registry']
    accepted = accepted_parameters(registry.get(row['name']))
    problems = []
    for name, default in row['params']:
        ours = accepted.get(name, MISSING)
        if ours is MISSING:
            problems.append(f'missing parameter {name!r}')
        elif default in (REQUIRED, NONLITERAL):
            continue
        elif ours is inspect.Parameter.empty:
            problems.append(f'{name!r} is required here, rc6 default {default}')
        elif not _same(ast.literal_eval(default), ours):
            problems.append(f'{name!r} default {ours!r} here, rc6 {default}')
    return problems


def test_table_covers_the_rc6_registries():
    assert len(ROWS) == 160
    assert {row['registry'] for row in ROWS} >= {'MODELS', 'TRANSFORMS', 'METRICS', 'HOOKS', 'DATASETS'}


def test_the_mro_rule_follows_kwargs_only():
    class Parent:
        def __init__(self, depth=50, norm='BN'):
            pass

    class Forwards(Parent):
        def __init__(self, width=1, **kwargs):
            super().__init__(**kwargs)

    class Stops(Parent):
        def __init__(self, width=1):
            super().__init__()

    assert accepted_parameters(Forwards) == {'width': 1, 'depth': 50, 'norm': 'BN'}
    assert accepted_parameters(Stops) == {'width': 1}


@pytest.mark.parametrize('row', ROWS, ids=[f'{r["registry"]}.{r["name"]}' for r in ROWS])
def test_rc6_signature(row):
    problems = mismatches(row)
    assert not problems, f'{row["name"]} ({row["file"]}): ' + '; '.join(problems)
