# Django's Bosnian formats lack the short date and time (it fell back to the American "m/d/Y P").
SHORT_DATE_FORMAT = "j.m.Y."
SHORT_DATETIME_FORMAT = "j.m.Y. H:i"
