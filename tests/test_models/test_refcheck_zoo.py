"""Every model of the reference zoo (``tests/data/reference``) against its fixture.

Checking all 396 fixtures means building and running about 34 billion parameters' worth of models
(the sample below, 1.8 billion, takes about 90 s with one process and 2 threads), far more than a
CI run on 2 cores affords in a few minutes (150 of the slow models passed in 13 minutes on 2 busy
cores, so all of them take about half an hour), so a plain run checks a fixed sample of one model per
family (the smallest of each ``collection`` of ``index.json``, ties broken by name) and the other
models carry the ``slow`` marker (``pytest -m slow tests/test_models/test_refcheck_zoo.py`` runs
them). ``test_sample_covers_every_family`` fails when a family of the index has no sampled model.

The sample (:data:`SAMPLE`):

- ArcFace: ``resnet50-arcface_inshop``
- BEiT: ``beit-base_3rdparty_in1k``
- BEiTv2: ``beitv2-base_3rdparty_in1k``
- CLIP: ``clip-vit-base-p16_laion2b-in12k-pre_3rdparty_in1k``
- CSPNet: ``cspresnext50_3rdparty_8xb32_in1k``
- CSRA: ``resnet101-csra_1xb16_voc07-448px``
- Conformer: ``conformer-tiny-p16_3rdparty_8xb128_in1k``
- ConvMixer: ``convmixer-768-32_10xb64_in1k``
- ConvNeXt: ``convnext-tiny_32xb128-noema_in1k``
- ConvNeXt V2: ``convnext-v2-atto_3rdparty-fcmae_in1k``
- DaViT: ``davit-tiny_3rdparty_in1k``
- DeiT: ``deit-tiny_pt-4xb256_in1k``
- DeiT3: ``deit3-small-p16_3rdparty_in1k``
- DenseNet: ``densenet121_4xb256_in1k``
- EVA: ``eva-l-p14_3rdparty-mim_in21k``
- EdgeNeXt: ``edgenext-xxsmall_3rdparty_in1k``
- EfficientFormer: ``efficientformer-l1_3rdparty_8xb128_in1k``
- EfficientNet: ``efficientnet-b0_3rdparty-ra-noisystudent_in1k``
- EfficientNetV2: ``efficientnetv2-b0_3rdparty_in1k``
- HRNet: ``hrnet-w18_3rdparty_8xb32-ssld_in1k``
- HorNet: ``hornet-tiny_3rdparty_in1k``
- Inception V3: ``inception-v3_3rdparty_8xb32_in1k``
- LeViT: ``levit-128s_3rdparty_in1k``
- MLP-Mixer: ``mlp-mixer-base-p16_3rdparty_64xb64_in1k``
- MViT V2: ``mvitv2-tiny_3rdparty_in1k``
- MixMIM: ``mixmim-base_3rdparty_in1k``
- MobileNet V2: ``mobilenet-v2_8xb32_in1k``
- MobileNet V3: ``mobilenet-v3-small-050_3rdparty_in1k``
- MobileOne: ``mobileone-s1_8xb32_in1k``
- MobileViT: ``mobilevit-xxsmall_3rdparty_in1k``
- PoolFormer: ``poolformer-s12_3rdparty_32xb128_in1k``
- RegNet: ``regnetx-400mf_8xb128_in1k``
- RepLKNet: ``replknet-31B_3rdparty_in1k``
- RepMLP: ``repmlp-base_3rdparty_8xb64_in1k``
- RepVGG: ``repvgg-A0_8xb32_in1k``
- Res2Net: ``res2net50-w14-s8_3rdparty_8xb32_in1k``
- ResNeXt: ``resnext50-32x4d_8xb32_in1k``
- ResNet: ``resnet18_8xb16_cifar10``
- RevViT: ``revvit-small_3rdparty_in1k``
- SEResNet: ``seresnet50_8xb32_in1k``
- Shufflenet V1: ``shufflenet-v1-1x_16xb64_in1k``
- Shufflenet V2: ``shufflenet-v2-1x_16xb64_in1k``
- Swin-Transformer: ``swin-tiny_16xb64_in1k``
- Swin-Transformer V2: ``swinv2-tiny-w16_3rdparty_in1k-256px``
- TinyViT: ``tinyvit-5m_3rdparty_in1k``
- Tokens-to-Token ViT: ``t2t-vit-t-14_8xb64_in1k``
- Transformer in Transformer: ``tnt-small-p16_3rdparty_in1k``
- Twins: ``twins-svt-small_3rdparty_8xb128_in1k``
- VGG: ``vgg11_8xb32_in1k``
- VIG: ``vig-tiny_3rdparty_in1k``
- Vision Transformer: ``vit-base-p16_pt-32xb128-mae_in1k``
- Visual-Attention-Network: ``van-tiny_8xb128_in1k``
- Wide-ResNet: ``wide-resnet50_3rdparty-timm_8xb32_in1k``
- XCiT: ``xcit-nano-12-p8_3rdparty-dist_in1k``
"""
import importlib.util
from pathlib import Path

import pytest

REFCHECK_PATH = Path(__file__).resolve().parents[1] / 'refcheck.py'

SAMPLE = {
    'ArcFace': 'resnet50-arcface_inshop',
    'BEiT': 'beit-base_3rdparty_in1k',
    'BEiTv2': 'beitv2-base_3rdparty_in1k',
    'CLIP': 'clip-vit-base-p16_laion2b-in12k-pre_3rdparty_in1k',
    'CSPNet': 'cspresnext50_3rdparty_8xb32_in1k',
    'CSRA': 'resnet101-csra_1xb16_voc07-448px',
    'Conformer': 'conformer-tiny-p16_3rdparty_8xb128_in1k',
    'ConvMixer': 'convmixer-768-32_10xb64_in1k',
    'ConvNeXt': 'convnext-tiny_32xb128-noema_in1k',
    'ConvNeXt V2': 'convnext-v2-atto_3rdparty-fcmae_in1k',
    'DaViT': 'davit-tiny_3rdparty_in1k',
    'DeiT': 'deit-tiny_pt-4xb256_in1k',
    'DeiT3': 'deit3-small-p16_3rdparty_in1k',
    'DenseNet': 'densenet121_4xb256_in1k',
    'EVA': 'eva-l-p14_3rdparty-mim_in21k',
    'EdgeNeXt': 'edgenext-xxsmall_3rdparty_in1k',
    'EfficientFormer': 'efficientformer-l1_3rdparty_8xb128_in1k',
    'EfficientNet': 'efficientnet-b0_3rdparty-ra-noisystudent_in1k',
    'EfficientNetV2': 'efficientnetv2-b0_3rdparty_in1k',
    'HRNet': 'hrnet-w18_3rdparty_8xb32-ssld_in1k',
    'HorNet': 'hornet-tiny_3rdparty_in1k',
    'Inception V3': 'inception-v3_3rdparty_8xb32_in1k',
    'LeViT': 'levit-128s_3rdparty_in1k',
    'MLP-Mixer': 'mlp-mixer-base-p16_3rdparty_64xb64_in1k',
    'MViT V2': 'mvitv2-tiny_3rdparty_in1k',
    'MixMIM': 'mixmim-base_3rdparty_in1k',
    'MobileNet V2': 'mobilenet-v2_8xb32_in1k',
    'MobileNet V3': 'mobilenet-v3-small-050_3rdparty_in1k',
    'MobileOne': 'mobileone-s1_8xb32_in1k',
    'MobileViT': 'mobilevit-xxsmall_3rdparty_in1k',
    'PoolFormer': 'poolformer-s12_3rdparty_32xb128_in1k',
    'RegNet': 'regnetx-400mf_8xb128_in1k',
    'RepLKNet': 'replknet-31B_3rdparty_in1k',
    'RepMLP': 'repmlp-base_3rdparty_8xb64_in1k',
    'RepVGG': 'repvgg-A0_8xb32_in1k',
    'Res2Net': 'res2net50-w14-s8_3rdparty_8xb32_in1k',
    'ResNeXt': 'resnext50-32x4d_8xb32_in1k',
    'ResNet': 'resnet18_8xb16_cifar10',
    'RevViT': 'revvit-small_3rdparty_in1k',
    'SEResNet': 'seresnet50_8xb32_in1k',
    'Shufflenet V1': 'shufflenet-v1-1x_16xb64_in1k',
    'Shufflenet V2': 'shufflenet-v2-1x_16xb64_in1k',
    'Swin-Transformer': 'swin-tiny_16xb64_in1k',
    'Swin-Transformer V2': 'swinv2-tiny-w16_3rdparty_in1k-256px',
    'TinyViT': 'tinyvit-5m_3rdparty_in1k',
    'Tokens-to-Token ViT': 't2t-vit-t-14_8xb64_in1k',
    'Transformer in Transformer': 'tnt-small-p16_3rdparty_in1k',
    'Twins': 'twins-svt-small_3rdparty_8xb128_in1k',
    'VGG': 'vgg11_8xb32_in1k',
    'VIG': 'vig-tiny_3rdparty_in1k',
    'Vision Transformer': 'vit-base-p16_pt-32xb128-mae_in1k',
    'Visual-Attention-Network': 'van-tiny_8xb128_in1k',
    'Wide-ResNet': 'wide-resnet50_3rdparty-timm_8xb32_in1k',
    'XCiT': 'xcit-nano-12-p8_3rdparty-dist_in1k',
}


def _load_refcheck():
    spec = importlib.util.spec_from_file_location('refcheck', REFCHECK_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


INDEX = _load_refcheck().load_index()
SAMPLED = sorted(SAMPLE.values())
REST = sorted(row['name'] for row in INDEX if row['name'] not in set(SAMPLED))


def test_sample_covers_every_family():
    family_of = {row['name']: row['collection'] for row in INDEX}
    assert sorted(SAMPLE) == sorted(set(family_of.values()))
    assert all(family_of.get(name) == family for family, name in SAMPLE.items())


def test_every_indexed_model_has_its_fixture(refcheck):
    missing = [row['name'] for row in INDEX
               if not (refcheck.MODELS_DIR / f"{row['name']}.json.gz").is_file()]
    assert not missing, f'fixtures missing from {refcheck.MODELS_DIR}: {missing}'
    assert len(INDEX) == 396


@pytest.mark.parametrize('name', SAMPLED)
def test_sampled_model_matches_reference(check_zoo_model, name):
    check_zoo_model(name)


@pytest.mark.slow
@pytest.mark.parametrize('name', REST)
def test_model_matches_reference(check_zoo_model, name):
    check_zoo_model(name)
