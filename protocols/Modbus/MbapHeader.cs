using System.Buffers.Binary;

namespace City.Protocols.Modbus;

/// <summary>
/// Modbus Application Protocol header that precedes every PDU on TCP
/// (Messaging on TCP/IP Implementation Guide V1.0b, 3.1.3).
/// </summary>
/// <param name="TransactionId">Chosen by the client, echoed by the server.</param>
/// <param name="ProtocolId">Always 0 for Modbus.</param>
/// <param name="Length">Number of bytes that follow the length field: unit id plus PDU.</param>
/// <param name="UnitId">Addressed unit behind a gateway; 0xFF or 0 for a device addressed directly.</param>
public readonly record struct MbapHeader(ushort TransactionId, ushort ProtocolId, ushort Length, byte UnitId)
{
    /// <summary>Size of the header on the wire.</summary>
    public const int Size = 7;

    /// <summary>Largest PDU: 253 bytes (Application Protocol V1.1b3, 4.1).</summary>
    public const int MaxPduLength = 253;

    /// <summary>Smallest length field: unit id plus a function code.</summary>
    public const ushort MinLength = 2;

    /// <summary>Largest length field: unit id plus the largest PDU.</summary>
    public const ushort MaxLength = MaxPduLength + 1;

    /// <summary>Largest application data unit: header plus the largest PDU.</summary>
    public const int MaxAduLength = Size + MaxPduLength;

    /// <summary>Length of the PDU announced by this header.</summary>
    public int PduLength => Length - 1;

    /// <summary>Creates a header for a PDU of <paramref name="pduLength"/> bytes.</summary>
    public static MbapHeader ForPdu(ushort transactionId, byte unitId, int pduLength) =>
        new(transactionId, 0, checked((ushort)(pduLength + 1)), unitId);

    /// <summary>Decodes the seven header bytes. Returns false when fewer than seven bytes are given.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> source, out MbapHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }

        header = new MbapHeader(
            BinaryPrimitives.ReadUInt16BigEndian(source),
            BinaryPrimitives.ReadUInt16BigEndian(source[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(source[4..]),
            source[6]);
        return true;
    }

    /// <summary>Encodes the header. Returns false when the destination is shorter than seven bytes.</summary>
    public bool TryEncode(Span<byte> destination, out int bytesWritten)
    {
        if (destination.Length < Size)
        {
            bytesWritten = 0;
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, TransactionId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], ProtocolId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], Length);
        destination[6] = UnitId;
        bytesWritten = Size;
        return true;
    }

    /// <summary>True when the protocol id is 0 and the length lies within 2..254.</summary>
    public bool IsValid => ProtocolId == 0 && Length is >= MinLength and <= MaxLength;
}
