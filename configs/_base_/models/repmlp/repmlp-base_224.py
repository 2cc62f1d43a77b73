# RepMLPNet-B at 224px: four MLP stages on 56/28/14/7 partition grids with 1x1 and 3x3 local
# conv branches (folded into the FC layers by switch_to_deploy / deploy=True).
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='RepMLPNet',
        arch='B',
        img_size=224,
        out_indices=(3, ),
        reparam_conv_kernels=(1, 3),
        deploy=False),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=768,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
