"""tools/misc/print_config.py prints a re-loadable config and never imports torch."""
import subprocess
import sys
from pathlib import Path

from mmcls.config import Config

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / 'tools' / 'misc' / 'print_config.py'

# Runs the tool in-process, then reports on stderr whether torch got imported.
_WRAPPER = """
import runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name='__main__')
finally:
    print('TORCH-IMPORTED' if 'torch' in sys.modules else 'TORCH-FREE', file=sys.stderr)
"""


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', _WRAPPER, str(SCRIPT), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_help_does_not_import_torch():
    result = _run('--help')
    assert result.returncode == 0, result.stderr
    assert '--cfg-options' in result.stdout
    assert 'TORCH-FREE' in result.stderr


def test_printed_config_is_a_standalone_config(cfg_dir, tmp_path):
    config = cfg_dir / 'resnet' / 'resnet50_8xb32-300e_in1k.py'
    result = _run(str(config), '--cfg-options', 'model.backbone.norm_eval=False',
                  'val_evaluator.topk=(1, 3)', 'train_dataloader.dataset.pipeline.1.scale=176')
    assert result.returncode == 0, result.stderr
    assert 'TORCH-FREE' in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f'# Config: {config}'
    assert any(line.startswith('# Imported: ') and line.endswith('resnet50.py') for line in lines)
    final = tmp_path / 'final_config.py'  # `print_config.py CONFIG > final_config.py`
    final.write_text(result.stdout)
    expected = Config.fromfile(config)
    expected.merge_from_dict({'model.backbone.norm_eval': False, 'val_evaluator.topk': (1, 3),
                              'train_dataloader.dataset.pipeline.1.scale': 176})
    assert Config.fromfile(final).to_dict() == expected.to_dict()


def test_errors_are_reported_without_a_traceback(cfg_dir):
    result = _run(str(cfg_dir / 'errors' / 'missing_base.py'))
    assert result.returncode == 2
    assert "error: base config './does_not_exist.py'" in result.stderr
    assert 'Traceback' not in result.stderr
    result = _run(str(cfg_dir / 'resnet' / 'resnet50_8xb32_in1k.py'), '--cfg-options', 'model.depth')
    assert result.returncode == 2 and "'model.depth' must look like KEY=VALUE" in result.stderr
