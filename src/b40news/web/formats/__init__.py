"""Date formats where Django's own are ambiguous or missing (FORMAT_MODULE_PATH).

English: day before month and a 24-hour clock ("6 Dec 2026, 08:43"), not
"12/06/2026" or "6:43 a.m."; Bulgarian: Django has no DATETIME formats for it,
so it fell back to the American "m/d/Y P"; nor for Albanian and Montenegrin, nor short
ones for Bosnian; Greek's have a 12-hour clock. What is not set here is Django's (tests/web/test_office_time.py checks all 13).
"""
