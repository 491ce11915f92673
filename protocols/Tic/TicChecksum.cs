namespace City.Protocols.Tic;

/// <summary>
/// The checksum of an information group (Enedis-NOI-CPT_54E): the sum of the covered characters, its 6 low bits, plus
/// 0x20, so it is always a printable character from SP to '_'. What is covered depends on the mode: in historic mode
/// (method 1) the label, the separator and the data, not the separator before the checksum; in standard mode (method 2)
/// everything from the label through the separator before the checksum.
/// </summary>
public static class TicChecksum
{
    /// <summary>The checksum character of the covered characters (each taken on 7 bits).</summary>
    public static byte Compute(ReadOnlySpan<byte> covered)
    {
        int sum = 0;
        foreach (byte b in covered)
        {
            sum += b & TicChars.DataMask;
        }

        return (byte)((sum & 0x3F) + 0x20);
    }

    /// <summary>
    /// The checksum of a group body (the characters between LF and CR, without the checksum itself: label through the last
    /// separator) in <paramref name="mode"/>'s method.
    /// </summary>
    public static byte ForBody(ReadOnlySpan<byte> bodyWithoutChecksum, TicMode mode) =>
        Compute(mode == TicMode.Standard ? bodyWithoutChecksum : bodyWithoutChecksum[..^1]);
}
