"""``lamm-bench report``: several reports as one leaderboard (static HTML page or Markdown table).

Layers: :mod:`.reported` (the LAMM authors' published numbers), :mod:`.runs` (reports, model names,
diagnostics), :mod:`.board` (columns, cells, best values), :mod:`.samples` (failed samples with their
question and media), :mod:`.thumbnails` and :mod:`.svg`/:mod:`.plots` (inline pictures), then
:mod:`.page` (HTML) and :mod:`.markdown`.
"""
