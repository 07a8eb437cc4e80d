import pytest

from b40news.delivery.smtp import SmtpSettings


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, None, None, "none", 30.0)),
        ("smtp://mail.example.org", ("mail.example.org", 25, None, None, "none", 30.0)),
        ("smtp://u:p@mail.example.org:587", ("mail.example.org", 587, "u", "p", "starttls", 30.0)),
        ("smtp://mail.example.org:587?starttls=0", ("mail.example.org", 587, None, None, "none", 30.0)),
        ("smtp://mail.example.org:2525?starttls=1", ("mail.example.org", 2525, None, None, "starttls", 30.0)),
        ("SMTP://Mail.Example.ORG?starttls=true&timeout=2.5", ("mail.example.org", 25, None, None, "starttls", 2.5)),
        ("smtps://relay.example.org", ("relay.example.org", 465, None, None, "ssl", 30.0)),
        ("smtps://relay.example.org:10465/", ("relay.example.org", 10465, None, None, "ssl", 30.0)),
        # percent-decoding of user and password; "@" and ":" inside them
        (
            "smtps://news%40b40.example:p%40ss%3Aw%2Frd@relay.example.org",
            ("relay.example.org", 465, "news@b40.example", "p@ss:w/rd", "ssl", 30.0),
        ),
        ("smtp://apikey:@relay.example.org", ("relay.example.org", 25, "apikey", "", "none", 30.0)),
        ("smtp://[::1]:2525", ("::1", 2525, None, None, "none", 30.0)),
    ],
)
def test_from_url_good(url, expected):
    s = SmtpSettings.from_url(url)
    assert (s.host, s.port, s.username, s.password, s.tls, s.timeout) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.org", "smtp:// or smtps://"),
        ("mail.example.org:25", "smtp:// or smtps://"),
        ("", "smtp:// or smtps://"),
        ("smtp://", "no host"),
        ("smtp://:25", "no host"),
        ("smtp://mail.example.org:99999", "not a valid SMTP URL"),
        ("smtp://mail.example.org:abc", "not a valid SMTP URL"),
        ("smtp://mail.example.org/inbox", "no path"),
        ("smtp://mail.example.org#x", "no path or fragment"),
        ("smtp://mail.example.org?tls=1", "unknown parameter(s) tls"),
        ("smtp://mail.example.org?starttls=maybe", "starttls must be 1 or 0"),
        ("smtp://mail.example.org?starttls=1&starttls=0", "repeats"),
        ("smtp://mail.example.org?timeout=soon", "timeout must be a number"),
        ("smtp://mail.example.org?timeout=0", "timeout must be positive"),
        ("smtps://mail.example.org?starttls=1", "already TLS"),
        ("smtp://user@mail.example.org", "both user and password"),
        ("smtp://:secret@mail.example.org", "both user and password"),
    ],
)
def test_from_url_bad(url, message):
    with pytest.raises(ValueError) as info:
        SmtpSettings.from_url(url)
    assert message in str(info.value)


def test_password_never_shown():
    with pytest.raises(ValueError) as info:
        SmtpSettings.from_url("smtp://user:hunter2@mail.example.org/path")
    assert "hunter2" not in str(info.value)
    with pytest.raises(ValueError) as info:
        SmtpSettings.from_url("smtp://user:hun/ter@2@mail.example.org")  # unencoded "/" and "@"
    assert "hun" not in str(info.value) and "ter" not in str(info.value)
    assert "hunter2" not in repr(SmtpSettings.from_url("smtp://user:hunter2@mail.example.org"))


def test_direct_construction_is_validated():
    with pytest.raises(ValueError, match="tls must be one of"):
        SmtpSettings("mail.example.org", 25, None, None, "tls")
    with pytest.raises(ValueError, match="go together"):
        SmtpSettings("mail.example.org", 25, "user", None, "none")
