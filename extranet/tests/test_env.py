"""Settings readers: a value that cannot be understood names its variable instead of guessing."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from extranet.base.env import env_bool, env_int, env_list, env_str, parse_database_url, parse_email_url


@pytest.mark.parametrize("value", ["1", "true", "Yes", " on "])
def test_true_values(monkeypatch, value):
    monkeypatch.setenv("TUTTI_FLAG", value)
    assert env_bool("TUTTI_FLAG", False) is True


@pytest.mark.parametrize("value", ["0", "false", "NO", "off"])
def test_false_values(monkeypatch, value):
    monkeypatch.setenv("TUTTI_FLAG", value)
    assert env_bool("TUTTI_FLAG", True) is False


def test_an_unset_or_empty_variable_takes_the_default(monkeypatch):
    monkeypatch.delenv("TUTTI_FLAG", raising=False)
    assert env_bool("TUTTI_FLAG", True) is True
    monkeypatch.setenv("TUTTI_FLAG", "")
    assert env_bool("TUTTI_FLAG", False) is False
    assert env_str("TUTTI_FLAG", "default") == "default"


def test_a_typo_in_a_boolean_is_an_error_naming_the_variable(monkeypatch):
    monkeypatch.setenv("TUTTI_FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="TUTTI_FLAG='ture' is not a boolean"):
        env_bool("TUTTI_FLAG", False)


def test_integers(monkeypatch):
    monkeypatch.setenv("TUTTI_NUMBER", "42")
    assert env_int("TUTTI_NUMBER", 1) == 42
    monkeypatch.setenv("TUTTI_NUMBER", "4 2")
    with pytest.raises(ImproperlyConfigured, match="TUTTI_NUMBER"):
        env_int("TUTTI_NUMBER", 1)


def test_lists_are_comma_separated_without_empty_items(monkeypatch):
    monkeypatch.setenv("TUTTI_HOSTS", "tutti.example.fr, www.tutti.example.fr")
    assert env_list("TUTTI_HOSTS", []) == ["tutti.example.fr", "www.tutti.example.fr"]
    monkeypatch.setenv("TUTTI_HOSTS", "tutti.example.fr,,")
    with pytest.raises(ImproperlyConfigured, match="TUTTI_HOSTS"):
        env_list("TUTTI_HOSTS", [])


def test_a_postgresql_url():
    database = parse_database_url(
        "DATABASE_URL", "postgres://tutti:s%40cret@db.example.fr:5433/tutti?conn_max_age=60", sqlite_timeout=5
    )
    assert database["ENGINE"] == "extranet.base.postgresql"
    assert (database["NAME"], database["USER"], database["PASSWORD"]) == ("tutti", "tutti", "s@cret")
    assert (database["HOST"], database["PORT"], database["CONN_MAX_AGE"]) == ("db.example.fr", "5433", 60)


def test_postgresql_binds_parameters_on_the_server_and_prepares_repeated_queries():
    database = parse_database_url("DATABASE_URL", "postgres://db.example.fr/tutti", sqlite_timeout=5)
    assert database["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}
    tuned = parse_database_url(
        "DATABASE_URL", "postgres://db.example.fr/tutti?prepare_threshold=2&sslmode=require", sqlite_timeout=5
    )
    assert tuned["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 2, "sslmode": "require"}
    # A connection pooler that cannot keep prepared statements: both off, Django's defaults.
    pooled = parse_database_url(
        "DATABASE_URL", "postgres://db.example.fr/tutti?server_side_binding=0", sqlite_timeout=5
    )
    assert pooled["OPTIONS"] == {}


@pytest.mark.django_db
def test_a_query_repeated_on_a_postgresql_connection_is_planned_once():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    with connection.cursor() as cursor:
        for _ in range(connection.settings_dict["OPTIONS"]["prepare_threshold"] + 1):
            cursor.execute("SELECT count(*) FROM extranet_site WHERE slug = %s", ["prepared-check"])
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any("extranet_site WHERE slug = $1" in statement for statement in statements), statements


def test_a_sqlite_url_names_an_absolute_file():
    database = parse_database_url("DATABASE_URL", "sqlite:////var/lib/tutti/db.sqlite3", sqlite_timeout=5)
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == "/var/lib/tutti/db.sqlite3"
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] == 5
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]


@pytest.mark.parametrize(
    "url",
    [
        "mysql://tutti@localhost/tutti",
        "postgres://db.example.fr:notaport/tutti",
        "postgres://db.example.fr:5432/",
        "postgres://db.example.fr/tutti?conn_max_age=forever",
        "postgres://db.example.fr/tutti?server_side_binding=maybe",
        "postgres://db.example.fr/tutti?prepare_threshold=often",
        "sqlite://relative.sqlite3",
        "sqlite:///",
        "not a url",
    ],
)
def test_a_bad_database_url_is_an_error_naming_the_variable(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        parse_database_url("DATABASE_URL", url, sqlite_timeout=5)


def test_email_goes_to_the_console_by_default():
    assert parse_email_url("EMAIL_URL", None)["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert parse_email_url("EMAIL_URL", "locmem://")["EMAIL_BACKEND"].endswith("locmem.EmailBackend")


def test_an_smtp_url_with_starttls():
    email = parse_email_url("EMAIL_URL", "smtp://mairie%40example.fr:pa%2Fss@smtp.example.fr:587?tls=1")
    assert email["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (email["EMAIL_HOST"], email["EMAIL_PORT"]) == ("smtp.example.fr", 587)
    assert (email["EMAIL_HOST_USER"], email["EMAIL_HOST_PASSWORD"]) == ("mairie@example.fr", "pa/ss")
    assert email["EMAIL_USE_TLS"] and not email["EMAIL_USE_SSL"]


def test_an_smtps_url_uses_ssl_on_port_465():
    email = parse_email_url("EMAIL_URL", "smtps://smtp.example.fr")
    assert email["EMAIL_PORT"] == 465
    assert email["EMAIL_USE_SSL"] and not email["EMAIL_USE_TLS"]


@pytest.mark.parametrize("url", ["http://smtp.example.fr", "smtp://", "smtp://smtp.example.fr:port"])
def test_a_bad_email_url_is_an_error_naming_the_variable(url):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        parse_email_url("EMAIL_URL", url)
