using System.Diagnostics;
using Npgsql;

namespace City.TestSupport;

/// <summary>
/// The PostgreSQL server the tests use. <see cref="Shared"/> is the cluster test.sh started (its connection string in
/// CITY_TEST_PG), or, when that variable is missing (a plain `dotnet test`), a private cluster started once per test
/// process from Debian's postgresql 15 (initdb -A trust into a temporary directory, as the `postgres` user when run as
/// root, on a free loopback port) and stopped when the process ends. Each test class takes a fresh database of its own.
/// </summary>
public sealed class PostgresServer
{
    /// <summary>The environment variable test.sh sets: a connection string to the cluster's `postgres` database.</summary>
    public const string EnvironmentVariable = "CITY_TEST_PG";

    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private static readonly Lazy<PostgresServer> SharedServer = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databaseCounter;

    private PostgresServer(string adminConnectionString) => AdminConnectionString = adminConnectionString;

    /// <summary>The one server of this test process.</summary>
    public static PostgresServer Shared => SharedServer.Value;

    /// <summary>A connection string to the `postgres` database as the superuser.</summary>
    public string AdminConnectionString { get; }

    /// <summary>Creates an empty database with a name of its own and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "t")
    {
        string name = $"{Sanitize(prefix)}_{Environment.ProcessId}_{Interlocked.Increment(ref _databaseCounter)}_{Guid.NewGuid():N}";
        name = name[..Math.Min(name.Length, 63)];
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    private static string Sanitize(string prefix)
    {
        var letters = prefix.ToLowerInvariant().Where(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_').Take(24).ToArray();
        return letters.Length == 0 ? "t" : new string(letters);
    }

    private static PostgresServer Start()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return new PostgresServer(fromEnvironment);
        }

        string initdb = Path.Combine(BinDirectory, "initdb");
        Assert.True(File.Exists(initdb), $"PostgreSQL 15 is missing ({initdb}). Install it: apt-get install postgresql");
        string directory = Directory.CreateTempSubdirectory("city-test-pg-").FullName;
        string data = Path.Combine(directory, "data");
        bool asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", "postgres:postgres", directory);
        }

        int port = FreePort.Tcp();
        RunAsServerUser(asRoot, initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C");
        string options = $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c track_commit_timestamp=on";
        RunAsServerUser(asRoot, Path.Combine(BinDirectory, "pg_ctl"), "-D", data, "-o", options, "-l", Path.Combine(directory, "log"), "-w", "start");
        // The test host may be killed soon after its tests end: a shell of its own (not waited for) stops the server and
        // removes the directory, so neither outlives the run.
        string stop = $"'{Path.Combine(BinDirectory, "pg_ctl")}' -D '{data}' -m immediate -w stop >/dev/null 2>&1; rm -rf '{directory}'";
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            Process.Start(asRoot ? "runuser" : "sh", asRoot ? ["-u", "postgres", "--", "sh", "-c", stop] : ["-c", stop])?.Dispose();
        return new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres");
    }

    private static void RunAsServerUser(bool asRoot, string executable, params string[] arguments)
    {
        if (asRoot)
        {
            Run("runuser", ["-u", "postgres", "--", executable, .. arguments]);
        }
        else
        {
            Run(executable, arguments);
        }
    }

    private static void Run(string executable, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {executable}.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{executable} {string.Join(' ', arguments)} did not finish within 2 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{executable} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output.Result}\n{error.Result}");
        }
    }
}
