"""What the notebooks call: one module per notebook, each reading and writing the run folder.

The notebooks stay thin (one call per cell); these functions hold the I/O so that scoring and
reporting stay pure. A notebook imports its own module, which offers every call it makes
(``from tagkit.steps import score as steps``), and sets itself up in one call (:func:`common.setup`).

- :mod:`.validate`, :mod:`.score`, :mod:`.region_report`, :mod:`.index`, :mod:`.what_if`: notebooks
  01 to 05. A later step's module imports the earlier ones' for their "make what is missing first"
  helpers (:func:`validate.ensure_validated`, :func:`score.ensure_scored`), never the other way round.
- :mod:`.common`: the setup, display and the score step's shared timeline; :mod:`.display`: tables as
  an analyst reads them.
- What a run folder was made for and what the steps check before reading it: :mod:`.made_for`, the
  features table handed to a run (:mod:`.features_input`), the content hashes both use
  (:mod:`.fingerprint`) and the pipeline declaration (:mod:`.spec`). The runner (the ``pipeline`` package)
  reads these too; nothing here imports the runner.
"""
