"""The ``mmcls`` command: ``train``, ``test``, ``print-config``, ``infer`` and ``list``.

``train``, ``test`` and ``print-config`` run ``tools/train.py``,
``tools/test.py`` and ``tools/misc/print_config.py`` with the remaining
arguments, exactly as ``python tools/<tool> ...`` would.  ``mmcls list`` and
every ``--help`` answer without importing torch.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import runpy
import sys
from typing import List, Optional

__all__ = ['main', 'find_tool', 'run_tool', 'TOOLS']

TOOLS = {
    'train': 'tools/train.py',
    'test': 'tools/test.py',
    'print-config': 'tools/misc/print_config.py',
}


def find_tool(relative_path: str) -> str:
    """The path of a script of the repository's ``tools/`` (installed or checked out)."""
    from mmcls.apis.model_index import find_in_zoo, zoo_roots
    path = find_in_zoo(relative_path)
    if path is not None:
        return path
    raise FileNotFoundError(f'{relative_path} not found in {zoo_roots()}; the tools ship with '
                            f'the repository (install it with pip install -e <repo>)')


def run_tool(relative_path: str, argv: List[str]) -> int:
    """Run a tool script as ``__main__`` with ``argv``; return its exit code."""
    path = find_tool(relative_path)
    saved_argv = sys.argv
    sys.argv = [path, *argv]
    try:
        runpy.run_path(path, run_name='__main__')
    except SystemExit as exit_:
        if exit_.code is None or isinstance(exit_.code, int):
            return exit_.code or 0
        print(exit_.code, file=sys.stderr)
        return 1
    finally:
        sys.argv = saved_argv
    return 0


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
    parser = argparse.ArgumentParser(
        prog='mmcls', description='mmcls command line: the tools and APIs behind one command',
        epilog='Run "mmcls COMMAND --help" for the options of a command.')
    parser.add_argument('command', choices=[*TOOLS, *COMMANDS],
                        help='train / test / print-config: the tools/ scripts; '
                        'infer: classify images; list: list model names; '
                        'serve: a TorchServe-compatible HTTP server')
    parser.add_argument('args', nargs=argparse.REMAINDER, help='arguments of the command')
    args = parser.parse_args(argv)
    if args.command in TOOLS:
        return run_tool(TOOLS[args.command], args.args)
    return COMMANDS[args.command](args.args)


if __name__ == '__main__':
    sys.exit(main())
