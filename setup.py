"""Build hook: ship the model zoo (configs/ and model-index.yml) and the demo image inside the package.

An installed (non-editable) mmcls finds its configs under ``mmcls/.mim``; an editable checkout
reads them from the repository root (see ``mmcls.apis.model_index.zoo_roots``). Everything else
about the package is declared in pyproject.toml.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

# demo/demo.JPEG is the default image of `mmcls pytorch2onnx --verify`.
ZOO_FILES = ('configs', 'model-index.yml', 'demo/demo.JPEG')


class BuildPyWithZoo(build_py):
    """Copy the zoo files into ``<build>/mmcls/.mim`` after the normal build."""

    def run(self):
        super().run()
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib) / 'mmcls' / '.mim'
        target.mkdir(parents=True, exist_ok=True)
        for name in ZOO_FILES:
            source, dest = root / name, target / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.exists():
                shutil.rmtree(dest) if dest.is_dir() else dest.unlink()
            if source.is_dir():
                shutil.copytree(source, dest, ignore=shutil.ignore_patterns('__pycache__'))
            else:
                shutil.copy2(source, dest)


setup(cmdclass={'build_py': BuildPyWithZoo})
