"""Reference-zoo fidelity of the CNN families (part 1): the smallest model of each
family has the reference state-dict keys/shapes and reproduces the reference output."""
import pytest

MODELS = [
    'mobilenet-v2_8xb32_in1k',
    'mobilenet-v3-small-050_3rdparty_in1k',
    'efficientnet-b0_3rdparty_8xb32_in1k',
    'efficientnetv2-b0_3rdparty_in1k',
    'vgg11_8xb32_in1k',
    'regnetx-400mf_8xb128_in1k',
    'shufflenet-v1-1x_16xb64_in1k',
    'shufflenet-v2-1x_16xb64_in1k',
    'densenet121_4xb256_in1k',
    'inception-v3_3rdparty_8xb32_in1k',
    'res2net50-w14-s8_3rdparty_8xb32_in1k',
    'cspresnext50_3rdparty_8xb32_in1k',
]


@pytest.mark.parametrize('name', MODELS)
def test_model_matches_reference(check_zoo_model, name):
    check_zoo_model(name)
