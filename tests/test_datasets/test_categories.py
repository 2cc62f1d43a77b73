from mmcls.datasets import categories as c


def test_sizes_and_known_names():
    assert len(c.IMAGENET_CATEGORIES) == 1000
    assert c.IMAGENET_CATEGORIES[65] == 'sea snake'
    assert c.IMAGENET_CATEGORIES[0] == 'tench, Tinca tinca'
    assert c.IMAGENET_CATEGORIES[34].startswith('leatherback turtle')
    assert c.IMAGENET_CATEGORIES[999] == 'toilet tissue, toilet paper, bathroom tissue'
    assert len(c.CIFAR10_CATEGORIES) == 10 and c.CIFAR10_CATEGORIES[0] == 'airplane'
    assert len(c.CIFAR100_CATEGORIES) == 100 and c.CIFAR100_CATEGORIES[-1] == 'worm'
    assert len(c.MNIST_CATEGORIES) == 10 and len(c.FASHIONMNIST_CATEGORIES) == 10
    assert c.FASHIONMNIST_CATEGORIES[9] == 'Ankle boot'
    assert len(c.VOC2007_CATEGORIES) == 20
    assert len(c.CUB_CATEGORIES) == 200 and len(set(c.CUB_CATEGORIES)) == 200
    for names in (c.IMAGENET_CATEGORIES, c.CUB_CATEGORIES, c.VOC2007_CATEGORIES):
        assert all(isinstance(n, str) and n == n.strip() and n for n in names)
