"""Finds and runs the fenced blocks of a markdown file marked ``<!-- runnable -->``.

Shared by ``tests/test_readme.py`` and ``tests/test_docs.py``. Blocks run in order in a scratch
folder that links the repository's ``configs``, ``tools`` and ``demo`` folders, so what they
write stays out of the checkout; ``python`` and ``mmcls`` are those of the test's environment.
"""
import os
import os.path as osp
import re
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MARKER = '<!-- runnable -->'
SKIP_MARKER = re.compile(r'^<!-- not runnable: \S.*-->\s*$')
BLOCK = re.compile(r'^' + re.escape(MARKER) + r'\s*\n```(bash|python)\n(.*?)^```', re.M | re.S)


def runnable_blocks(text: str):
    """``(language, code)`` of every fenced block right after the runnable marker."""
    blocks = BLOCK.findall(text)
    markers = len(re.findall(r'^' + re.escape(MARKER), text, re.M))
    if markers != len(blocks):
        raise ValueError(f'{markers} runnable markers but {len(blocks)} blocks: every '
                         f'marker must be followed by a ```bash or ```python block')
    return blocks


def unmarked_fences(text: str):
    """Line numbers (1-based) of opening fences with neither marker on the line before."""
    lines = text.split('\n')
    unmarked, inside = [], False
    for number, line in enumerate(lines):
        if not line.startswith('```'):
            continue
        if not inside:
            previous = lines[number - 1] if number else ''
            if previous.strip() != MARKER and not SKIP_MARKER.match(previous):
                unmarked.append(number + 1)
        inside = not inside
    return unmarked


def scratch_env(folder):
    """Links the repository's demo inputs into ``folder``; the environment the blocks run in."""
    for name in ('configs', 'tools', 'demo'):
        os.symlink(osp.join(REPO, name), osp.join(str(folder), name))
    return dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='',
                PATH=osp.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
                MMCLS_HOME=osp.join(str(folder), 'mmcls_home'))


def run_blocks(blocks, folder, env, source):
    """Runs ``blocks`` in order in ``folder``; fails naming ``source`` and the block."""
    for index, (lang, code) in enumerate(blocks):
        command = ['bash', '-euo', 'pipefail', '-c', code] if lang == 'bash' else \
            [sys.executable, '-c', code]
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, (f'{source} runnable block {index} ({lang}) failed:\n{code}\n'
                                      f'{done.stdout[-2000:]}\n{done.stderr[-3000:]}')
