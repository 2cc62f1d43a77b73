"""The README's quickstart blocks marked ``<!-- runnable -->`` run as written.

They run in order in a scratch folder that links the repository's ``configs``,
``tools`` and ``demo`` folders, so what they write (``work_dirs/``) stays out
of the checkout; ``python`` and ``mmcls`` are those of the test's environment.
"""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MARKER = '<!-- runnable -->'
BLOCK = re.compile(r'^' + re.escape(MARKER) + r'\s*\n```(bash|python)\n(.*?)^```', re.M | re.S)


def runnable_blocks(text: str):
    """``(language, code)`` of every fenced block right after the runnable marker."""
    blocks = BLOCK.findall(text)
    markers = len(re.findall(r'^' + re.escape(MARKER), text, re.M))
    if markers != len(blocks):
        raise ValueError(f'{markers} runnable markers but {len(blocks)} blocks: every '
                         f'marker must be followed by a ```bash or ```python block')
    return blocks


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
    for name in ('configs', 'tools', 'demo'):
        os.symlink(osp.join(REPO, name), tmp_path / name)
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='',
               PATH=osp.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
               MMCLS_HOME=str(tmp_path / 'mmcls_home'))
    for index, (lang, code) in enumerate(blocks):
        command = ['bash', '-euo', 'pipefail', '-c', code] if lang == 'bash' else \
            [sys.executable, '-c', code]
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, (f'README runnable block {index} ({lang}) failed:\n{code}\n'
                                      f'{done.stdout[-2000:]}\n{done.stderr[-3000:]}')
    assert (tmp_path / 'work_dirs' / 'lenet' / 'epoch_1.pth').is_file()
    assert len(os.listdir(tmp_path / 'work_dirs' / 'lenet' / 'predictions')) == 10
    assert len(os.listdir(tmp_path / 'work_dirs' / 'lenet' / 'infer')) == 100
