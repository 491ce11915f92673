using System.Buffers.Binary;
using System.Text;

namespace City.Protocols.Ntcip1211;

/// <summary>What a bus's on-board unit says to the cabinet.</summary>
public enum ObuMessageKind : byte
{
    /// <summary>The bus approaches and asks for priority (a repeat of the same vehicle updates its times).</summary>
    CheckIn = 1,

    /// <summary>New arrival/departure estimates for the vehicle's request.</summary>
    Update = 2,

    /// <summary>The bus has passed the stop line: the request is over.</summary>
    CheckOut = 3,

    /// <summary>The bus no longer needs priority (it stops, turns off the route, is on time).</summary>
    Cancel = 4,
}

/// <summary>
/// One on-board unit datagram: the vehicle id (1-17 printable ASCII), its route (0-16 printable ASCII), the approach it comes
/// from (1-255, the cabinet's approach number), its class type and level (1-10; 0 in a check-out or cancel) and its
/// estimated arrival and departure at the stop line, seconds from now.
/// </summary>
public sealed record ObuMessage(ObuMessageKind Kind, string VehicleId, string Route, byte Approach, byte ClassType, byte ClassLevel,
    ushort ArrivalSeconds, ushort DepartureSeconds);

/// <summary>Why an on-board unit datagram did not decode.</summary>
public enum ObuDecodeStatus
{
    Ok,
    Truncated,
    BadMagic,
    UnsupportedVersion,
    UnknownKind,
    OutOfRange,
    InvalidText,
    TrailingData,
}

/// <summary>
/// The cabinet's datagram format for on-board units (our own, documented in protocols/Ntcip1211/README.md): magic 'B',
/// version 1, kind, class type, class level, approach, arrival (u16 BE), departure (u16 BE), vehicle id length and bytes,
/// route length and bytes. 12 to 45 bytes. Pure span functions.
/// </summary>
public static class ObuDatagram
{
    public const byte Magic = (byte)'B';
    public const byte Version = 1;
    public const int HeaderLength = 10;
    public const int MaxRouteLength = 16;
    public const int MinLength = HeaderLength + 1 + 1 + 1;
    public const int MaxLength = HeaderLength + 1 + PriorityRequestCodec.VehicleIdLength + 1 + MaxRouteLength;

    /// <summary>Why <paramref name="message"/> cannot be sent; null when it can.</summary>
    public static string? Check(ObuMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Kind is < ObuMessageKind.CheckIn or > ObuMessageKind.Cancel)
        {
            return "unknown kind";
        }

        if (!PriorityRequestCodec.IsValidVehicleId(message.VehicleId))
        {
            return "vehicle id must be 1-17 printable ASCII characters";
        }

        if (message.Route.Length > MaxRouteLength || !message.Route.All(c => c is >= '!' and <= '~'))
        {
            return "route must be 0-16 printable ASCII characters";
        }

        if (IsRequest(message.Kind))
        {
            if (message.Approach == 0 || message.ClassType is 0 or > PriorityRequestCodec.MaxClass || message.ClassLevel is 0 or > PriorityRequestCodec.MaxClass)
            {
                return "a check-in or update needs an approach 1-255 and a class type and level 1-10";
            }

            if (message.DepartureSeconds < message.ArrivalSeconds)
            {
                return "departure must not be before arrival";
            }
        }

        return null;
    }

    public static bool IsRequest(ObuMessageKind kind) => kind is ObuMessageKind.CheckIn or ObuMessageKind.Update;

    public static byte[] Encode(ObuMessage message)
    {
        if (Check(message) is { } problem)
        {
            throw new ArgumentException(problem, nameof(message));
        }

        var bytes = new byte[HeaderLength + 1 + message.VehicleId.Length + 1 + message.Route.Length];
        bytes[0] = Magic;
        bytes[1] = Version;
        bytes[2] = (byte)message.Kind;
        bytes[3] = message.ClassType;
        bytes[4] = message.ClassLevel;
        bytes[5] = message.Approach;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), message.ArrivalSeconds);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(8), message.DepartureSeconds);
        var at = HeaderLength;
        bytes[at++] = (byte)message.VehicleId.Length;
        at += Encoding.ASCII.GetBytes(message.VehicleId, bytes.AsSpan(at));
        bytes[at++] = (byte)message.Route.Length;
        Encoding.ASCII.GetBytes(message.Route, bytes.AsSpan(at));
        return bytes;
    }

    public static ObuDecodeStatus TryDecode(ReadOnlySpan<byte> bytes, out ObuMessage? message)
    {
        message = null;
        if (bytes.Length < MinLength)
        {
            return ObuDecodeStatus.Truncated;
        }

        if (bytes[0] != Magic)
        {
            return ObuDecodeStatus.BadMagic;
        }

        if (bytes[1] != Version)
        {
            return ObuDecodeStatus.UnsupportedVersion;
        }

        var kind = (ObuMessageKind)bytes[2];
        if (kind is < ObuMessageKind.CheckIn or > ObuMessageKind.Cancel)
        {
            return ObuDecodeStatus.UnknownKind;
        }

        var rest = bytes[HeaderLength..];
        if (!TryReadText(ref rest, 1, PriorityRequestCodec.VehicleIdLength, out var vehicleId, out var status)
            || !TryReadText(ref rest, 0, MaxRouteLength, out var route, out status))
        {
            return status;
        }

        if (!rest.IsEmpty)
        {
            return ObuDecodeStatus.TrailingData;
        }

        var decoded = new ObuMessage(kind, vehicleId!, route!, bytes[5], bytes[3], bytes[4],
            BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[8..]));
        if (Check(decoded) is not null)
        {
            return ObuDecodeStatus.OutOfRange;
        }

        message = decoded;
        return ObuDecodeStatus.Ok;
    }

    private static bool TryReadText(ref ReadOnlySpan<byte> rest, int min, int max, out string? text, out ObuDecodeStatus status)
    {
        text = null;
        if (rest.IsEmpty)
        {
            status = ObuDecodeStatus.Truncated;
            return false;
        }

        int length = rest[0];
        if (length < min || length > max)
        {
            status = ObuDecodeStatus.OutOfRange;
            return false;
        }

        if (rest.Length < 1 + length)
        {
            status = ObuDecodeStatus.Truncated;
            return false;
        }

        var value = rest.Slice(1, length);
        foreach (var b in value)
        {
            if (b is < (byte)'!' or > (byte)'~')
            {
                status = ObuDecodeStatus.InvalidText;
                return false;
            }
        }

        text = Encoding.ASCII.GetString(value);
        rest = rest[(1 + length)..];
        status = ObuDecodeStatus.Ok;
        return true;
    }
}
