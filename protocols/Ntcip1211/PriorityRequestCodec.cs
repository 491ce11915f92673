using System.Buffers.Binary;
using System.Text;

namespace City.Protocols.Ntcip1211;

/// <summary>
/// What identifies a request at the PRS (the first 21 bytes of every PRG message): priorityRequestID (1-255),
/// priorityRequestVehicleID (17 octets), priorityRequestVehicleClassType (1-10, 1 the most important),
/// priorityRequestVehicleClassLevel (1-10) and priorityRequestServiceStrategyNumber (1-255).
/// </summary>
public sealed record PriorityRequestKey(byte RequestId, string VehicleId, byte ClassType, byte ClassLevel, byte Strategy);

/// <summary>
/// prgPriorityRequest / prgPriorityUpdate: the key, then priorityRequestTimeOfServiceDesired and
/// priorityRequestTimeOfEstimatedDeparture, seconds from now (0-65535).
/// </summary>
public sealed record PriorityRequestMessage(PriorityRequestKey Key, ushort TimeOfServiceDesired, ushort TimeOfEstimatedDeparture);

/// <summary>prgPriorityStatusBuffer: the key and priorityRequestStatusInPRS.</summary>
public sealed record PriorityStatusMessage(PriorityRequestKey Key, PriorityRequestStatus Status);

/// <summary>Why a PRG message did not decode.</summary>
public enum PriorityDecodeStatus
{
    Ok,

    /// <summary>Not the message's length.</summary>
    WrongLength,

    /// <summary>A request id of 0, a class or level outside 1-10, a strategy of 0, or a status outside 1-15.</summary>
    OutOfRange,

    /// <summary>The vehicle id is empty or holds bytes outside printable ASCII.</summary>
    InvalidVehicleId,
}

/// <summary>
/// The OER forms of the PRG messages (NTCIP 1211 v02, PRS-MIB1 5.1.2): fixed-size fields, integers big-endian, the vehicle
/// id as 17 octets. Pure span functions; no allocation but the decoded records.
/// </summary>
public static class PriorityRequestCodec
{
    public const int VehicleIdLength = 17;

    /// <summary>prgPriorityStatusControl, prgPriorityCancel, prgPriorityClear.</summary>
    public const int KeyLength = 1 + VehicleIdLength + 3;

    /// <summary>prgPriorityRequest, prgPriorityUpdate.</summary>
    public const int RequestLength = KeyLength + 4;

    /// <summary>prgPriorityStatusBuffer: the key, the status and one reserved octet (sent as 0, ignored).</summary>
    public const int StatusLength = KeyLength + 2;

    public const int MaxClass = 10;

    /// <summary>Why <paramref name="key"/> cannot be encoded; null when it can.</summary>
    public static string? Check(PriorityRequestKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.RequestId == 0)
        {
            return "request id must be 1-255";
        }

        if (key.ClassType is 0 or > MaxClass || key.ClassLevel is 0 or > MaxClass)
        {
            return "vehicle class type and level must be 1-10";
        }

        if (key.Strategy == 0)
        {
            return "strategy must be 1-255";
        }

        return IsValidVehicleId(key.VehicleId) ? null : "vehicle id must be 1-17 printable ASCII characters";
    }

    public static bool IsValidVehicleId(string? vehicleId) =>
        !string.IsNullOrEmpty(vehicleId) && vehicleId.Length <= VehicleIdLength && vehicleId.All(c => c is >= '!' and <= '~');

    public static byte[] EncodeKey(PriorityRequestKey key)
    {
        var bytes = new byte[KeyLength];
        WriteKey(key, bytes);
        return bytes;
    }

    public static byte[] EncodeRequest(PriorityRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var bytes = new byte[RequestLength];
        WriteKey(request.Key, bytes);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(KeyLength), request.TimeOfServiceDesired);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(KeyLength + 2), request.TimeOfEstimatedDeparture);
        return bytes;
    }

    public static byte[] EncodeStatus(PriorityStatusMessage status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var bytes = new byte[StatusLength];
        WriteKey(status.Key, bytes);
        bytes[KeyLength] = (byte)status.Status;
        return bytes;
    }

    public static PriorityDecodeStatus TryDecodeKey(ReadOnlySpan<byte> bytes, out PriorityRequestKey? key)
    {
        key = null;
        return bytes.Length != KeyLength ? PriorityDecodeStatus.WrongLength : ReadKey(bytes, out key);
    }

    public static PriorityDecodeStatus TryDecodeRequest(ReadOnlySpan<byte> bytes, out PriorityRequestMessage? request)
    {
        request = null;
        if (bytes.Length != RequestLength)
        {
            return PriorityDecodeStatus.WrongLength;
        }

        var status = ReadKey(bytes, out var key);
        if (status == PriorityDecodeStatus.Ok)
        {
            request = new PriorityRequestMessage(key!, BinaryPrimitives.ReadUInt16BigEndian(bytes[KeyLength..]),
                BinaryPrimitives.ReadUInt16BigEndian(bytes[(KeyLength + 2)..]));
        }

        return status;
    }

    public static PriorityDecodeStatus TryDecodeStatus(ReadOnlySpan<byte> bytes, out PriorityStatusMessage? status)
    {
        status = null;
        if (bytes.Length != StatusLength)
        {
            return PriorityDecodeStatus.WrongLength;
        }

        var result = ReadKey(bytes, out var key);
        if (result != PriorityDecodeStatus.Ok)
        {
            return result;
        }

        var value = bytes[KeyLength];
        if (value is 0 or > (byte)PriorityRequestStatus.ClosedFlash)
        {
            return PriorityDecodeStatus.OutOfRange;
        }

        status = new PriorityStatusMessage(key!, (PriorityRequestStatus)value);
        return PriorityDecodeStatus.Ok;
    }

    private static void WriteKey(PriorityRequestKey key, Span<byte> destination)
    {
        if (Check(key) is { } problem)
        {
            throw new ArgumentException(problem, nameof(key));
        }

        destination[0] = key.RequestId;
        var id = destination.Slice(1, VehicleIdLength);
        id.Clear();
        Encoding.ASCII.GetBytes(key.VehicleId, id);
        destination[1 + VehicleIdLength] = key.ClassType;
        destination[2 + VehicleIdLength] = key.ClassLevel;
        destination[3 + VehicleIdLength] = key.Strategy;
    }

    private static PriorityDecodeStatus ReadKey(ReadOnlySpan<byte> bytes, out PriorityRequestKey? key)
    {
        key = null;
        byte requestId = bytes[0];
        byte classType = bytes[1 + VehicleIdLength];
        byte classLevel = bytes[2 + VehicleIdLength];
        byte strategy = bytes[3 + VehicleIdLength];
        if (requestId == 0 || classType is 0 or > MaxClass || classLevel is 0 or > MaxClass || strategy == 0)
        {
            return PriorityDecodeStatus.OutOfRange;
        }

        // Senders pad the 17 octets with NULs (after the id) or spaces (before it): both are trimmed.
        var id = bytes.Slice(1, VehicleIdLength).TrimEnd((byte)0).Trim((byte)' ');
        foreach (var b in id)
        {
            if (b is < (byte)'!' or > (byte)'~')
            {
                return PriorityDecodeStatus.InvalidVehicleId;
            }
        }

        if (id.IsEmpty)
        {
            return PriorityDecodeStatus.InvalidVehicleId;
        }

        key = new PriorityRequestKey(requestId, Encoding.ASCII.GetString(id), classType, classLevel, strategy);
        return PriorityDecodeStatus.Ok;
    }
}
