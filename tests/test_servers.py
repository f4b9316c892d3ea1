"""The test session's own servers answer, and CI never passes with them skipped."""

import pytest

from tests import servers


@pytest.mark.redis
def test_redis_server_round_trip(redis_client):
    redis_client.set("probe", "1")
    assert redis_client.get("probe") == "1"
    assert redis_client.info("persistence")["aof_enabled"] == 0


@pytest.mark.redis
def test_redis_state_is_clean_for_each_test(redis_client):
    assert redis_client.dbsize() == 0


@pytest.mark.postgres
def test_postgres_database_round_trip(postgres_dsn):
    import psycopg

    with psycopg.connect(postgres_dsn) as conn:
        conn.execute("CREATE TABLE probe (id int primary key, note text)")
        conn.execute("INSERT INTO probe VALUES (1, 'a')")
        assert conn.execute("SELECT note FROM probe WHERE id = 1").fetchone() == ("a",)
        version = conn.execute("SHOW server_version_num").fetchone()[0]
    assert int(version) >= 130000


@pytest.mark.postgres
def test_each_test_gets_its_own_database(postgres_dsn):
    import psycopg

    with psycopg.connect(postgres_dsn) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)


def test_missing_server_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        servers.unavailable("redis-server is not installed")


def test_missing_server_skips_on_a_developer_machine(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        servers.unavailable("redis-server is not installed")


def test_find_binary_looks_in_debian_postgresql_folder():
    found = servers.find_binary("initdb")
    assert found is not None and found.endswith("initdb")
