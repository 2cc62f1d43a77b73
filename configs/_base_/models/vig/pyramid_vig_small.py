# Pyramid Vision GNN (PViG-small): four stages, pooled kNN keys and relative-position term.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='PyramidVig',
        arch='small',
        k=9,
        act_cfg=dict(type='GELU'),
        norm_cfg=dict(type='BN'),
        graph_conv_type='mr',
        graph_conv_bias=True,
        epsilon=0.2,
        use_stochastic=False,
        drop_path_rate=0.1,
        norm_eval=False,
        frozen_stages=0),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='VigClsHead',
        num_classes=1000,
        in_channels=640,
        hidden_dim=1024,
        act_cfg=dict(type='GELU'),
        dropout=0.,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
