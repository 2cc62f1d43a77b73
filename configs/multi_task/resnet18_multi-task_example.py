# Multi-task example: one ResNet-18 trunk, a single-label "colour" head and a multi-label "tags"
# head. Annotations are an OpenMMLab 2.0 json file whose samples carry one label per task, e.g.
#   {"metainfo": {}, "data_list": [{"img_path": "a.jpg", "gt_label": {"colour": 2, "tags": [0, 3]}}]}
# A sample may omit a task: its loss then skips that sample and the metric ignores it.
_base_ = [
    '../_base_/schedules/imagenet_bs256.py',
    '../_base_/default_runtime.py',
]

data_root = 'data/multi_task'

model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='MultiTaskHead',
        in_channels=512,
        task_heads=dict(
            colour=dict(type='LinearClsHead', num_classes=3,
                        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
            tags=dict(type='MultiLabelLinearClsHead', num_classes=4,
                      loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)),
        ),
    ),
)

data_preprocessor = dict(
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackMultiTaskInputs', multi_task_fields=('gt_label', )),
]

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackMultiTaskInputs', multi_task_fields=('gt_label', )),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    dataset=dict(type='BaseDataset', data_root=data_root, ann_file='train.json',
                 data_prefix='images', pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)

val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    dataset=dict(type='BaseDataset', data_root=data_root, ann_file='val.json',
                 data_prefix='images', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(
    type='MultiTasksMetric',
    task_metrics=dict(
        colour=[dict(type='Accuracy', topk=(1, ))],
        tags=[dict(type='AveragePrecision'), dict(type='MultiLabelMetric', average='macro')],
    ))

test_dataloader = val_dataloader
test_evaluator = val_evaluator

train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=1)
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[20], gamma=0.1)
