"""ImageToImageRetriever: prototypes from a tensor, a file, a dataloader; matching and topk."""
import pytest
import torch
import torch.nn as nn

from mmcls.models.retrievers.image2image import ImageToImageRetriever
from mmcls.structures import ClsDataSample


class Flatten(nn.Module):
    """A deterministic encoder: the mean colour of the image."""

    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return (x.mean(dim=(2, 3)) + self.dummy, )


def make(prototype, **kwargs):
    return ImageToImageRetriever(image_encoder=Flatten(), prototype=prototype,
                                 data_preprocessor=dict(), **kwargs)


def test_predict_ranks_the_gallery_by_cosine_similarity():
    gallery = torch.tensor([[1., 0., 0.], [0., 1., 0.], [1., 1., 0.]])
    model = make(gallery, topk=2)
    query = torch.zeros(1, 3, 2, 2)
    query[:, 1] = 1.0  # mean colour (0, 1, 0)
    sample, = model.predict(query)
    assert sample.pred_label.label.tolist() == [1, 2]
    torch.testing.assert_close(sample.pred_label.score,
                               torch.tensor([0., 1., 2**-0.5]))


def test_prototype_from_file_and_dump(tmp_path):
    gallery = torch.randn(5, 3)
    path = tmp_path / 'proto.pth'
    make(gallery).dump_prototype(str(path))
    model = make(str(path))
    model.prepare_prototype()
    torch.testing.assert_close(model.prototype_vecs, gallery)
    with pytest.raises(FileNotFoundError):
        make(str(tmp_path / 'missing.pth')).prepare_prototype()


class ColourDataset(torch.utils.data.Dataset):

    def __init__(self, colours):
        self.colours = colours

    def __len__(self):
        return len(self.colours)

    def __getitem__(self, i):
        img = torch.tensor(self.colours[i], dtype=torch.uint8).view(3, 1, 1).expand(3, 4, 4)
        return dict(inputs=img.clone(), data_samples=ClsDataSample(metainfo=dict(sample_idx=i)))


COLOURS = [[255, 0, 0], [0, 255, 0], [0, 0, 255]]


def _colour_loader(dataset_class):
    """Batches of 2 from ``dataset_class(COLOURS)``, collated as the zoo's loaders do."""
    from mmcls.datasets.collate import pseudo_collate
    return torch.utils.data.DataLoader(dataset_class(COLOURS), batch_size=2,
                                       collate_fn=pseudo_collate)


def test_prototype_from_a_dataloader_is_in_dataset_order():
    model = make(_colour_loader(ColourDataset))
    model.prepare_prototype()
    torch.testing.assert_close(model.prototype_vecs, torch.tensor(COLOURS, dtype=torch.float))


class UnindexedColourDataset(ColourDataset):
    """Samples without ``sample_idx``: the gallery follows the loading order."""

    def __getitem__(self, i):
        item = super().__getitem__(i)
        item['data_samples'] = ClsDataSample()
        return item


def test_prototype_without_sample_idx_follows_the_loading_order(monkeypatch):
    from mmcls.models.retrievers import image2image
    loader = _colour_loader(UnindexedColourDataset)
    model = make(loader)
    model.prepare_prototype()
    torch.testing.assert_close(model.prototype_vecs, torch.tensor(COLOURS, dtype=torch.float))
    monkeypatch.setattr(image2image, 'get_world_size', lambda: 2)
    with pytest.raises(KeyError, match='sample_idx'):
        make(loader).prepare_prototype()


def test_bad_prototype_and_similarity():
    with pytest.raises(TypeError, match='prototype'):
        make([1, 2, 3])
    with pytest.raises(KeyError, match='similarity'):
        make(torch.zeros(1, 3), similarity_fn='euclid')


def test_zoo_fixture(check_zoo_model):
    check_zoo_model('resnet50-arcface_inshop')


def test_retrievers_share_the_base_retriever_interface():
    from mmcls.models.retrievers import BaseRetriever, ImageToImageRetriever
    assert issubclass(ImageToImageRetriever, BaseRetriever)
    assert BaseRetriever.__abstractmethods__ == {'forward'}
    with pytest.raises(TypeError, match='abstract'):
        BaseRetriever(prototype=torch.zeros(2, 3))


def test_a_retriever_only_needs_forward():
    from mmcls.models.retrievers import BaseRetriever

    class ForwardOnly(BaseRetriever):

        def forward(self, inputs, data_samples=None, mode='loss'):
            return inputs

    retriever = ForwardOnly(prototype=torch.zeros(2, 3))
    assert retriever.prototype_inited is False
    for name, args in [('extract_feat', (torch.zeros(1, 3), )), ('matching', (torch.zeros(1, 3), )),
                       ('loss', (torch.zeros(1, 3), [])), ('predict', (torch.zeros(1, 3), )),
                       ('prepare_prototype', ()), ('dump_prototype', ('gallery.pth', ))]:
        with pytest.raises(NotImplementedError, match=f'ForwardOnly does not implement {name}'):
            getattr(retriever, name)(*args)
