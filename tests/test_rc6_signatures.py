"""Every class MMClassification 1.0.0rc6 registers accepts the same constructor arguments here,
and every public class and function of its modules has the same parameters, methods and class
attributes at the same import path.

``tests/data/rc6/signatures.json`` lists, for each class rc6 registers, the registry, the registered
name, the rc6 source file and its ``__init__`` parameters with their defaults: the default's literal
source text, ``REQUIRED`` for a parameter without default, or ``NONLITERAL`` for a default that is
an expression (a constant name, a call). The test looks the class up in our registry and checks that

* every rc6 parameter is accepted by our class, and
* where rc6 has a literal default, ours is equal by value (tuples and lists compare as sequences);
  a parameter required in rc6 may have a default here, a ``NONLITERAL`` one only has to exist.

Extra parameters of ours are allowed.

``tests/data/rc6/module_signatures.json`` lists every top-level public class and function of every
rc6 module under ``mmcls/`` (registered or not): its parameters in the same form (a class's
``__init__``; ``null`` when rc6's class body defines none), and for a class its public methods
(properties left out: rc6 often reads a submodule through a property where ours stores it) and the
public names assigned in its body (``arch_zoo``, ``arch_settings``...). The test imports the name
from the same module path and checks the parameters as above, that rc6's required parameters come
first and in rc6's order (user code passes them by position), and that each method and class
attribute exists.

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
    return _parameter_problems(registry.get(row['name']), row['params'], check_order=False)


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


def assert_only_deviations(qualified: str, problems: List[str]) -> None:
    """Fail on any problem not listed in DEVIATIONS for ``qualified``, and on listed ones that
    no longer occur."""
    documented = set(DEVIATIONS.get(qualified, {}))
    stale = sorted(documented - set(problems))
    assert not stale, (f'{qualified}: listed deviations no longer occur (take them out): '
                       f'{stale}')
    unexpected = [problem for problem in problems if problem not in documented]
    assert not unexpected, f'{qualified}: ' + '; '.join(unexpected)


@pytest.mark.parametrize('row', ROWS, ids=[f'{r["registry"]}.{r["name"]}' for r in ROWS])
def test_rc6_signature(row):
    module = row['file'][:-len('.py')].replace('/', '.')
    assert_only_deviations(f'{module}.{row["name"]}', mismatches(row))


MODULE_ROWS = json.loads(
    (Path(__file__).resolve().parent / 'data' / 'rc6' / 'module_signatures.json').read_text())

# Differences from rc6 kept on purpose: ``'module.Name': {problem text: reason}``. A listed problem
# must still occur (a fixed one fails as stale) and every other problem fails.
DEVIATIONS: Dict[str, Dict[str, str]] = {
    'mmcls.models.backbones.conformer.Conformer': {
        "'norm_eval' default False here, rc6 True":
            'rc6 stored norm_eval but never applied it, so its recipes train batch-norm '
            'statistics; a True default that is applied would freeze them',
    },
}


def module_mismatches(row: dict) -> List[str]:
    import importlib
    try:
        module = importlib.import_module(row['module'])
    except ModuleNotFoundError:
        return [f'no module {row["module"]}']
    obj = getattr(module, row['name'], MISSING)
    if obj is MISSING:
        return [f'{row["module"]} has no {row["name"]!r}']
    problems = []
    if row['params'] is not None:
        problems += _parameter_problems(obj, row['params'])
    problems += [f'no method {name!r}' for name in row.get('methods', ()) if not hasattr(obj, name)]
    problems += [f'no class attribute {name!r}' for name in row.get('attrs', ()) if not hasattr(obj, name)]
    return problems


def _parameter_problems(obj: Any, params: List[List[str]], check_order: bool = True
                        ) -> List[str]:
    accepted = accepted_parameters(obj)
    problems = []
    for name, default in params:
        ours = accepted.get(name, MISSING)
        if ours is MISSING:
            problems.append(f'missing parameter {name!r}')
        elif default in (REQUIRED, NONLITERAL):
            continue
        elif ours is inspect.Parameter.empty:
            problems.append(f'{name!r} is required here, rc6 default {default}')
        elif not _same(ast.literal_eval(default), ours):
            problems.append(f'{name!r} default {ours!r} here, rc6 {default}')
    required = [name for name, default in params if default == REQUIRED]
    leading = list(accepted)[:len(required)]
    if check_order and required and leading != required:
        problems.append(f'required parameters {leading} here, rc6 {required} (in this order)')
    return problems


def test_module_table_covers_the_rc6_package():
    assert len(MODULE_ROWS) > 400
    assert {row['module'] for row in MODULE_ROWS} >= {
        'mmcls.models.backbones.vig', 'mmcls.datasets.mnist', 'mmcls.apis.inference'}


@pytest.mark.parametrize('row', MODULE_ROWS, ids=[f'{r["module"]}.{r["name"]}' for r in MODULE_ROWS])
def test_rc6_module_api(row):
    assert_only_deviations(f'{row["module"]}.{row["name"]}', module_mismatches(row))


def test_every_deviation_names_a_row():
    rows = {f'{row["module"]}.{row["name"]}' for row in MODULE_ROWS}
    assert not set(DEVIATIONS) - rows
