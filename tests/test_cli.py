"""The ``mmcls`` console command: forwarding to the tools, ``list`` and ``infer``."""
import json
import os.path as osp
import subprocess
import sys

import pytest

from mmcls.cli import TOOLS, main

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs', 'lenet', 'lenet5_fashion-mnist-subset.py')
SUBSET = osp.join(REPO, 'demo', 'data', 'fashion-mnist-subset')


def test_list_prints_matching_names_without_torch():
    code = ('import sys; from mmcls.cli import main; rc = main(["list", "LENET*"]); '
            'assert "torch" not in sys.modules, "torch imported"; sys.exit(rc)')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) >= {'lenet5_mnist'}
    assert all(name.startswith('lenet') for name in done.stdout.split())


def test_list_without_match_fails(capsys):
    assert main(['list', 'no-such-model*']) == 1


def test_tools_are_forwarded_with_their_exit_code(capsys):
    assert main(['train', '--help']) == 0
    assert 'usage: mmcls train' in capsys.readouterr().out
    assert main(['test']) == 2  # argparse: missing CONFIG and CHECKPOINT
    assert 'the following arguments are required' in capsys.readouterr().err
    assert main(['print-config', CONFIG]) == 0
    assert "type='LeNet5'" in capsys.readouterr().out


@pytest.mark.parametrize('command', sorted(TOOLS))
def test_every_tool_answers_help(command, capsys):
    assert main([command, '--help']) == 0
    assert f'usage: mmcls {command}' in capsys.readouterr().out


def test_user_errors_print_one_line_and_exit_2(capsys):
    assert main(['print-config', 'no/such/config.py']) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: ') and 'no/such/config.py' in err
    assert len(err.strip().splitlines()) == 1


def test_tools_wrapper_script_runs_the_package_tool():
    done = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'misc', 'print_config.py'),
                           CONFIG], capture_output=True, text=True, timeout=120,
                          env={**__import__('os').environ, 'PYTHONPATH': REPO})
    assert done.returncode == 0, done.stderr
    assert "type='LeNet5'" in done.stdout


def test_unknown_command_is_rejected(capsys):
    with pytest.raises(SystemExit):
        main(['fly'])
    assert "invalid choice: 'fly'" in capsys.readouterr().err


def test_infer_prints_one_json_line_per_image(tmp_path, capsys):
    folder = osp.join(SUBSET, 'test', 'Coat')
    image = osp.join(SUBSET, 'test', 'Trouser', '00002.png')
    assert main(['infer', CONFIG, image, folder, '--batch-size', '8',
                 '--show-dir', str(tmp_path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 101
    assert lines[0]['input'] == image
    assert set(lines[0]) == {'input', 'pred_label', 'pred_score', 'pred_class'}
    assert len(list(tmp_path.iterdir())) == 101


def test_only_the_cli_imports_the_tools():
    import ast
    from pathlib import Path
    package = Path(REPO) / 'mmcls'
    offenders = []
    for path in package.rglob('*.py'):
        if path.name in ('cli.py', '__main__.py') and path.parent == package:
            continue
        if (package / 'tools') in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ''] if isinstance(node, ast.ImportFrom) else [])
            if any(name == 'mmcls.tools' or name.startswith('mmcls.tools.') for name in names):
                offenders.append(str(path.relative_to(REPO)))
    assert not offenders, f'modules importing mmcls.tools: {offenders}'


def test_infer_accepts_a_zoo_config_path(capsys):
    image = osp.join(SUBSET, 'test', 'Trouser', '00002.png')
    assert main(['infer', 'mmcls::lenet/lenet5_fashion-mnist-subset.py', image]) == 0
    assert json.loads(capsys.readouterr().out)['input'] == image
