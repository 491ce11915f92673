namespace City.Central.Tests;

/// <summary>
/// The store kinds the API and ingest tests run against (a theory over them): "litedb" (the default, a file in the data
/// path) and "postgres" (a fresh database of the test cluster). Both must behave alike.
/// </summary>
internal static class StoreKinds
{
    public const string LiteDb = "litedb";
    public const string Postgres = "postgres";

    /// <summary>Central's extra arguments for the kind; for postgres each call makes a new database.</summary>
    public static async Task<string[]> ArgsAsync(string kind, params string[] more) => kind switch
    {
        LiteDb => more,
        Postgres => ["--Central:Store:Kind=postgres", $"--Central:Store:ConnectionString={await PostgresServer.Shared.CreateDatabaseAsync("api")}", .. more],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "litedb or postgres"),
    };
}
