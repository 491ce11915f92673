using System.Security.Cryptography;

namespace City.Edge.Configuration;

/// <summary>
/// Central's command-signing public key, pinned by the edge (Edge:Commands:SigningKeyFile, by default command-signing.pub
/// beside Edge:Central:Tls:CaFile). Required with TLS; on a plain connection (AllowPlain) without a key file, every command
/// is refused (reason signature) and the start says so.
/// </summary>
internal static class CommandSigningKey
{
    private const string Key = "Edge:Commands:SigningKeyFile";

    /// <summary>Reads a PEM SubjectPublicKeyInfo holding an ECDSA P-256 key; throws <see cref="InvalidDataException"/> naming the file.</summary>
    public static ECDsa Load(string path)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"cannot read {path}: {ex.Message}", ex);
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (key.KeySize != 256)
            {
                throw new InvalidDataException($"{path} holds a {key.KeySize}-bit EC key; central signs with P-256");
            }

            return key;
        }
        catch (ArgumentException ex)
        {
            key.Dispose();
            throw new InvalidDataException($"{path} is not a PEM public key of ECDSA P-256 ({ex.Message})", ex);
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new InvalidDataException($"{path} is not a PEM public key of ECDSA P-256 ({ex.Message})", ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Start checks: the key file must load when TLS is configured or when it is set explicitly.</summary>
    public static void Check(EdgeOptions options, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(errors);
        var commands = options.Commands ?? new CommandOptions();
        ConfigChecks.Range(errors, "Edge:Commands:ClockSkewSeconds", commands.ClockSkewSeconds, 0, 3600);
        var tls = options.Central?.Tls;
        var path = commands.ResolveKeyFile(tls);
        var required = tls?.IsConfigured == true || !string.IsNullOrWhiteSpace(commands.SigningKeyFile);
        if (path is null)
        {
            if (tls?.IsConfigured == true)
            {
                errors.Add($"{Key}: not set, and Edge:Central:Tls:CaFile is not set either (the default key file is {CommandOptions.KeyFileName} beside it)");
            }

            return;
        }

        // A missing CA file is reported under its own key: its directory holds no key either.
        var explicitFile = !string.IsNullOrWhiteSpace(commands.SigningKeyFile);
        if (!required || (!explicitFile && !File.Exists(tls?.CaFile)))
        {
            return;
        }

        if (!File.Exists(path))
        {
            errors.Add($"{Key}: central's command-signing key {Path.GetFullPath(path)} does not exist (it comes with the gateway's files from "
                + "'central pki issue-gateway'); without it the edge cannot check a command's signature");
            return;
        }

        try
        {
            using var _ = Load(path);
        }
        catch (InvalidDataException ex)
        {
            errors.Add($"{Key}: {ex.Message}");
        }
    }
}
