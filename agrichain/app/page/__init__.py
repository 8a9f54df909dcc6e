"""The planner page in Streamlit, one module per step; imported by ``app.py`` only.

:mod:`~agrichain.app.page.state` the session state and the parts the steps share;
:mod:`~agrichain.app.page.load` 1 · load (sidebar);
:mod:`~agrichain.app.page.edit` 2 · check and edit;
:mod:`~agrichain.app.page.plan` 3 · plan;
:mod:`~agrichain.app.page.see` 4 · routes, and the map settings;
:mod:`~agrichain.app.page.adjust` 4.1 · adjust the routes (lock, move, reorder; checked at once);
:mod:`~agrichain.app.page.replan` 4.2 · re-plan after the day's events;
:mod:`~agrichain.app.page.handover` 5 · hand over;
:mod:`~agrichain.app.page.review` 6 · review.
Each step is a ``show(...)`` function; what one step hands to the next is passed
explicitly, what must survive a rerun is kept in ``st.session_state``, what must survive a
browser reload is kept on disk (:func:`~agrichain.app.page.state.save`).
"""
