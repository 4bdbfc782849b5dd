"""Running the quarterly pipeline: plan its notebooks (keys, work folder, lock) and run them (pool, kernels,
manifest); what the notebooks call is :mod:`tagkit.steps`. Also ``tagkit features`` (:mod:`.features_file`)."""
