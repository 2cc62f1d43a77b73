# VGG-16 fine-tuned for multi-label classification of the 20 PASCAL VOC classes, from ImageNet
# weights; the classifier layers learn 10x faster than the convolutions.
_base_ = [
    '../_base_/datasets/voc_bs16.py',
    '../_base_/default_runtime.py',
]

pretrained = 'https://download.openmmlab.com/mmclassification/v0/vgg/vgg16_batch256_imagenet_20210208-db26f1a5.pth'  # noqa

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VGG',
        depth=16,
        num_classes=20,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone')),
    neck=None,
    head=dict(
        type='MultiLabelClsHead',
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=0),
    paramwise_cfg=dict(custom_keys={'.backbone.classifier': dict(lr_mult=10)}),
)
param_scheduler = dict(type='StepLR', by_epoch=True, step_size=20, gamma=0.1)

train_cfg = dict(by_epoch=True, max_epochs=40, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# the learning rate above is for 8 GPUs x 16 images
auto_scale_lr = dict(base_batch_size=128)
