# Django does not know Montenegrin: numeric dates as Montenegrin (and Serbian) write them,
# since Django has no Montenegrin month names either.
DATE_FORMAT = "j.m.Y."
SHORT_DATE_FORMAT = "j.m.Y."
DATETIME_FORMAT = "j.m.Y. H:i"
SHORT_DATETIME_FORMAT = "j.m.Y. H:i"
