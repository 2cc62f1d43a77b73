"""The ResNet family reproduces the reference zoo (``tests/refcheck.py``'s compare()).

A representative subset; every model of the zoo is checked by ``test_refcheck_zoo.py``.
"""
import pytest

MODELS = ['resnet18_8xb32_in1k', 'resnet50_8xb32_in1k', 'resnet18_8xb16_cifar10',
          'resnext50-32x4d_8xb32_in1k', 'seresnet50_8xb32_in1k']


@pytest.mark.parametrize('name', MODELS)
def test_reference_output(check_zoo_model, name):
    check_zoo_model(name)
