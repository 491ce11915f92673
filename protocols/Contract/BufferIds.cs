using System.Security.Cryptography;

namespace City.Contract;

/// <summary>
/// The identity of an edge's buffer: a random 128-bit id, written as 32 lowercase hex digits, created with the
/// buffer file. Seq and epoch count within one buffer id; central deduplicates per (gateway, buffer id).
/// </summary>
public static class BufferIds
{
    public const int MaxLength = 64;

    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>1-64 characters of A-Z a-z 0-9 . _ - (the same alphabet as gateway ids). Empty is not an id: it marks a legacy batch.</summary>
    public static bool IsValid(string? bufferId) => GatewayIds.IsValid(bufferId);
}
