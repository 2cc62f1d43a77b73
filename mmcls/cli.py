"""The ``mmcls`` command: every tool of ``mmcls.tools`` plus ``infer``, ``list`` and ``serve``.

``mmcls train ...`` runs ``mmcls.tools.train.main`` with the remaining arguments, exactly as
``python tools/train.py ...`` does in a checkout.  Mistakes of the user (a missing file, a
malformed config key, a bad checkpoint) print one ``error: ...`` line and exit with code 2.
``mmcls list`` and ``mmcls --help`` answer without importing torch.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os.path as osp
import sys
from typing import List, Optional

__all__ = ['main', 'run_tool', 'TOOLS']

# command name -> module of mmcls.tools
TOOLS = {
    'train': 'train',
    'test': 'test',
    'print-config': 'print_config',
    'kfold-cross-valid': 'kfold_cross_valid',
    'analyze-logs': 'analyze_logs',
    'analyze-results': 'analyze_results',
    'confusion-matrix': 'confusion_matrix',
    'eval-metric': 'eval_metric',
    'get-flops': 'get_flops',
    'verify-dataset': 'verify_dataset',
    'browse-dataset': 'browse_dataset',
    'vis-cam': 'vis_cam',
    'vis-scheduler': 'vis_scheduler',
    'publish-model': 'publish_model',
    'to-safetensors': 'to_safetensors',
    'reparameterize-model': 'reparameterize_model',
    'timm-to-mmcls': 'timm_to_mmcls',
    'torchvision-to-mmcls': 'torchvision_to_mmcls',
    'pytorch2onnx': 'pytorch2onnx',
    'mmcls2torchserve': 'mmcls2torchserve',
    'test-torchserver': 'test_torchserver',
}

USER_ERRORS = (ValueError, FileNotFoundError, KeyError)


def _exit_code(result) -> int:
    """A tool's ``main`` returns an exit code, None or a result object (which means success)."""
    return result if isinstance(result, int) and not isinstance(result, bool) else 0


def run_tool(command: str, argv: List[str]) -> int:
    """Run ``mmcls.tools.<module>.main(argv)`` for the command; return its exit code."""
    module = importlib.import_module(f'mmcls.tools.{TOOLS[command]}')
    saved_argv = sys.argv
    sys.argv = [f'mmcls {command}', *argv]
    try:
        return _exit_code(module.main(argv))
    except SystemExit as exit_:
        if exit_.code is None or isinstance(exit_.code, int):
            return exit_.code or 0
        message = str(exit_.code)
        print(message if 'error: ' in message else f'error: {message}', file=sys.stderr)
        return 2
    finally:
        sys.argv = saved_argv


def _list(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog='mmcls list', description='List the model zoo names')
    parser.add_argument('pattern', nargs='?', default=None,
                        help='wildcard pattern, e.g. "resnet*in1k" (case-insensitive)')
    args = parser.parse_args(argv)
    from mmcls.apis.model_index import list_models
    names = list_models(args.pattern)
    print('\n'.join(names))
    return 0 if names else 1


def _infer(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(
        prog='mmcls infer', description='Classify images; prints one JSON object per image')
    parser.add_argument('model', help='model name, or config file path')
    parser.add_argument('inputs', nargs='+', help='image files and/or folders of images')
    parser.add_argument('--weights', help='checkpoint path or URL (default: the zoo weights)')
    parser.add_argument('--device', default=None, help='e.g. cpu or cuda:0')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--show', action='store_true', help='show each prediction in a window')
    parser.add_argument('--show-dir', help='save the drawn predictions in this folder')
    parser.add_argument('--rescale-factor', type=float, default=None,
                        help='resize the drawn images, e.g. 8 for 28x28 images')
    args = parser.parse_args(argv)
    from mmcls.apis.inference import ImageClassificationInferencer, list_image_files
    files: List[str] = []
    for item in args.inputs:
        files.extend(list_image_files(item) if osp.isdir(item) else [item])
    inferencer = ImageClassificationInferencer(args.model, weights=args.weights,
                                               device=args.device)
    results = inferencer(files, batch_size=args.batch_size, show=args.show,
                         show_dir=args.show_dir, rescale_factor=args.rescale_factor)
    for path, result in zip(files, results):
        result.pop('pred_scores')
        print(json.dumps(dict(input=path, **result)))
    return 0


def _serve(argv: List[str]) -> int:
    from mmcls.deployment.serve import main as serve_main
    return serve_main(argv)


COMMANDS = {'infer': _infer, 'list': _list, 'serve': _serve}


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the ``mmcls`` console script."""
    commands = '\n'.join(f'  {name}' for name in [*TOOLS, *COMMANDS])
    parser = argparse.ArgumentParser(
        prog='mmcls', description='mmcls command line: the tools and APIs behind one command',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f'commands (infer: classify images; list: list model names; serve: a '
        f'TorchServe-compatible HTTP server; the others: the tools/ scripts):\n{commands}\n\n'
        'Run "mmcls COMMAND --help" for the options of a command.')
    parser.add_argument('command', choices=[*TOOLS, *COMMANDS], metavar='COMMAND',
                        help='the command to run (listed below)')
    parser.add_argument('args', nargs=argparse.REMAINDER, help='arguments of the command')
    args = parser.parse_args(argv)
    try:
        if args.command in TOOLS:
            return run_tool(args.command, args.args)
        return COMMANDS[args.command](args.args)
    except USER_ERRORS as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f'error: {message}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
