using System.Diagnostics;
using System.Security.Cryptography;
using City.Central.Assets;
using City.Central.Configuration;
using City.Central.Energy;
using City.Central.State;
using City.Central.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace City.Central.OpenData;

/// <summary>A generated file: its dataset, name, media type, size, rows (features for GeoJSON) and entity tag.</summary>
internal sealed record PublishedFile(string Dataset, DatasetFile File, long Bytes, int Rows, string ETag);

/// <summary>What the last generation wrote: when, the days it covers, its files, and the equipment's extent.</summary>
internal sealed record OpenDataManifest(DateTimeOffset GeneratedAt, DateOnly FirstDay, DateOnly LastDay, IReadOnlyList<PublishedFile> Files, EquipmentSummary Equipment)
{
    public PublishedFile? Find(string name) => Files.FirstOrDefault(f => f.File.Name == name);
}

/// <summary>
/// Generates the open data files into <c>DataPath/opendata</c>: at start, every day at Central:OpenData:GenerateAtUtc (and
/// every RefreshMinutes when set), and on request (<see cref="GenerateAsync"/>, the admin's POST). Each file is written beside its final name and renamed over
/// it, so a reader sees the old file or the new one, never a part. One generation at a time.
/// </summary>
internal sealed partial class OpenDataPublisher(
    IOptions<CentralOptions> options,
    GatewayRegistry registry,
    AssetDirectory assets,
    IHistoryStore history,
    EnergyReport energy,
    TimeProvider time,
    ILogger<OpenDataPublisher> logger) : BackgroundService
{
    public const string FolderName = "opendata";

    private readonly OpenDataSettings _settings = options.Value.OpenData;
    private readonly SemaphoreSlim _generating = new(1, 1);
    private OpenDataManifest? _current;

    public string Folder { get; } = Path.Combine(options.Value.DataPath, FolderName);

    public OpenDataSettings Settings => _settings;

    /// <summary>The last generation's manifest, or null before the first.</summary>
    public OpenDataManifest? Current => Volatile.Read(ref _current);

    /// <summary>The current manifest, generating the files first when none was made yet.</summary>
    public async Task<OpenDataManifest> CurrentOrGenerateAsync(CancellationToken cancellationToken) =>
        Current ?? await GenerateAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Generates every published dataset now (waiting for a generation under way to finish first).</summary>
    public async Task<OpenDataManifest> GenerateAsync(CancellationToken cancellationToken)
    {
        await _generating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var manifest = await Task.Run(Generate, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _current, manifest);
            LogGenerated(logger, manifest.Files.Count, Folder, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return manifest;
        }
        finally
        {
            _generating.Release();
        }
    }

    public string PathOf(PublishedFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Path.Combine(Folder, file.File.Name);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_settings.Enabled)
        {
            return;
        }

        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await GenerateAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The files of the previous generation stay served; the next scheduled generation tries again.
                LogFailed(logger, exception, Folder);
            }

            await Task.Delay(UntilNext(time.GetUtcNow()), time, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>How long until the next GenerateAtUtc (today's when still ahead, else tomorrow's), or RefreshMinutes when sooner.</summary>
    internal TimeSpan UntilNext(DateTimeOffset now)
    {
        var next = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero) + _settings.GenerateAtUtc;
        if (next <= now)
        {
            next = next.AddDays(1);
        }

        var refresh = TimeSpan.FromMinutes(_settings.RefreshMinutes);
        return _settings.RefreshMinutes > 0 && refresh < next - now ? refresh : next - now;
    }

    private OpenDataManifest Generate()
    {
        Directory.CreateDirectory(Folder);
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var firstDay = today.AddDays(-_settings.Days);
        var generatedAt = OpenDataTimes.Utc(now.ToUnixTimeMilliseconds());
        var files = new List<PublishedFile>();
        var equipment = new EquipmentSummary(0, 0, null);
        foreach (var dataset in OpenDataDatasets.All.Where(d => _settings.Publishes(d.Name)))
        {
            switch (dataset.Name)
            {
                case OpenDataNames.Energy:
                    WriteTable(dataset, EnergyDataset.Build(energy, firstDay, today, TownPublished, now), generatedAt, files);
                    break;
                case OpenDataNames.Availability:
                    WriteTable(dataset, AvailabilityDataset.Build(registry, assets, history, firstDay, today, TownPublished, now), generatedAt, files);
                    break;
                case OpenDataNames.Traffic:
                    var allowed = new PointPatterns(_settings.TrafficPoints);
                    WriteTable(dataset, TrafficDataset.Build(registry, assets, history, allowed, firstDay, TownPublished, now), generatedAt, files);
                    break;
                default:
                    var (geoJson, summary) = EquipmentDataset.Build(registry, assets, TownPublished);
                    equipment = summary;
                    files.Add(Write(dataset.Name, dataset.Files[0], geoJson, summary.Cabinets + summary.Lamps));
                    break;
            }
        }

        return new OpenDataManifest(now, firstDay, today, files, equipment);
    }

    private bool TownPublished(string town) =>
        _settings.Towns.Count == 0 || _settings.Towns.Contains(town, StringComparer.OrdinalIgnoreCase);

    private void WriteTable(DatasetInfo dataset, DataTable table, string generatedAt, List<PublishedFile> files)
    {
        foreach (var file in dataset.Files)
        {
            var bytes = file.MediaType == OpenDataDatasets.Csv ? table.ToCsv() : table.ToJson(dataset.Title, _settings.LicenceUrl, generatedAt);
            files.Add(Write(dataset.Name, file, bytes, table.Rows.Count));
        }
    }

    private PublishedFile Write(string dataset, DatasetFile file, byte[] bytes, int rows)
    {
        var target = Path.Combine(Folder, file.Name);
        var temporary = Path.Combine(Folder, $".{file.Name}.{Guid.NewGuid():N}.tmp");
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, target, overwrite: true);
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 16)) + "\"";
        return new PublishedFile(dataset, file, bytes.Length, rows, etag);
    }

    public override void Dispose()
    {
        _generating.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Open data: {Files} files generated in {Folder} in {ElapsedMs} ms")]
    private static partial void LogGenerated(ILogger logger, int files, string folder, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Open data: generating the files in {Folder} failed; the previous files stay published")]
    private static partial void LogFailed(ILogger logger, Exception exception, string folder);
}
