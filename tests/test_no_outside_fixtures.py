"""The test suite and the package read their data from inside the repository only."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Assembled from parts so this file does not match itself.
FORBIDDEN = ('..' + '/shared', 'shared' + '/reference', 'shared' + '/tools')
TEXT_SUFFIXES = {'.py', '.md', '.txt', '.yml', '.yaml', '.json', '.toml', '.cfg', '.ini'}


def files_mentioning_outside_paths(tree):
    hits = []
    for path in sorted((REPO_ROOT / tree).rglob('*')):
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            text = path.read_text(errors='replace')
            hits += [f'{path.relative_to(REPO_ROOT)}: {s}' for s in FORBIDDEN if s in text]
    return hits


def test_tests_use_only_repository_data():
    assert not files_mentioning_outside_paths('tests')


def test_package_uses_only_repository_data():
    assert not files_mentioning_outside_paths('mmcls')
