"""Reference-zoo fidelity of the transformer families (part 2): the smallest model of
each family has the reference state-dict keys/shapes and reproduces the reference output."""
import pytest

MODELS = [
    'xcit-nano-12-p16_3rdparty_in1k',
    'twins-svt-small_3rdparty_8xb128_in1k',
    'twins-pcpvt-small_3rdparty_8xb128_in1k',
    'tinyvit-5m_3rdparty_in1k',
    'mobilevit-xxsmall_3rdparty_in1k',
    'conformer-tiny-p16_3rdparty_8xb128_in1k',
    't2t-vit-t-14_8xb64_in1k',
    'tnt-small-p16_3rdparty_in1k',
]


@pytest.mark.parametrize('name', MODELS)
def test_model_matches_reference(check_zoo_model, name):
    check_zoo_model(name)
