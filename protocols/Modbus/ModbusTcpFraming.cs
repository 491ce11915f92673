using System.Buffers;

namespace City.Protocols.Modbus;

/// <summary>A complete Modbus TCP frame sliced out of a receive buffer.</summary>
public readonly ref struct ModbusTcpFrame
{
    public ModbusTcpFrame(MbapHeader header, ReadOnlySpan<byte> pdu)
    {
        Header = header;
        Pdu = pdu;
    }

    public MbapHeader Header { get; }

    /// <summary>Function code and data; never empty for a frame returned by the framing functions.</summary>
    public ReadOnlySpan<byte> Pdu { get; }
}

/// <summary>
/// Splits a TCP byte stream into MBAP frames. Results:
/// <see cref="OperationStatus.Done"/> a frame was read;
/// <see cref="OperationStatus.NeedMoreData"/> the buffer holds only part of a frame (nothing consumed);
/// <see cref="OperationStatus.InvalidData"/> the header is not Modbus (protocol id not 0, length outside 2..254):
/// the stream cannot be resynchronised and the connection should be closed.
/// </summary>
public static class ModbusTcpFraming
{
    public static OperationStatus TryReadFrame(ReadOnlySpan<byte> buffer, out ModbusTcpFrame frame, out int bytesConsumed)
    {
        frame = default;
        bytesConsumed = 0;

        if (!MbapHeader.TryDecode(buffer, out MbapHeader header))
        {
            return OperationStatus.NeedMoreData;
        }

        if (!header.IsValid)
        {
            return OperationStatus.InvalidData;
        }

        int frameLength = MbapHeader.Size + header.PduLength;
        if (buffer.Length < frameLength)
        {
            return OperationStatus.NeedMoreData;
        }

        frame = new ModbusTcpFrame(header, buffer[MbapHeader.Size..frameLength]);
        bytesConsumed = frameLength;
        return OperationStatus.Done;
    }

    /// <summary>
    /// Pipelines variant. On <see cref="OperationStatus.Done"/>, <paramref name="frameEnd"/> is the position
    /// just after the frame (pass it to <c>PipeReader.AdvanceTo</c>); otherwise it is the buffer start.
    /// </summary>
    public static OperationStatus TryReadFrame(
        in ReadOnlySequence<byte> buffer,
        out MbapHeader header,
        out ReadOnlySequence<byte> pdu,
        out SequencePosition frameEnd)
    {
        header = default;
        pdu = default;
        frameEnd = buffer.Start;

        if (buffer.Length < MbapHeader.Size)
        {
            return OperationStatus.NeedMoreData;
        }

        Span<byte> headerBytes = stackalloc byte[MbapHeader.Size];
        buffer.Slice(0, MbapHeader.Size).CopyTo(headerBytes);
        MbapHeader.TryDecode(headerBytes, out MbapHeader candidate);

        if (!candidate.IsValid)
        {
            return OperationStatus.InvalidData;
        }

        long frameLength = MbapHeader.Size + candidate.PduLength;
        if (buffer.Length < frameLength)
        {
            return OperationStatus.NeedMoreData;
        }

        header = candidate;
        pdu = buffer.Slice(MbapHeader.Size, candidate.PduLength);
        frameEnd = pdu.End;
        return OperationStatus.Done;
    }

    /// <summary>Writes header and PDU into <paramref name="destination"/>. Returns false for an empty or oversized PDU or a short destination.</summary>
    public static bool TryWriteFrame(ushort transactionId, byte unitId, ReadOnlySpan<byte> pdu, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (pdu.IsEmpty || pdu.Length > MbapHeader.MaxPduLength || destination.Length < MbapHeader.Size + pdu.Length)
        {
            return false;
        }

        MbapHeader.ForPdu(transactionId, unitId, pdu.Length).TryEncode(destination, out int headerLength);
        pdu.CopyTo(destination[headerLength..]);
        bytesWritten = headerLength + pdu.Length;
        return true;
    }
}
