"""The planner page's work, without Streamlit (:mod:`~agrichain.app.page` lays it out).

:mod:`~agrichain.app.inputs` bundled instances, issues, table edits, filters and totals;
:mod:`~agrichain.app.uploads` a zipped scenario or one table as CSV or Excel;
:mod:`~agrichain.app.jobs` the plan options and the plan in a worker process;
:mod:`~agrichain.app.results` headline numbers and the inventory tables and charts;
:mod:`~agrichain.app.map` the pydeck map; :mod:`~agrichain.app.sheets` route sheets and zips;
:mod:`~agrichain.app.labels` the short texts they share.
"""
