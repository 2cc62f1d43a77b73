# RepLKNet-31L (384px) with merged large kernels; load weights converted by
# tools/model_converters/reparameterize_model.py.
_base_ = '../replknet-31L_32xb64_in1k-384px.py'

model = dict(backbone=dict(small_kernel_merged=True))
