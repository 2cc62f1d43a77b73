"""Reference-zoo fidelity of the transformer families (part 3): the smallest model of
each family has the reference state-dict keys/shapes and reproduces the reference output."""
import pytest

MODELS = [
    'levit-128s_3rdparty_in1k',
    'efficientformer-l1_3rdparty_8xb128_in1k',
    'davit-tiny_3rdparty_in1k',
    'mvitv2-tiny_3rdparty_in1k',
    'mixmim-base_3rdparty_in1k',
    'revvit-small_3rdparty_in1k',
    'repmlp-base_3rdparty_8xb64_in1k',
    'vig-tiny_3rdparty_in1k',
    'pvig-tiny_3rdparty_in1k',
]


@pytest.mark.parametrize('name', MODELS)
def test_model_matches_reference(check_zoo_model, name):
    check_zoo_model(name)
