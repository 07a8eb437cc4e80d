# Django's Greek formats use a 12-hour clock ("3:43 μμ."): the office shows a 24-hour one, as
# Greek timetables and official notices write it.
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
