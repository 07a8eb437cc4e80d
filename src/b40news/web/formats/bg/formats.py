# Numeric day.month.year, as Bulgarian writes it: Django's Bulgarian catalogue capitalises
# month names ("Декември"), which Bulgarian does not.
DATETIME_FORMAT = "d.m.Y, H:i"
SHORT_DATETIME_FORMAT = "d.m.Y, H:i"
