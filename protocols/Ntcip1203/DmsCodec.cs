using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace City.Protocols.Ntcip1203;

/// <summary>
/// MessageActivationCode (the 12-octet value of dmsActivateMessage): duration in minutes (2 octets, 65535 = until replaced),
/// activation priority (1), memory type (1), message number (2), message CRC (2) and the requester's IPv4 address (4), all
/// big-endian as NTCIP 1203's OER encoding of the structure gives them.
/// </summary>
public sealed record MessageActivationCode(int DurationMinutes, int Priority, MessageMemoryType Memory, int MessageNumber, ushort Crc, IPAddress Source)
{
    public const int Length = 12;

    /// <summary>dmsActivateMessage duration meaning "until another message replaces it".</summary>
    public const int Indefinite = 0xFFFF;

    /// <summary>The blank message: memory type blank, message number 1, CRC 0 (NTCIP 1203: blank messages have no CRC).</summary>
    public static MessageActivationCode Blank(int priority, IPAddress source) => new(Indefinite, priority, MessageMemoryType.Blank, 1, 0, source);

    public byte[] Encode()
    {
        var bytes = new byte[Length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)DurationMinutes);
        bytes[2] = (byte)Priority;
        bytes[3] = (byte)Memory;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), (ushort)MessageNumber);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), Crc);
        var address = (Source ?? IPAddress.Any).MapToIPv4().GetAddressBytes();
        address.CopyTo(bytes, 8);
        return bytes;
    }

    /// <summary>Decodes the 12 octets; false when the length is wrong or the memory type unknown.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out MessageActivationCode? code)
    {
        code = null;
        if (bytes.Length != Length || bytes[3] is < 1 or > 7)
        {
            return false;
        }

        code = new MessageActivationCode(BinaryPrimitives.ReadUInt16BigEndian(bytes), bytes[2], (MessageMemoryType)bytes[3],
            BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]), new IPAddress(bytes[8..12]));
        return true;
    }
}

/// <summary>MessageIDCode (5 octets: memory type, message number, CRC), the value of dmsMsgTableSource: what the sign shows.</summary>
public sealed record MessageIdCode(MessageMemoryType Memory, int MessageNumber, ushort Crc)
{
    public const int Length = 5;

    public byte[] Encode()
    {
        var bytes = new byte[Length];
        bytes[0] = (byte)Memory;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(1), (ushort)MessageNumber);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(3), Crc);
        return bytes;
    }

    public static bool TryDecode(ReadOnlySpan<byte> bytes, out MessageIdCode? code)
    {
        code = null;
        if (bytes.Length != Length || bytes[0] is < 1 or > 7)
        {
            return false;
        }

        code = new MessageIdCode((MessageMemoryType)bytes[0], BinaryPrimitives.ReadUInt16BigEndian(bytes[1..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[3..]));
        return true;
    }
}

/// <summary>dmsMessageCRC: CRC-16 over the MULTI string's octets, then the beacon and pixel-service octets.</summary>
public static class MessageCrc
{
    /// <summary>The CRC of a message row (NTCIP 1203 dmsMessageCRC; the ISO/IEC 3309 CRC-16 with its X.25 parameters).</summary>
    public static ushort Of(string multi, int beacon, int pixelService)
    {
        ArgumentNullException.ThrowIfNull(multi);
        var bytes = new byte[Encoding.ASCII.GetByteCount(multi) + 2];
        int n = Encoding.ASCII.GetBytes(multi, bytes);
        bytes[n] = (byte)beacon;
        bytes[n + 1] = (byte)pixelService;
        return Crc16X25(bytes);
    }

    /// <summary>CRC-16/X-25: polynomial 0x1021 reflected (0x8408), initial 0xFFFF, final XOR 0xFFFF ("123456789" gives 0x906E).</summary>
    public static ushort Crc16X25(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (ushort)((crc >> 1) ^ 0x8408) : (ushort)(crc >> 1);
            }
        }

        return (ushort)~crc;
    }
}

/// <summary>A sign's health as its status objects give it.</summary>
/// <param name="Errors">shortErrorStatus.</param>
/// <param name="PixelFailures">pixelFailureTableNumRows: pixels found failed.</param>
/// <param name="LampsStuckOff">lampFailureStuckOff: lamps (LED strings) that do not light, one bit each.</param>
/// <param name="LampsStuckOn">lampFailureStuckOn: lamps that do not turn off.</param>
/// <param name="DoorsOpen">dmsStatDoorOpen: one bit per door.</param>
/// <param name="ControllerErrors">controllerErrorStatus bits.</param>
public sealed record SignStatus(ShortErrorStatus Errors, int PixelFailures, int LampsStuckOff, int LampsStuckOn, int DoorsOpen, int ControllerErrors)
{
    public bool DoorOpen => DoorsOpen != 0 || Errors.HasFlag(ShortErrorStatus.DoorOpen);

    public int LampFailures => LampsStuckOff + LampsStuckOn;

    /// <summary>The number of set bits of a bitmap OCTET STRING (lampFailureStuckOn/Off).</summary>
    public static int CountBits(ReadOnlySpan<byte> bitmap)
    {
        int count = 0;
        foreach (byte b in bitmap)
        {
            count += System.Numerics.BitOperations.PopCount(b);
        }

        return count;
    }

    /// <summary>The faults in words ("pixel x3, lamp x1, door open"), "ok" when none.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (PixelFailures > 0 || Errors.HasFlag(ShortErrorStatus.Pixel))
        {
            parts.Add($"pixel x{PixelFailures}");
        }

        if (LampFailures > 0 || Errors.HasFlag(ShortErrorStatus.Lamp))
        {
            parts.Add($"lamp x{LampFailures}");
        }

        if (DoorOpen)
        {
            parts.Add("door open");
        }

        if (ControllerErrors != 0 || Errors.HasFlag(ShortErrorStatus.Controller))
        {
            parts.Add("controller");
        }

        foreach (var flag in new[] { ShortErrorStatus.Power, ShortErrorStatus.Communications, ShortErrorStatus.Message, ShortErrorStatus.CriticalTemperature, ShortErrorStatus.Photocell })
        {
            if (Errors.HasFlag(flag))
            {
                parts.Add(flag.ToString().ToLowerInvariant());
            }
        }

        return parts.Count == 0 ? "ok" : string.Join(", ", parts);
    }
}
