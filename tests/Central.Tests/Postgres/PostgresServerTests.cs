using Npgsql;

namespace City.Central.Tests.Postgres;

/// <summary>The test cluster works: test.sh's (CITY_TEST_PG) or the private one a plain `dotnet test` starts.</summary>
public sealed class PostgresServerTests
{
    [Fact]
    public async Task Each_database_is_new_empty_and_writable()
    {
        string first = await PostgresServer.Shared.CreateDatabaseAsync("server_test");
        string second = await PostgresServer.Shared.CreateDatabaseAsync("server_test");
        Assert.NotEqual(new NpgsqlConnectionStringBuilder(first).Database, new NpgsqlConnectionStringBuilder(second).Database);

        await using var connection = new NpgsqlConnection(first);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE t (v int); INSERT INTO t VALUES (41), (1)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using var sum = new NpgsqlCommand("SELECT sum(v) FROM t", connection);
        Assert.Equal(42L, await sum.ExecuteScalarAsync());

        await using var other = new NpgsqlConnection(second);
        await other.OpenAsync();
        await using var tables = new NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", other);
        Assert.Equal(0L, await tables.ExecuteScalarAsync());
    }
}
