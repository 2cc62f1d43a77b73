"""Swin, Swin V2, DeiT III, BEiT (BEiT v2 / EVA share its class) and MLP-Mixer reproduce the
reference zoo (``tests/refcheck.py``'s compare()) on each family's smallest model.

Every model of these families is checked by ``test_refcheck_zoo.py``.
"""
import pytest

MODELS = ['swin-tiny_16xb64_in1k', 'swinv2-tiny-w8_3rdparty_in1k-256px',
          'deit3-small-p16_3rdparty_in1k', 'beit-base_3rdparty_in1k',
          'mlp-mixer-base-p16_3rdparty_64xb64_in1k']


@pytest.mark.parametrize('name', MODELS)
def test_reference_output(check_zoo_model, name):
    check_zoo_model(name)
