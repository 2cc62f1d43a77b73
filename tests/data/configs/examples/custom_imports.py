custom_imports = dict(imports=['mmcls_cfg_custom_module'], allow_failed_imports=False)
model = dict(type='CustomThing')
