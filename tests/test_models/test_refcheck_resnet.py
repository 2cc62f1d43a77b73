"""The ResNet family reproduces the reference zoo (the reference checker's compare()).

A representative subset keeps CI fast; the whole family is checked with
the reference checker's command line, ``refcheck.py 'resnet*' 'resnext*' 'seresnet*' 'wide-resnet*'``.
"""
import pytest

MODELS = ['resnet18_8xb32_in1k', 'resnet50_8xb32_in1k', 'resnet18_8xb16_cifar10',
          'resnext50-32x4d_8xb32_in1k', 'seresnet50_8xb32_in1k']


@pytest.mark.parametrize('name', MODELS)
def test_reference_output(check_zoo_model, name):
    check_zoo_model(name)
