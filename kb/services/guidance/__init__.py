"""Care guidance from published content: the warning-sign rules of a procedure as plain data, their
evaluation, and the aftercare timeline (JSON and iCalendar). Pure functions of what is published.

``content`` is the one place entry text is read from; ``texts`` the fixed, translatable sentences;
``rules`` the rules and their evaluation; ``matching`` free words to signs (search's analysis and
synonyms); ``timeline`` and ``calendar`` the schedule; ``service`` what the views call.
"""
