"""The one dataloader builder, and that the retriever's gallery loader goes through it."""
import pytest
import torch

from mmcls.datasets.builder import build_dataloader
from mmcls.datasets.samplers import DefaultSampler
from mmcls.models.retrievers.image2image import ImageToImageRetriever


def test_sampler_and_loader_options_come_from_the_config():
    loader = build_dataloader(dict(dataset=list(range(10)), batch_size=4, num_workers=0,
                                   persistent_workers=True, prefetch_factor=2,
                                   sampler=dict(type='DefaultSampler', shuffle=True, seed=3)))
    assert isinstance(loader.sampler, DefaultSampler) and loader.sampler.shuffle
    assert sorted(i for batch in loader for i in batch) == list(range(10))


def test_missing_sampler_and_obsolete_keys_are_named():
    with pytest.raises(KeyError, match='sampler'):
        build_dataloader(dict(dataset=[1, 2], batch_size=1))
    with pytest.raises(KeyError, match='samples_per_gpu'):
        build_dataloader(dict(dataset=[1], samples_per_gpu=2, sampler=dict(type='DefaultSampler')))


def test_retriever_gallery_loader_uses_the_configured_sampler():
    retriever = ImageToImageRetriever(image_encoder=dict(type='GlobalAveragePooling'),
                                      prototype=torch.zeros(2, 3))
    loader = retriever._build_prototype_loader(dict(
        dataset=list(range(6)), batch_size=2,
        sampler=dict(type='DefaultSampler', shuffle=True, seed=1)))
    assert isinstance(loader.sampler, DefaultSampler) and loader.sampler.shuffle
    default = retriever._build_prototype_loader(dict(dataset=list(range(6)), batch_size=2))
    assert isinstance(default.sampler, DefaultSampler) and not default.sampler.shuffle
