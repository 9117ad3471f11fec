"""The foundation layer: errors, atomic writes and safe output folders, fail points,
``$HANSENTI_HOME``, the process pool, registries, configs, text bounds, label maps,
metrics and calibration, reading review files, plots, user code, joining a Ray cluster.
Nothing here imports a heavy library at import time, nor any other hansenti layer."""
