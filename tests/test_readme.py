"""The README's quickstart blocks marked ``<!-- runnable -->`` run as written.

They run in order in a scratch folder that links the repository's ``configs``,
``tools`` and ``demo`` folders, so what they write (``work_dirs/``) stays out
of the checkout; ``python`` and ``mmcls`` are those of the test's environment.
"""
import os
import os.path as osp
import sys

import pytest

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from runnable_blocks import MARKER, REPO, run_blocks, runnable_blocks, scratch_env


def test_marker_parsing():
    text = (f'intro `{MARKER}`\n{MARKER}\n```bash\necho hi\n```\n```python\nskipped()\n```\n'
            f'{MARKER}\n```python\nprint(1)\n```\n')
    assert runnable_blocks(text) == [('bash', 'echo hi\n'), ('python', 'print(1)\n')]
    with pytest.raises(ValueError, match='runnable markers'):
        runnable_blocks(f'{MARKER}\n```text\nnope\n```\n')


def test_readme_quickstart_runs(tmp_path):
    with open(osp.join(REPO, 'README.md'), encoding='utf-8') as f:
        blocks = runnable_blocks(f.read())
    assert [lang for lang, _ in blocks].count('bash') >= 2 and len(blocks) >= 4
    run_blocks(blocks, tmp_path, scratch_env(tmp_path), 'README')
    assert (tmp_path / 'work_dirs' / 'lenet' / 'epoch_1.pth').is_file()
    assert len(os.listdir(tmp_path / 'work_dirs' / 'lenet' / 'predictions')) == 10
    assert len(os.listdir(tmp_path / 'work_dirs' / 'lenet' / 'infer')) == 100
