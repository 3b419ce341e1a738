"""What each notebook shows: one module per notebook page, the explorer and the display helpers.

- :mod:`.notebook`: the display helpers every page shares (setup, tables, figures, CSV files).
- :mod:`.respondents`, :mod:`.question`, :mod:`.quotes`, :mod:`.rootcause`,
  :mod:`.efficiency`, :mod:`.rounds`: the pages of notebooks 00–04 and 06.
- :mod:`.explorer`: the interactive explorer (ipywidgets) of notebook 05.

Pages import the library and :mod:`kommunanalys.plots`, never :mod:`kommunanalys.report`
(checked by ``tests/test_architecture.py``). Modules are imported on demand so that a notebook
loads only the page it shows.
"""
