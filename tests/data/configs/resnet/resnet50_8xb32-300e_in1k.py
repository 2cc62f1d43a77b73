# CutMix, 300 epochs and own data folders on top of ResNet-50.
_base_ = './resnet50_8xb32_in1k.py'

model = dict(
    train_cfg=dict(
        augments=dict(type='CutMix', alpha=1.0)
    )
)

train_cfg = dict(max_epochs=300, val_interval=10)
param_scheduler = dict(step=[150, 200, 250])

train_dataloader = dict(
    dataset=dict(data_root='mydata/imagenet/train'),
)
val_dataloader = dict(
    batch_size=64,
    dataset=dict(data_root='mydata/imagenet/val'),
)
test_dataloader = dict(
    batch_size=64,
    dataset=dict(data_root='mydata/imagenet/val'),
)
