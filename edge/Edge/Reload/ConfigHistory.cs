using System.Text.Json;
using System.Text.Json.Serialization;

namespace City.Edge.Reload;

/// <summary>Where a configuration came from.</summary>
internal static class ConfigSources
{
    /// <summary>The files, read at start, on SIGHUP or by edgectl reload.</summary>
    public const string File = "file";

    /// <summary>Pushed by central (a signed edge-config command).</summary>
    public const string Central = "central";

    /// <summary>The previous configuration, put back after a failed one.</summary>
    public const string Rollback = "rollback";
}

/// <summary>What became of a configuration version.</summary>
internal static class ConfigOutcomes
{
    /// <summary>Running, within its grace period: it is rolled back if no device answers in time.</summary>
    public const string Trial = "trial";

    public const string Applied = "applied";

    /// <summary>Not applied: it failed validation or changes what cannot change at run time.</summary>
    public const string Refused = "refused";

    /// <summary>Applied, then replaced by the previous one (no device answered within the grace period).</summary>
    public const string RolledBack = "rolled-back";

    /// <summary>Was applied, and a later version replaced it.</summary>
    public const string Replaced = "replaced";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<ConfigHistoryEntry>))]
internal sealed partial class ConfigHistoryContext : JsonSerializerContext;

/// <summary>One version in the history (<c>edgectl config history</c>).</summary>
internal sealed record ConfigHistoryEntry(
    int Number,
    string Version,
    string Source,
    DateTimeOffset At,
    string Outcome,
    string? Detail,
    string? CommandId,
    string? File);

/// <summary>
/// The configuration versions of this edge, in <c>&lt;data dir&gt;/config/</c> beside the buffer: <c>history.json</c> (the newest
/// <see cref="Capacity"/> entries) and one numbered document per version that could be read (<c>000007.json</c>), and
/// <c>central.json</c>, the sections central pushed that are applied (read on top of the files at every start and file
/// reload). Each file is replaced whole (write, then rename). Thread-safe.
/// </summary>
internal sealed class ConfigHistory
{
    public const int Capacity = 50;
    public const string CentralOverlayFile = "central.json";

    private readonly Lock _gate = new();
    private readonly List<ConfigHistoryEntry> _entries;

    public ConfigHistory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "history.json");
        _entries = File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), ConfigHistoryContext.Default.ListConfigHistoryEntry) ?? [] : [];
    }

    /// <summary>The history directory of the edge whose buffer is <paramref name="bufferPath"/>.</summary>
    public static string DirectoryBeside(string bufferPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(bufferPath)) ?? ".", "config");

    public string Directory { get; }

    public IReadOnlyList<ConfigHistoryEntry> Entries()
    {
        lock (_gate)
        {
            return [.. _entries];
        }
    }

    /// <summary>Adds a version (its document stored when given) and returns its entry.</summary>
    public ConfigHistoryEntry Add(string version, string source, DateTimeOffset at, string outcome, string? detail, string? commandId, ConfigDocument? document)
    {
        lock (_gate)
        {
            var number = _entries.Count == 0 ? 1 : _entries[^1].Number + 1;
            string? file = null;
            if (document is not null)
            {
                file = $"{number:D6}.json";
                WriteAtomically(Path.Combine(Directory, file), document.Json);
            }

            var entry = new ConfigHistoryEntry(number, version, source, at, outcome, detail, commandId, file);
            _entries.Add(entry);
            Save();
            return entry;
        }
    }

    /// <summary>Sets the outcome (and detail) of version <paramref name="number"/>.</summary>
    public void Update(int number, string outcome, string? detail)
    {
        lock (_gate)
        {
            var index = _entries.FindIndex(e => e.Number == number);
            if (index >= 0)
            {
                _entries[index] = _entries[index] with { Outcome = outcome, Detail = detail ?? _entries[index].Detail };
                Save();
            }
        }
    }

    /// <summary>The sections central pushed that stand (null: none).</summary>
    public ConfigDocument? CentralOverlay()
    {
        var path = Path.Combine(Directory, CentralOverlayFile);
        return File.Exists(path) ? ConfigDocument.Parse(File.ReadAllText(path)) : null;
    }

    public void SetCentralOverlay(ConfigDocument? overlay)
    {
        var path = Path.Combine(Directory, CentralOverlayFile);
        if (overlay is null)
        {
            File.Delete(path);
        }
        else
        {
            WriteAtomically(path, overlay.Json);
        }
    }

    private void Save()
    {
        while (_entries.Count > Capacity)
        {
            if (_entries[0].File is { } old)
            {
                File.Delete(Path.Combine(Directory, old));
            }

            _entries.RemoveAt(0);
        }

        WriteAtomically(Path.Combine(Directory, "history.json"), JsonSerializer.Serialize(_entries, ConfigHistoryContext.Default.ListConfigHistoryEntry));
    }

    private static void WriteAtomically(string path, string text)
    {
        // The documents may hold secrets (an SNMP community): readable by the edge's user only.
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
