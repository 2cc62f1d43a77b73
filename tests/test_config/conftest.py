"""Shared paths for the config tests."""
from pathlib import Path

import pytest

CONFIG_DIR = Path(__file__).resolve().parents[1] / 'data' / 'configs'


@pytest.fixture
def cfg_dir() -> Path:
    """The folder of real config files used by these tests."""
    return CONFIG_DIR
