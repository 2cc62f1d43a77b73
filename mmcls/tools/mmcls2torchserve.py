"""Package an mmcls classifier as a TorchServe model archive (``.mar``).

    python tools/torchserve/mmcls2torchserve.py CONFIG CHECKPOINT \\
        --output-folder MODEL_STORE --model-name NAME [--model-version 1.0] [--force]

The archive holds the checkpoint, the config (as ``config.py``) and ``mmcls_handler.py``, which
answers ``{"pred_label", "pred_score", "pred_class"}``.  Needs ``torch-model-archiver``
(``pip install torch-model-archiver``); the serving machine needs TorchServe and mmcls.
TorchServe is no longer maintained upstream: ``mmcls serve CONFIG CHECKPOINT`` answers the same
API without it.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import tempfile
from argparse import Namespace
from typing import List, Optional

__all__ = ['HANDLER', 'mmcls2torchserve', 'parse_args', 'main']

HANDLER = osp.join(osp.dirname(osp.abspath(__file__)), 'mmcls_handler.py')


def _archiver():
    """``(package_model, ModelExportUtils, ModelArchiverConfig or None)`` or a clear error."""
    try:
        from model_archiver.model_packaging import package_model
        from model_archiver.model_packaging_utils import ModelExportUtils
    except ImportError as error:
        raise ImportError(f'mmcls2torchserve needs torch-model-archiver: pip install '
                          f'torch-model-archiver ({error})') from error
    try:  # torch-model-archiver >= 0.9 takes a config object
        from model_archiver.model_archiver_config import ModelArchiverConfig
    except ImportError:
        ModelArchiverConfig = None
    return package_model, ModelExportUtils, ModelArchiverConfig


def mmcls2torchserve(config_file: str, checkpoint_file: str, output_folder: str,
                     model_name: str, model_version: str = '1.0', force: bool = False) -> str:
    """Write ``{output_folder}/{model_name}.mar`` and return its path."""
    package_model, export_utils, archiver_config = _archiver()
    from mmcls.config import Config
    for path, what in ((config_file, 'config'), (checkpoint_file, 'checkpoint')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} file {path} does not exist')
    os.makedirs(output_folder, exist_ok=True)
    config = Config.fromfile(config_file)
    with tempfile.TemporaryDirectory() as tmpdir:
        dumped = osp.join(tmpdir, 'config.py')
        config.dump(dumped)
        fields = dict(model_file=None, serialized_file=checkpoint_file, handler=HANDLER,
                      model_name=model_name, version=model_version,
                      export_path=output_folder, force=force, requirements_file=None,
                      extra_files=dumped, runtime='python', archive_format='default',
                      config_file=None)
        if archiver_config is not None:
            from dataclasses import fields as dataclass_fields
            names = {f.name for f in dataclass_fields(archiver_config)}
            args = archiver_config(**{k: v for k, v in fields.items() if k in names})
        else:
            args = Namespace(**fields)
        manifest = export_utils.generate_manifest_json(args)
        package_model(args, manifest)
    return osp.join(output_folder, f'{model_name}.mar')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Convert an mmcls model to a TorchServe .mar')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--output-folder', required=True,
                        help='folder (the TorchServe model store) for the .mar')
    parser.add_argument('--model-name', default=None,
                        help='model name, as in /predictions/{name} (default: checkpoint stem)')
    parser.add_argument('--model-version', default='1.0', help='model version')
    parser.add_argument('-f', '--force', action='store_true',
                        help='overwrite an existing {model_name}.mar')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    name = args.model_name or osp.splitext(osp.basename(args.checkpoint))[0]
    try:
        path = mmcls2torchserve(args.config, args.checkpoint, args.output_folder, name,
                                args.model_version, args.force)
    except ImportError as error:
        print(error, file=sys.stderr)
        return 2
    print(f'wrote {path}')
    return 0
