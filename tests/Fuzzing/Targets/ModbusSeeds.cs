using System.Buffers.Binary;
using City.Protocols.Modbus;

namespace City.Fuzzing.Targets;

/// <summary>
/// Seeds: one request of every function the masters send (written by the codec's encoders, the shapes of the Modbus
/// Application Protocol V1.1b3's examples) and the answers this project's slave gives them, framed for TCP (MBAP) and RTU.
/// </summary>
internal static class ModbusSeeds
{
    private const byte Unit = 1;

    public static IEnumerable<byte[]> TcpRequests() => Requests().Select(r => Mbap(r.Request, 1));

    public static IEnumerable<byte[]> RtuRequests() => Requests().Select(r => Rtu(r.Request));

    public static IEnumerable<byte[]> TcpResponses() =>
        Requests().Select(r => (byte[])[ModbusTargets.FunctionIndex(r.Function), r.Quantity, .. Mbap(Answer(r.Request), 1)]);

    public static IEnumerable<byte[]> RtuResponses() =>
        Requests().Select(r => (byte[])[ModbusTargets.FunctionIndex(r.Function), r.Quantity, .. Rtu(Answer(r.Request))]);

    private static IEnumerable<(ModbusFunctionCode Function, byte Quantity, byte[] Request)> Requests()
    {
        var pdu = new byte[MbapHeader.MaxPduLength];
        int n;
        ModbusPdu.TryEncodeReadBitsRequest(ModbusFunctionCode.ReadCoils, 19, 19, pdu, out n);
        yield return (ModbusFunctionCode.ReadCoils, 18, pdu[..n]);
        ModbusPdu.TryEncodeReadBitsRequest(ModbusFunctionCode.ReadDiscreteInputs, 196, 22, pdu, out n);
        yield return (ModbusFunctionCode.ReadDiscreteInputs, 21, pdu[..n]);
        ModbusPdu.TryEncodeReadRegistersRequest(ModbusFunctionCode.ReadHoldingRegisters, 107, 3, pdu, out n);
        yield return (ModbusFunctionCode.ReadHoldingRegisters, 2, pdu[..n]);
        ModbusPdu.TryEncodeReadRegistersRequest(ModbusFunctionCode.ReadInputRegisters, 8, 4, pdu, out n);
        yield return (ModbusFunctionCode.ReadInputRegisters, 3, pdu[..n]);
        ModbusPdu.TryEncodeWriteSingleCoilRequest(7, true, pdu, out n);
        yield return (ModbusFunctionCode.WriteSingleCoil, 1, pdu[..n]);
        ModbusPdu.TryEncodeWriteSingleRegisterRequest(7, 3, pdu, out n);
        yield return (ModbusFunctionCode.WriteSingleRegister, 2, pdu[..n]);
        ModbusPdu.TryEncodeWriteMultipleCoilsRequest(7, [true, false, true, true, false, false, true, true, true, false], pdu, out n);
        yield return (ModbusFunctionCode.WriteMultipleCoils, 9, pdu[..n]);
        ModbusPdu.TryEncodeWriteMultipleRegistersRequest(7, [0x000A, 0x0102], pdu, out n);
        yield return (ModbusFunctionCode.WriteMultipleRegisters, 1, pdu[..n]);
        ModbusPdu.TryEncodeReportServerIdRequest(pdu, out n);
        yield return (ModbusFunctionCode.ReportServerId, 0, pdu[..n]);
        ModbusPdu.TryEncodeMaskWriteRegisterRequest(7, 0xF0F0, 0x0025, pdu, out n);
        yield return (ModbusFunctionCode.MaskWriteRegister, 0x24, pdu[..n]);
        ModbusPdu.TryEncodeReadWriteMultipleRegistersRequest(3, 6, 14, [0x00FF, 0x00FF, 0x00FF], pdu, out n);
        yield return (ModbusFunctionCode.ReadWriteMultipleRegisters, 5, pdu[..n]);
        ModbusPdu.TryEncodeReadDeviceIdentificationRequest(ModbusReadDeviceIdCode.Basic, 0, pdu, out n);
        yield return (ModbusFunctionCode.EncapsulatedInterfaceTransport, 0, pdu[..n]);
    }

    /// <summary>The answer of a real slave (this project's dispatcher), or a device identification answer written by the codec.</summary>
    private static byte[] Answer(byte[] request)
    {
        var map = new InMemoryRegisterMap();
        map.AddUnit(Unit, 300, 300, 300, 300);
        var response = new byte[MbapHeader.MaxPduLength];
        int length = ModbusRequestDispatcher.Dispatch(Unit, request, map, response);
        if (request[0] == (byte)ModbusFunctionCode.EncapsulatedInterfaceTransport)
        {
            ModbusPdu.TryEncodeReadDeviceIdentificationResponse(
                ModbusReadDeviceIdCode.Basic, 0x01, [new(0, "City"), new(1, "LAMP-1"), new(2, "V1.0")], response, out length, out _);
        }

        return response[..length];
    }

    private static byte[] Mbap(byte[] pdu, ushort transactionId)
    {
        var frame = new byte[MbapHeader.Size + pdu.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, transactionId);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), (ushort)(pdu.Length + 1));
        frame[6] = Unit;
        pdu.CopyTo(frame, MbapHeader.Size);
        return frame;
    }

    private static byte[] Rtu(byte[] pdu)
    {
        var frame = new byte[pdu.Length + 3];
        ModbusRtuFraming.TryWriteFrame(Unit, pdu, frame, out int written);
        return frame[..written];
    }
}
