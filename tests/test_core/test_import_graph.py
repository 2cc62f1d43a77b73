"""The package's floor plan: no import cycle between mmcls subpackages, lazy imports included.

The graph is built from the source with ``ast`` (every ``import``/``from ... import``
statement, wherever it sits: module level, inside functions, under ``if``), so an import
hidden in a function body counts as much as one at the top of a file.
"""
import ast
from collections import defaultdict
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2] / 'mmcls'

# Bottom to top; a subpackage may import only subpackages on a lower floor or its own.
FLOORS = [
    {'utils', 'registry', 'config', 'structures', 'version'},
    {'core'},
    {'datasets', 'visualization'},
    {'models'},
    {'evaluation'},
    {'engine'},
    {'runner'},
    {'apis'},
    {'deployment'},
    {'cli', 'tools', '__main__', 'compat'},
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_ROOT.parent).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


def _imported_modules(path: Path, module: str):
    is_package = path.name == '__init__.py'
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split('.')
                if not is_package:
                    base = base[:-1]
                base = base[:len(base) - node.level + 1]
                target = '.'.join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ''
            yield target, node.lineno


def _subpackage(module: str):
    parts = module.split('.')
    return parts[1] if len(parts) > 1 and parts[0] == 'mmcls' else None


def import_edges():
    """``{(from_subpackage, to_subpackage): [file:line, ...]}`` over the whole package."""
    edges = defaultdict(list)
    for path in sorted(PACKAGE_ROOT.rglob('*.py')):
        module = _module_name(path)
        source = _subpackage(module)
        if source is None:
            continue
        for target_module, line in _imported_modules(path, module):
            target = _subpackage(target_module)
            if target is not None and target != source:
                edges[source, target].append(f'{path.relative_to(PACKAGE_ROOT.parent)}:{line}')
    return edges


def _floor_of(subpackage: str) -> int:
    for level, names in enumerate(FLOORS):
        if subpackage in names:
            return level
    raise AssertionError(f'mmcls.{subpackage} is on no floor of FLOORS in {__file__}; add it')


def _find_cycle(graph):
    state = {}

    def visit(node, trail):
        state[node] = 'open'
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 'open':
                return trail[trail.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, trail + [nxt])
                if found:
                    return found
        state[node] = 'done'
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_the_graph_sees_imports_inside_functions(tmp_path):
    source = tmp_path / 'mod.py'
    source.write_text('def f():\n    from mmcls.runner import Runner\n')
    assert [m for m, _ in _imported_modules(source, 'mmcls.models.mod')] == ['mmcls.runner']


def test_cycle_finder_finds_a_cycle():
    assert _find_cycle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) == ['a', 'b', 'c', 'a']
    assert _find_cycle({'a': {'b'}, 'b': set()}) is None


def test_no_cycle_between_subpackages():
    graph = defaultdict(set)
    for source, target in import_edges():
        graph[source].add(target)
    assert _find_cycle(graph) is None, f'import cycle between mmcls subpackages: {_find_cycle(graph)}'


def test_no_import_runs_back_up():
    upward = {f'mmcls.{s} -> mmcls.{t}': where[:3]
              for (s, t), where in import_edges().items() if _floor_of(t) > _floor_of(s)}
    assert not upward, f'imports from a lower floor to a higher one: {upward}'
