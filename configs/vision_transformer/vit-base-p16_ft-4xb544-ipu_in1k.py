# ViT-B/16 fine-tuned on ImageNet-1k from its ImageNet-21k weights, as MMClassification 1.0.0rc6
# ran it on 4 Graphcore IPUs with 544 images per step (17 per replica, 32 accumulated steps) in
# half precision. Here the same recipe runs on any device: SGD with no weight decay on the class
# token and position embedding, 800 warm-up iterations then cosine decay to 5000, fp16 with a
# static loss scale of 256. The IPU pipelining options of that file have no equivalent here.
_base_ = [
    '../_base_/models/vit-base-p16.py',
    '../_base_/datasets/imagenet_bs64_pil_resize.py',
    '../_base_/default_runtime.py',
]

pretrained = 'https://download.openmmlab.com/mmclassification/v0/vit/pretrain/vit-base-p16_3rdparty_pt-64xb64_in1k-224_20210928-02284250.pth'  # noqa

model = dict(
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, _delete_=True)),
    backbone=dict(
        img_size=224,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone',
                      _delete_=True)))

data_preprocessor = dict(
    num_classes=1000,
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    to_rgb=True,
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackClsInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=224, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackClsInputs'),
]
train_dataloader = dict(
    batch_size=17, num_workers=16, dataset=dict(pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True), drop_last=True)
val_dataloader = dict(batch_size=4, num_workers=1, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale=256.0,
    accumulative_counts=32,
    optimizer=dict(type='SGD', lr=0.08, weight_decay=1e-5, momentum=0.9),
    paramwise_cfg=dict(custom_keys={
        '.cls_token': dict(decay_mult=0.0),
        '.pos_embed': dict(decay_mult=0.0),
    }),
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.02, by_epoch=False, begin=0, end=800),
    dict(type='CosineAnnealingLR', T_max=4200, by_epoch=False, begin=800, end=5000),
]
train_cfg = dict(by_epoch=False, max_iters=5000, val_interval=1000)
val_cfg = dict()
test_cfg = dict()
randomness = dict(seed=42)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1000, by_epoch=False))
