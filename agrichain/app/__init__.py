"""The planner page's work, without Streamlit (:mod:`~agrichain.app.page` lays it out).

:mod:`~agrichain.app.inputs` bundled instances, issues, table edits, filters and totals;
:mod:`~agrichain.app.uploads` a zipped scenario or one table as CSV or Excel;
:mod:`~agrichain.app.jobs` the plan options and the plan in a worker process;
:mod:`~agrichain.app.results` headline numbers and the inventory tables and charts;
:mod:`~agrichain.app.map` the pydeck map; :mod:`~agrichain.app.sheets` the sheets' zips;
:mod:`~agrichain.app.adjust` routes edited and checked; :mod:`~agrichain.app.replan` events
and the re-plan job; :mod:`~agrichain.app.review` the post-live review;
:mod:`~agrichain.app.persist` the session kept on disk across reloads;
:mod:`~agrichain.app.labels` the short texts they share.
"""
