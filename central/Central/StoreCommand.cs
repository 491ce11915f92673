using System.Globalization;
using System.Text.Json;
using City.Central.Configuration;
using City.Central.Store;
using Microsoft.Extensions.Configuration;

namespace City.Central;

/// <summary>
/// <c>central store verify [--store PATH] [--json] [--Central:DataPath=...]</c>: checks the store file without
/// changing it. PATH is central.db or its directory; without it, Central:DataPath from the usual configuration.
/// Exit codes: 0 healthy, 3 damaged (or missing), 2 usage error. <c>central store rebuild [--store PATH]</c> (central
/// stopped): rewrites the file without its free pages (LiteDB never shrinks a file: space that retention freed is reused,
/// not returned), printing the size before and after.
/// </summary>
internal static class StoreCommand
{
    public const int DamagedExitCode = 3;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == "store";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 2 || args[1] is not ("verify" or "rebuild"))
        {
            await Console.Error.WriteLineAsync("usage: central store verify|rebuild [--store PATH] [--json] [--Central:DataPath=DIR]").ConfigureAwait(false);
            return 2;
        }

        string? path = null;
        var json = false;
        var rest = new List<string>();
        for (var i = 2; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json":
                    json = true;
                    break;
                case "--store" when i + 1 < args.Length:
                    path = args[++i];
                    break;
                case "--store":
                    await Console.Error.WriteLineAsync("central store verify: --store needs a path (central.db or its directory).").ConfigureAwait(false);
                    return 2;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        if (path is null && IsPostgres(rest))
        {
            await Console.Error.WriteLineAsync("central store verify: not available for postgres (Central:Store:Kind=postgres): PostgreSQL checks its own pages; see docs/postgres.md (amcheck, pg_dump).").ConfigureAwait(false);
            return 2;
        }

        var file = ResolveFile(path, rest);
        if (args[1] == "rebuild")
        {
            return await RebuildAsync(file).ConfigureAwait(false);
        }

        var report = StoreVerifier.Verify(file);
        if (json)
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new
            {
                file = report.File,
                healthy = report.IsHealthy,
                problems = report.Problems,
                pages = report.Pages,
                documents = report.Documents,
                elapsedMs = (long)report.Elapsed.TotalMilliseconds,
            }, Json)).ConfigureAwait(false);
        }
        else if (report.IsHealthy)
        {
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{report.File}: ok ({report.Pages} pages, {report.Documents} documents, {report.Elapsed.TotalMilliseconds:F0} ms)")).ConfigureAwait(false);
        }
        else
        {
            await Console.Out.WriteLineAsync(DamagedText(report)).ConfigureAwait(false);
        }

        return report.IsHealthy ? 0 : DamagedExitCode;
    }

    /// <summary>Rebuilds a healthy file (verified first) so it loses its free pages; central must be stopped.</summary>
    private static async Task<int> RebuildAsync(string file)
    {
        var report = StoreVerifier.Verify(file);
        if (!report.IsHealthy)
        {
            await Console.Out.WriteLineAsync(DamagedText(report)).ConfigureAwait(false);
            return DamagedExitCode;
        }

        var before = new FileInfo(file).Length;
        using (var database = new LiteDB.LiteDatabase(new LiteDB.ConnectionString { Filename = file, Connection = LiteDB.ConnectionType.Direct }))
        {
            database.Rebuild();
        }

        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{file}: rebuilt, {before:N0} -> {new FileInfo(file).Length:N0} bytes")).ConfigureAwait(false);
        return 0;
    }

    /// <summary>What is wrong with the file and how to recover, for the verify command and for a refused start.</summary>
    public static string DamagedText(StoreReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var stamp = DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var log = Path.Combine(Path.GetDirectoryName(report.File) ?? ".", Path.GetFileNameWithoutExtension(report.File) + "-log" + Path.GetExtension(report.File));
        return $"{report.File}: damaged:{Environment.NewLine}"
            + string.Join(Environment.NewLine, report.Problems.Select(p => "  - " + p)) + Environment.NewLine
            + $"To recover: keep the damaged file for analysis by moving it aside (mv {report.File} {report.File}.damaged-{stamp}; "
            + $"the same for {log} if it exists), then start central again: it creates an empty store, and the edges resend every "
            + "batch not yet acknowledged (batches acknowledged before the damage stay only in the moved file). "
            + "Check a file with `central store verify --store PATH`.";
    }

    private static IConfiguration Configuration(List<string> configurationArgs) => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .AddCommandLine([.. configurationArgs])
        .Build();

    private static bool IsPostgres(List<string> configurationArgs) =>
        string.Equals(Configuration(configurationArgs)[StoreSettings.KindKey], StoreSettings.Postgres, StringComparison.OrdinalIgnoreCase);

    private static string ResolveFile(string? path, List<string> configurationArgs)
    {
        if (path is null)
        {
            path = Configuration(configurationArgs)[$"{CentralOptions.Section}:DataPath"] ?? new CentralOptions().DataPath;
        }

        path = Path.GetFullPath(path);
        return Directory.Exists(path) ? Path.Combine(path, LiteDbReadingStore.FileName) : path;
    }
}

/// <summary>Central refuses to start on a damaged store; the message names the file, the damage and the way out.</summary>
internal sealed class StoreDamagedException(StoreReport report) : Exception(StoreCommand.DamagedText(report))
{
    public StoreReport Report { get; } = report;
}
