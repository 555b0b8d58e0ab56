"""Databases on the test PostgreSQL cluster (the `postgres` fixture of tests/conftest.py), for the gradebook and Dask tests."""

from __future__ import annotations


def new_database(server_url: str, name: str) -> str:
    """Create an empty database on the test cluster; return its URL."""
    import psycopg2

    from course.grading.settings import check_db_url

    connection = psycopg2.connect(check_db_url(server_url).replace("postgresql+psycopg2", "postgresql"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return server_url.rsplit("/", 1)[0] + "/" + name
