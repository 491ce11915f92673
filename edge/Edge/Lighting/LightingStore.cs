using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using City.Protocols.Talq;

namespace City.Edge.Lighting;

/// <summary>An override as lighting-overrides.json keeps it (in the order they were set: the last one wins).</summary>
internal sealed record StoredOverride(string Line, int? Group, double LevelPercent, DateTimeOffset Until, string CommandId);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(List<StoredOverride>))]
internal sealed partial class LightingFileContext : JsonSerializerContext;

/// <summary>
/// The lighting state on disk, next to the buffer file: lighting.json (the applied set, TALQ JSON) and lighting-overrides.json.
/// Each is written atomically (a temporary file flushed to disk, then renamed over the old one), so a power cut leaves the old
/// or the new content, never half of one. A file that cannot be read back is moved aside as NAME.damaged-UTC and reported;
/// the edge runs on without it (central pushes the set again when the Birth shows no version).
/// </summary>
internal sealed class LightingStore(string directory, TimeProvider realTime)
{
    public const string SetFileName = "lighting.json";
    public const string OverridesFileName = "lighting-overrides.json";

    public string SetPath { get; } = Path.Combine(directory, SetFileName);

    public string OverridesPath { get; } = Path.Combine(directory, OverridesFileName);

    /// <summary>The store of the buffer at <paramref name="bufferPath"/>: the same directory.</summary>
    public static LightingStore Beside(string bufferPath, TimeProvider realTime) =>
        new(Path.GetDirectoryName(Path.GetFullPath(bufferPath)) ?? ".", realTime);

    /// <summary>The stored set, or null (none stored, or damaged: then <paramref name="problem"/> says where it went).</summary>
    public LightingSet? LoadSet(out string? problem)
    {
        problem = null;
        if (!File.Exists(SetPath))
        {
            return null;
        }

        string? why;
        try
        {
            if (TalqJson.TryParseSet(File.ReadAllText(SetPath), out var set, out var errors) && set is not null)
            {
                return set;
            }

            why = string.Join("; ", errors.Take(3));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            why = ex.Message;
        }

        problem = MoveAside(SetPath, why);
        return null;
    }

    /// <summary>The stored overrides (possibly ended already: the caller drops those), or none when damaged (see <paramref name="problem"/>).</summary>
    public List<StoredOverride> LoadOverrides(out string? problem)
    {
        problem = null;
        if (!File.Exists(OverridesPath))
        {
            return [];
        }

        string why;
        try
        {
            var list = JsonSerializer.Deserialize(File.ReadAllText(OverridesPath), LightingFileContext.Default.ListStoredOverride);
            if (list is not null && list.All(o => o is not null && !string.IsNullOrEmpty(o.Line) && double.IsFinite(o.LevelPercent)))
            {
                return list;
            }

            why = "not a list of overrides";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            why = ex.Message;
        }

        problem = MoveAside(OverridesPath, why);
        return [];
    }

    public void SaveSet(LightingSet set) => WriteAtomically(SetPath, TalqJson.Serialize(set));

    public void SaveOverrides(IReadOnlyList<StoredOverride> overrides) =>
        WriteAtomically(OverridesPath, JsonSerializer.Serialize(overrides.ToList(), LightingFileContext.Default.ListStoredOverride));

    private static void WriteAtomically(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path) ?? ".");
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(content);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private string MoveAside(string path, string? why)
    {
        var aside = $"{path}.damaged-{realTime.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        File.Move(path, aside, overwrite: true);
        return $"lighting-file-damaged: {Path.GetFileName(path)} could not be read ({why}); moved aside as {Path.GetFileName(aside)}";
    }
}
