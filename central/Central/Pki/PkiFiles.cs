using System.Text.Json;

namespace City.Central.Pki;

/// <summary>Writes of the PKI's files: whole files replaced atomically (a reader never sees half a key), keys 0600.</summary>
internal static class PkiFiles
{
    private const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    /// <summary>
    /// Writes a key file (0600). <paramref name="durable"/>: synced to disk before it replaces the old file; the PKI's
    /// own files are, the copies handed out (a thousand gateways' keys) are not: lost in a crash, they are issued again.
    /// </summary>
    public static void WriteSecret(string path, string text, bool durable = true) => Write(path, text, SecretMode, durable);

    public static void WritePublic(string path, string text, bool durable = true) => Write(path, text, PublicMode, durable);

    public static void CreateDirectory(string path, bool secret)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, secret ? SecretMode | UnixFileMode.UserExecute : PublicMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
    }

    /// <summary>
    /// Holds <c>{directory}/.lock</c> exclusively (an advisory lock between processes, and between threads), so a CLI
    /// command and a starting central never interleave their read-modify-writes of issued.json and crl.pem.
    /// </summary>
    /// <exception cref="PkiException">The lock stayed taken for <paramref name="patience"/>.</exception>
    public static FileStream Lock(string directory, TimeSpan patience, TimeProvider time)
    {
        var path = Path.Combine(directory, ".lock");
        var deadline = time.GetUtcNow() + patience;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (time.GetUtcNow() < deadline && File.Exists(path))
            {
                // Taken: another command or thread is writing the PKI; it holds the lock for milliseconds.
                Thread.Sleep(20);
            }
            catch (IOException exception) when (File.Exists(path))
            {
                throw new PkiException($"{path} stayed locked for {patience.TotalSeconds:0} s: another `central pki` command or central is writing the PKI.", exception);
            }
        }
    }

    public static List<IssuedCertificate> ReadIssued(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<List<IssuedCertificate>>(File.ReadAllBytes(path), Json) ?? [];
        }
        catch (JsonException exception)
        {
            throw new PkiException($"{path} is not a valid list of issued certificates: {exception.Message}", exception);
        }
    }

    public static void WriteIssued(string path, IReadOnlyList<IssuedCertificate> issued) =>
        WritePublic(path, JsonSerializer.Serialize(issued, Json) + "\n");

    private static void Write(string path, string text, UnixFileMode mode, bool durable)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(text);
                writer.Flush();
                stream.Flush(flushToDisk: durable);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
