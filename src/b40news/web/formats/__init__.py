"""Date formats where Django's own are ambiguous or missing (FORMAT_MODULE_PATH).

English: day before month and a 24-hour clock ("6 Dec 2026, 08:43"), not
"12/06/2026" or "6:43 a.m."; Bulgarian: Django has no DATETIME formats for it,
so it fell back to the American "m/d/Y P". What is not set here is Django's.
"""
