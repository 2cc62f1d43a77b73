"""Swin, Swin V2, DeiT III, BEiT (BEiT v2 / EVA share its class) and MLP-Mixer reproduce the
reference zoo (the reference checker's compare()) on each family's smallest model.

The whole families are checked with
the reference checker's command line, ``refcheck.py 'swin-*' 'swinv2-*' 'deit3-*' 'beit*' 'eva-*' 'mlp-mixer-*'``.
"""
import pytest

MODELS = ['swin-tiny_16xb64_in1k', 'swinv2-tiny-w8_3rdparty_in1k-256px',
          'deit3-small-p16_3rdparty_in1k', 'beit-base_3rdparty_in1k',
          'mlp-mixer-base-p16_3rdparty_64xb64_in1k']


@pytest.mark.parametrize('name', MODELS)
def test_reference_output(check_zoo_model, name):
    check_zoo_model(name)
