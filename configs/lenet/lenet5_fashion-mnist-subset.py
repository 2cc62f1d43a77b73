# LeNet-5 on the bundled Fashion-MNIST subset (2000 train / 1000 test PNGs, demo/data/):
# the config `make demo` trains.  Paths are resolved from this file, so it runs from any folder.
_base_ = [
    '../_base_/models/lenet5.py', '../_base_/schedules/mnist_bs128.py',
    '../_base_/default_runtime.py'
]

# dataset settings: 28x28 grey PNGs resized to the 32x32 input of LeNet-5
dataset_type = 'CustomDataset'
data_root = '{{ fileDirname }}/../../demo/data/fashion-mnist-subset'
data_preprocessor = dict(mean=[72.94], std=[90.02], num_classes=10)

pipeline = [
    dict(type='LoadImageFromFile', color_type='grayscale'),
    dict(type='Resize', scale=32),
    dict(type='PackClsInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='train.txt',
        classes=data_root + '/classes.txt',
        pipeline=pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)

val_dataloader = dict(
    batch_size=100,
    num_workers=1,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='test.txt',
        classes=data_root + '/classes.txt',
        pipeline=pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))

test_dataloader = val_dataloader
test_evaluator = val_evaluator

# schedule: 10 short epochs (63 iterations each)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=0.0001))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[8], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=5)

# runtime settings
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', interval=5),
    # 28x28 images are drawn 8x larger when visualised
    visualization=dict(type='VisualizationHook', enable=False, rescale_factor=8.))
randomness = dict(seed=0, deterministic=False)
