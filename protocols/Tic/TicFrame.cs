namespace City.Protocols.Tic;

/// <summary>
/// One frame (STX ... ETX) as received: its good groups in order, the groups dropped (a bad checksum, malformed), and
/// whether the meter interrupted it with EOT (or a new STX came before its ETX): the groups before the cut are still
/// good, each carries its own checksum.
/// </summary>
public sealed record TicFrame(TicMode Mode, IReadOnlyList<TicGroup> Groups, int BadChecksums, int MalformedGroups, bool Interrupted)
{
    /// <summary>Groups dropped for any reason.</summary>
    public int BadGroups => BadChecksums + MalformedGroups;

    /// <summary>The first group with this label, or null.</summary>
    public TicGroup? Find(string label) => Groups.FirstOrDefault(g => string.Equals(g.Label, label, StringComparison.Ordinal));
}

/// <summary>Writes whole frames: STX, the groups, ETX (7-bit characters).</summary>
public static class TicFrameEncoder
{
    public static byte[] Encode(IEnumerable<TicGroup> groups, TicMode mode)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var list = groups.ToList();
        var frame = new byte[2 + list.Sum(g => TicGroupCodec.EncodedLength(g, mode))];
        frame[0] = TicChars.STX;
        int at = 1;
        foreach (TicGroup group in list)
        {
            at += TicGroupCodec.Encode(group, mode, frame.AsSpan(at));
        }

        frame[at] = TicChars.ETX;
        return frame;
    }
}
