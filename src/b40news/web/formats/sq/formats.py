# Django has no Albanian date formats (it fell back to the American "N j, Y, P"):
# day.month.year and a 24-hour clock, as Albanian writes them.
DATE_FORMAT = "d.m.Y"
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y, H:i"
SHORT_DATETIME_FORMAT = "d.m.Y, H:i"
