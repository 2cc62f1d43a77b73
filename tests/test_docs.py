"""The documentation site: every runnable block of every page runs, every block is marked,
and ``mkdocs build --strict`` succeeds."""
import glob
import os.path as osp
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from runnable_blocks import REPO, run_blocks, runnable_blocks, scratch_env, unmarked_fences

PAGES = sorted(glob.glob(osp.join(REPO, 'docs', '**', '*.md'), recursive=True))
GENERATED = {osp.join(REPO, 'docs', 'model_zoo.md')}


def _read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def test_unmarked_fences_found():
    text = '<!-- runnable -->\n```bash\nls\n```\n```python\nx\n```\n' \
           '<!-- not runnable: needs a GPU -->\n```bash\nnvidia-smi\n```\n'
    assert unmarked_fences(text) == [5]


def test_every_block_is_marked():
    unmarked = {osp.relpath(page, REPO): unmarked_fences(_read(page))
                for page in PAGES if page not in GENERATED}
    assert not {page: lines for page, lines in unmarked.items() if lines}, \
        'code blocks need <!-- runnable --> or <!-- not runnable: reason --> before them'


@pytest.mark.parametrize('page', [p for p in PAGES if runnable_blocks(_read(p))],
                         ids=lambda p: osp.relpath(p, REPO))
def test_page_blocks_run(page, tmp_path):
    run_blocks(runnable_blocks(_read(page)), tmp_path, scratch_env(tmp_path),
               osp.relpath(page, REPO))


def test_mkdocs_build_strict(tmp_path):
    mkdocs = shutil.which('mkdocs', path=osp.dirname(sys.executable))
    if mkdocs is None:
        pytest.skip('mkdocs is not installed (pip install -e ".[docs]")')
    done = subprocess.run([mkdocs, 'build', '--strict', '--site-dir', str(tmp_path / 'site')],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    assert (tmp_path / 'site' / 'index.html').is_file()
    assert (tmp_path / 'site' / 'model_zoo' / 'index.html').is_file()
