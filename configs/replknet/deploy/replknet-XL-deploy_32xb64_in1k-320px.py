# RepLKNet-XL (320px) with merged large kernels; load weights converted by
# tools/model_converters/reparameterize_model.py.
_base_ = '../replknet-XL_32xb64_in1k-320px.py'

model = dict(backbone=dict(small_kernel_merged=True))
