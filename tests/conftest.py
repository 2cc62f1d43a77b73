"""Shared test fixtures: the reference-zoo checker and paths to shared data."""
import importlib.util
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / 'shared'
REFCHECK_PATH = SHARED / 'tools' / 'refcheck.py'


def _load_refcheck():
    spec = importlib.util.spec_from_file_location('refcheck', REFCHECK_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def restore_torch_threads():
    """Undo ``torch.set_num_threads`` calls of a test so they do not leak into later tests."""
    torch = sys.modules.get('torch')
    threads = torch.get_num_threads() if torch is not None else None
    yield
    torch = sys.modules.get('torch')
    if torch is not None and threads is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


@pytest.fixture(scope='session')
def refcheck():
    """The reference checker refcheck.py of the shared fixtures (skips when the fixtures are absent)."""
    if not REFCHECK_PATH.exists():
        pytest.skip(f'reference fixtures not found at {REFCHECK_PATH}')
    return _load_refcheck()


@pytest.fixture(scope='session')
def check_zoo_model(refcheck):
    """``check_zoo_model(name)`` builds ``name`` with get_model and asserts it matches its fixture."""
    import torch

    import mmcls

    def check(name: str) -> None:
        torch.manual_seed(0)
        fixture = refcheck.load_fixture(name)
        # ViG builds a k-nearest-neighbour graph, which is discontinuous in near-ties: the
        # summation order of the distance matmul (set by the thread count) can flip a neighbour.
        # The reference outputs reproduce with 2 intra-op threads.
        threads = torch.get_num_threads()
        torch.set_num_threads(2)
        try:
            problems = refcheck.compare(fixture, mmcls.get_model(name))
        finally:
            torch.set_num_threads(threads)
        assert not problems, f'{name}: ' + '; '.join(problems)

    return check
