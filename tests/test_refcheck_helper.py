"""The reference checker of tests/refcheck.py: missing fixtures are errors and differences are found."""
import pytest
import torch


def test_missing_fixture_is_an_error(refcheck):
    with pytest.raises(FileNotFoundError, match='no-such-model'):
        refcheck.load_fixture('no-such-model')
    with pytest.raises(FileNotFoundError, match='no-such-library'):
        refcheck.load_external_fixture('no-such-library')


def test_another_architecture_is_reported(refcheck):
    import mmcls
    problems = refcheck.compare(refcheck.load_fixture('resnet18_8xb16_cifar10'),
                                mmcls.get_model('resnet34_8xb16_cifar10'))
    assert any('reference keys' in p or 'keys not in the reference' in p for p in problems)


def test_a_changed_output_is_reported(refcheck):
    import mmcls
    fixture = refcheck.load_fixture('resnet18_8xb16_cifar10')
    model = mmcls.get_model('resnet18_8xb16_cifar10')
    assert refcheck.compare(fixture, model) == []
    fixture['output']['head'][0] += 10 * refcheck.RTOL * fixture['output']['max_abs']
    problems = refcheck.compare(fixture, model)
    assert len(problems) == 1 and 'relative error' in problems[0]


def test_fill_is_deterministic_and_scaled(refcheck):
    kernel = refcheck.fill_value('conv.weight', (8, 4, 3, 3))
    assert (kernel == refcheck.fill_value('conv.weight', (8, 4, 3, 3))).all()
    assert abs(kernel.std() * 6 - 1) < 0.2  # unit variance over sqrt(fan_in) = 6
    assert (refcheck.fill_value('bn.running_var', (16,)) >= 1).all()
    assert torch.equal(refcheck.make_input([1, 3, 4, 4]), refcheck.make_input([1, 3, 4, 4]))
