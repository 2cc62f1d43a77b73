work_dir = './work_dirs/{{ fileBasenameNoExtension }}'
config_folder = '{{fileDirname}}'
config_name = '{{ fileBasename }}'
config_suffix = '{{ fileExtname }}'
