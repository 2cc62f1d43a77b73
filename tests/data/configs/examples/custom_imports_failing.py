custom_imports = dict(imports=['mmcls_no_such_module_xyz'])
