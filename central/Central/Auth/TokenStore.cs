using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace City.Central.Auth;

/// <summary>What a token may do; each role includes the ones below it.</summary>
internal enum ApiRole
{
    Viewer = 1,
    Operator = 2,
    Admin = 3,
}

/// <summary>A token as stored: never the token itself, only its SHA-256.</summary>
internal sealed record TokenRecord(string Name, ApiRole Role, DateTimeOffset Created);

/// <summary>The store refused a change (a name taken, a name not valid); the message says which.</summary>
internal sealed class TokenStoreException(string message) : Exception(message);

/// <summary>
/// The API's bearer tokens in <c>{DataPath}/tokens.json</c> (mode 0600): name, role, the SHA-256 of the token, created.
/// The CLI writes the file (a new file renamed over the old one, with a strictly newer modification time); a running
/// central re-reads it whenever its modification time or length changed, so a revoked token stops working at the next
/// request. A file that cannot be read or parsed authenticates nobody.
/// </summary>
internal sealed class TokenStore
{
    public const string FileName = "tokens.json";

    /// <summary>Every token starts with this, so a leaked one is recognisable (secret scanners, logs).</summary>
    public const string Prefix = "cityapi_";

    private const int TokenBytes = 32;
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private (DateTime Modified, long Length) _loadedStamp;
    private IReadOnlyList<StoredToken> _loaded = [];

    public TokenStore(string dataPath, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataPath);
        FilePath = Path.Combine(Path.GetFullPath(dataPath), FileName);
        _time = time;
    }

    public string FilePath { get; }

    /// <summary>The problem of the last read of the file (unreadable, not valid), or null; nobody authenticates meanwhile.</summary>
    public string? Problem { get; private set; }

    /// <summary>1-64 of A-Z a-z 0-9 . _ - @ (it appears in logs).</summary>
    public static bool IsValidName(string name) =>
        name.Length is >= 1 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@');

    public static bool TryParseRole(string text, out ApiRole role)
    {
        role = text switch
        {
            "viewer" => ApiRole.Viewer,
            "operator" => ApiRole.Operator,
            "admin" => ApiRole.Admin,
            _ => 0,
        };
        return role != 0;
    }

    public static string RoleName(ApiRole role) => role.ToString().ToLowerInvariant();

    /// <summary>Creates a token and returns it: the only time it exists outside its holder. A name in use is refused.</summary>
    public string Create(string name, ApiRole role)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidName(name))
        {
            throw new TokenStoreException($"'{name}' is not a valid token name (1-64 of A-Z a-z 0-9 . _ - @).");
        }

        if (!Enum.IsDefined(role))
        {
            throw new TokenStoreException($"{(int)role} is not a role (viewer, operator, admin).");
        }

        var token = Prefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(TokenBytes));
        lock (_gate)
        {
            var tokens = ReadForChange();
            if (tokens.Any(t => string.Equals(t.Name, name, StringComparison.Ordinal)))
            {
                throw new TokenStoreException($"a token named '{name}' exists; revoke it first (central token revoke {name}).");
            }

            tokens.Add(new StoredToken(name, role, Convert.ToHexStringLower(Hash(token)), _time.GetUtcNow()));
            Write(tokens);
        }

        return token;
    }

    /// <summary>Removes the token of that name; false when there is none.</summary>
    public bool Revoke(string name)
    {
        lock (_gate)
        {
            var tokens = ReadForChange();
            if (tokens.RemoveAll(t => string.Equals(t.Name, name, StringComparison.Ordinal)) == 0)
            {
                return false;
            }

            Write(tokens);
            return true;
        }
    }

    public IReadOnlyList<TokenRecord> List()
    {
        lock (_gate)
        {
            return [.. ReadForChange().Select(t => t.ToRecord())];
        }
    }

    /// <summary>How many tokens authenticate now (0 also when the file cannot be read: see <see cref="Problem"/>).</summary>
    public int ActiveCount => Current().Count;

    /// <summary>The token's record, or null when it is not (or no longer) in the file. Hashes are compared in constant time.</summary>
    public TokenRecord? Authenticate(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), presented);
        Span<byte> stored = stackalloc byte[SHA256.HashSizeInBytes];
        TokenRecord? found = null;
        foreach (var candidate in Current())
        {
            if (Convert.FromHexString(candidate.Sha256, stored, out _, out var written) == OperationStatus.Done
                && written == stored.Length
                && CryptographicOperations.FixedTimeEquals(presented, stored))
            {
                found = candidate.ToRecord();
            }
        }

        return found;
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The tokens as the file holds them now, re-read when its stamp changed.</summary>
    private IReadOnlyList<StoredToken> Current()
    {
        lock (_gate)
        {
            var stamp = Stamp();
            if (stamp == _loadedStamp)
            {
                return _loaded;
            }

            try
            {
                _loaded = stamp.Length < 0 ? [] : Parse(File.ReadAllBytes(FilePath));
                Problem = null;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or JsonException or TokenStoreException)
            {
                _loaded = [];
                Problem = $"{FilePath}: {exception.Message}";
            }

            _loadedStamp = stamp;
            return _loaded;
        }
    }

    /// <summary>Modification time and length; length -1 when there is no file.</summary>
    private (DateTime Modified, long Length) Stamp()
    {
        var info = new FileInfo(FilePath);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
    }

    /// <summary>The file's tokens for a change: a file that does not parse is an error, not an empty list to overwrite.</summary>
    private List<StoredToken> ReadForChange()
    {
        if (!File.Exists(FilePath))
        {
            return [];
        }

        try
        {
            return [.. Parse(File.ReadAllBytes(FilePath))];
        }
        catch (JsonException exception)
        {
            throw new TokenStoreException($"{FilePath} is not a valid token file ({exception.Message}); fix or remove it.");
        }
    }

    private static List<StoredToken> Parse(byte[] bytes)
    {
        var file = JsonSerializer.Deserialize<TokenFile>(bytes, Json) ?? throw new TokenStoreException("the file is empty.");
        var tokens = file.Tokens ?? [];
        if (tokens.Any(t => t is null || t.Name is null || t.Sha256 is null || !Enum.IsDefined(t.Role)))
        {
            throw new TokenStoreException("an entry lacks its name, role or sha256.");
        }

        return tokens;
    }

    /// <summary>
    /// Writes a new file (mode 0600 from its creation) and renames it over the old one, so a reader sees the old file or
    /// the new one, never a part. Its modification time is made later than the old file's, so a reader that checks the
    /// time sees the change even within the file system's clock resolution.
    /// </summary>
    private void Write(List<StoredToken> tokens)
    {
        var directory = Path.GetDirectoryName(FilePath)!;
        Directory.CreateDirectory(directory);
        var previous = File.Exists(FilePath) ? File.GetLastWriteTimeUtc(FilePath) : DateTime.MinValue;
        var temporary = Path.Combine(directory, $".{FileName}.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, new TokenFile(1, tokens), Json);
            stream.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            // A file left over by an interrupted run keeps its mode through FileMode.Create: set it again.
            File.SetUnixFileMode(temporary, OwnerOnly);
        }

        var written = File.GetLastWriteTimeUtc(temporary);
        if (written <= previous)
        {
            File.SetLastWriteTimeUtc(temporary, previous.AddMilliseconds(1));
        }

        File.Move(temporary, FilePath, overwrite: true);
    }

    private sealed record TokenFile(int Version, List<StoredToken>? Tokens);

    private sealed record StoredToken(string Name, ApiRole Role, string Sha256, DateTimeOffset Created)
    {
        public TokenRecord ToRecord() => new(Name, Role, Created);
    }
}
