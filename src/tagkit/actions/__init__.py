"""The action lists: who does what by when (made each quarter), and what became of it (read back next quarter).

- :mod:`.lists`: this quarter's actions with a deadline, one row per customer and action, each with a
  stable ``action_id`` (``actions.parquet``);
- :mod:`.sheets`: a region's list as the spreadsheet its owners fill in (``actions/<region>.xlsx`` and
  ``.csv``);
- :mod:`.returns`: last quarter's filled-in lists matched to what was published, rows that match
  nothing set aside and counted, rows never returned counted as no response;
- :mod:`.outcomes`: adoption by owner, how each action's customers fared when it was done or not, and the
  holdout's honest uplift;
- :mod:`.digest`: one page per rep of what changed since the last report and what is due.
"""
