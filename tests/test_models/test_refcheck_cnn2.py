"""Reference-zoo fidelity of the CNN families (part 2): the smallest model of each
family has the reference state-dict keys and shapes and reproduces the reference output.

VAN is checked against its fixture by test_refcheck_zoo.py; its parameter counts also in test_van.py."""
import pytest

MODELS = [
    'convnext-tiny_32xb128_in1k',  # the landmark model
    'convnext-v2-atto_3rdparty-fcmae_in1k',
    'repvgg-A0_8xb32_in1k',
    'hrnet-w18_3rdparty_8xb32_in1k',
    'mobileone-s1_8xb32_in1k',
    'hornet-tiny-gf_3rdparty_in1k',
    'poolformer-s12_3rdparty_32xb128_in1k',
    'edgenext-xxsmall_3rdparty_in1k',
    'convmixer-1024-20_10xb64_in1k',
]
SLOW_MODELS = [
    'replknet-31B_3rdparty_in1k',  # 80 M parameters with 31x31 kernels
]


@pytest.mark.parametrize('name', MODELS)
def test_model_matches_reference(check_zoo_model, name):
    check_zoo_model(name)


@pytest.mark.slow
@pytest.mark.parametrize('name', SLOW_MODELS)
def test_large_model_matches_reference(check_zoo_model, name):
    check_zoo_model(name)
