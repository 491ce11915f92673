using System.Security.Cryptography;
using System.Text;

namespace City.Contract;

/// <summary>The version of an edge configuration document (<c>EdgeConfigAction.version</c>, <c>Birth.config_version</c>).</summary>
public static class EdgeConfigVersion
{
    /// <summary>Documents larger than this are refused on both sides (the signed command body is at most 64 KiB).</summary>
    public const int MaxJsonBytes = 60 * 1024;

    /// <summary>16 lowercase hex digits of SHA-256 over the document's UTF-8 bytes: the same text has the same version everywhere.</summary>
    public static string Of(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(json));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }
}
