using System.Text;

namespace City.Protocols.Tic;

/// <summary>
/// One information group: its label (ADCO, PAPP, EAST, SMAXSN...), its data as sent (fixed width, leading zeros, padding
/// spaces kept), and in standard mode the date some groups carry.
/// </summary>
public sealed record TicGroup(string Label, string Value, TicTimestamp? Timestamp = null)
{
    /// <summary>The data without its padding spaces.</summary>
    public string TrimmedValue => Value.Trim(' ');

    public override string ToString() => Timestamp is { } timestamp ? $"{Label} {timestamp} {Value}" : $"{Label} {Value}";
}

/// <summary>Why a group was dropped.</summary>
public enum TicGroupError
{
    None,

    /// <summary>The checksum character does not match the group.</summary>
    BadChecksum,

    /// <summary>No separator before the checksum, no label, a bad date, a character that is not printable, too long.</summary>
    Malformed,
}

/// <summary>
/// One information group, from the characters between LF and CR (the body). Historic: <c>LABEL SP DATA SP C</c>.
/// Standard: <c>LABEL HT DATA HT C</c> or <c>LABEL HT DATE HT DATA HT C</c>. Pure functions over spans.
/// </summary>
public static class TicGroupCodec
{
    /// <summary>The longest body accepted (PJOURF+1, the longest group, is about 110 characters).</summary>
    public const int MaxBodyLength = 200;

    /// <summary>Labels are at most 8 characters in historic mode and 9 (SMAXSN1-1) in standard mode; a little slack.</summary>
    public const int MaxLabelLength = 12;

    /// <summary>The mode a body is written in: standard as soon as it holds an HT, historic otherwise.</summary>
    public static TicMode DetectMode(ReadOnlySpan<byte> body) => body.Contains(TicChars.HT) ? TicMode.Standard : TicMode.Historic;

    /// <summary>
    /// Decodes a body (each byte taken on 7 bits) in <paramref name="mode"/>, or in the mode its separator shows when null.
    /// Never throws; a group that cannot be read gives its <see cref="TicGroupError"/>.
    /// </summary>
    public static TicGroupError TryDecode(ReadOnlySpan<byte> body, TicMode? mode, out TicGroup? group, out TicMode groupMode)
    {
        group = null;
        groupMode = mode ?? TicMode.Historic;
        if (body.Length < 4 || body.Length > MaxBodyLength)
        {
            return TicGroupError.Malformed;
        }

        Span<byte> clean = stackalloc byte[body.Length];
        for (int i = 0; i < body.Length; i++)
        {
            clean[i] = (byte)(body[i] & TicChars.DataMask);
            if (clean[i] < 0x20 && clean[i] != TicChars.HT)
            {
                return TicGroupError.Malformed;
            }
        }

        groupMode = mode ?? DetectMode(clean);
        byte separator = groupMode.Separator();
        if (clean[^2] != separator)
        {
            return TicGroupError.Malformed;
        }

        ReadOnlySpan<byte> fields = clean[..^2];
        int firstSeparator = fields.IndexOf(separator);
        if (firstSeparator is <= 0 or > MaxLabelLength)
        {
            return TicGroupError.Malformed;
        }

        ReadOnlySpan<byte> label = fields[..firstSeparator];
        foreach (byte b in label)
        {
            if (!(char.IsAsciiLetterUpper((char)b) || char.IsAsciiDigit((char)b) || b is (byte)'+' or (byte)'-' or (byte)'_'))
            {
                return TicGroupError.Malformed;
            }
        }

        ReadOnlySpan<byte> rest = fields[(firstSeparator + 1)..];
        TicTimestamp? timestamp = null;
        if (groupMode == TicMode.Standard)
        {
            int secondSeparator = rest.IndexOf(TicChars.HT);
            if (secondSeparator >= 0)
            {
                if (!TicTimestamp.TryParse(rest[..secondSeparator], out TicTimestamp parsed))
                {
                    return TicGroupError.Malformed;
                }

                timestamp = parsed;
                rest = rest[(secondSeparator + 1)..];
                if (rest.Contains(TicChars.HT))
                {
                    return TicGroupError.Malformed;
                }
            }
        }
        else if (rest.Contains(TicChars.HT))
        {
            return TicGroupError.Malformed;
        }

        if (TicChecksum.ForBody(clean[..^1], groupMode) != clean[^1])
        {
            return TicGroupError.BadChecksum;
        }

        group = new TicGroup(Encoding.ASCII.GetString(label), Encoding.ASCII.GetString(rest), timestamp);
        return TicGroupError.None;
    }

    /// <summary>The length of the whole group on the wire, LF through CR.</summary>
    public static int EncodedLength(TicGroup group, TicMode mode)
    {
        ArgumentNullException.ThrowIfNull(group);
        return 1 + group.Label.Length + 1 + (mode == TicMode.Standard && group.Timestamp is not null ? TicTimestamp.Length + 1 : 0) + group.Value.Length + 3;
    }

    /// <summary>
    /// Writes LF, the group with its checksum, and CR (7-bit characters, no parity bit). Returns the bytes written. A
    /// date is written in standard mode only (historic groups carry none).
    /// </summary>
    public static int Encode(TicGroup group, TicMode mode, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(group);
        int length = EncodedLength(group, mode);
        if (destination.Length < length)
        {
            throw new ArgumentException($"The group needs {length} bytes.", nameof(destination));
        }

        byte separator = mode.Separator();
        int at = 0;
        destination[at++] = TicChars.LF;
        at += Encoding.ASCII.GetBytes(group.Label, destination[at..]);
        destination[at++] = separator;
        if (mode == TicMode.Standard && group.Timestamp is { } timestamp)
        {
            timestamp.Write(destination[at..]);
            at += TicTimestamp.Length;
            destination[at++] = separator;
        }

        at += Encoding.ASCII.GetBytes(group.Value, destination[at..]);
        destination[at++] = separator;
        destination[at] = TicChecksum.ForBody(destination[1..at], mode);
        at++;
        destination[at++] = TicChars.CR;
        return at;
    }
}
