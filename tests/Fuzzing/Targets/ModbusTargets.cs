using System.Buffers;
using System.Text;
using City.Protocols.Modbus;
using City.Protocols.Modbus.DataModel;

namespace City.Fuzzing.Targets;

/// <summary>
/// Modbus frames on both sides. A master's input is a request context (which function it asked, how many items; the
/// first two bytes) then the bytes the unit answered; a slave's input is the byte stream a master sends.
/// </summary>
internal static class ModbusTargets
{
    private static readonly ModbusFunctionCode[] MasterFunctions =
    [
        ModbusFunctionCode.ReadCoils, ModbusFunctionCode.ReadDiscreteInputs, ModbusFunctionCode.ReadHoldingRegisters,
        ModbusFunctionCode.ReadInputRegisters, ModbusFunctionCode.WriteSingleCoil, ModbusFunctionCode.WriteSingleRegister,
        ModbusFunctionCode.WriteMultipleCoils, ModbusFunctionCode.WriteMultipleRegisters, ModbusFunctionCode.ReportServerId,
        ModbusFunctionCode.MaskWriteRegister, ModbusFunctionCode.ReadWriteMultipleRegisters, ModbusFunctionCode.EncapsulatedInterfaceTransport,
    ];

    private static readonly InMemoryRegisterMap Map = CreateMap();
    private static readonly byte[] Response = new byte[MbapHeader.MaxPduLength];
    private static readonly ushort[] Registers = new ushort[ModbusPdu.MaxReadRegisters];
    private static readonly bool[] Bits = new bool[2000];
    private static readonly byte[] ServerId = new byte[MbapHeader.MaxPduLength];
    private static readonly ModbusDeviceObjectLocation[] Objects = new ModbusDeviceObjectLocation[byte.MaxValue];

    /// <summary>A TCP master reading one response stream: [function index][quantity] then MBAP frames.</summary>
    public static void TcpMaster(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
        {
            return;
        }

        var (function, quantity) = Context(input);
        ReadOnlySpan<byte> stream = input[2..];
        while (ModbusTcpFraming.TryReadFrame(stream, out ModbusTcpFrame frame, out int consumed) == OperationStatus.Done)
        {
            DecodeResponse(function, quantity, frame.Pdu);
            stream = stream[consumed..];
        }

        // The pipelines variant the client's transport runs, over the same bytes in two segments.
        var sequence = Segmented(input[2..]);
        while (ModbusTcpFraming.TryReadFrame(sequence, out _, out ReadOnlySequence<byte> pdu, out SequencePosition end) == OperationStatus.Done)
        {
            DecodeResponse(function, quantity, pdu.ToArray());
            sequence = sequence.Slice(end);
        }
    }

    /// <summary>A TCP slave serving a request stream: MBAP frames dispatched against a register map.</summary>
    public static void TcpSlave(ReadOnlySpan<byte> input)
    {
        while (ModbusTcpFraming.TryReadFrame(input, out ModbusTcpFrame frame, out int consumed) == OperationStatus.Done)
        {
            ModbusRequestDispatcher.Dispatch(frame.Header.UnitId, frame.Pdu, Map, Response, out _);
            input = input[consumed..];
        }
    }

    /// <summary>An RTU master reading the answer of unit 1: [function index][quantity] then the bytes on the line.</summary>
    public static void RtuMaster(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
        {
            return;
        }

        var (function, quantity) = Context(input);
        if (ModbusRtuFraming.TryReadResponse(input[2..], 1, (byte)function, out ReadOnlySpan<byte> pdu, out _, out _) == OperationStatus.Done)
        {
            DecodeResponse(function, quantity, pdu);
        }
    }

    /// <summary>An RTU slave reading the line: requests for any unit, dispatched.</summary>
    public static void RtuSlave(ReadOnlySpan<byte> input)
    {
        while (ModbusRtuFraming.TryReadRequest(input, out byte unit, out ReadOnlySpan<byte> pdu, out int consumed, out _) == OperationStatus.Done)
        {
            ModbusRequestDispatcher.Dispatch(unit, pdu, Map, Response, out _);
            input = input[consumed..];
        }
    }

    public static byte FunctionIndex(ModbusFunctionCode function) => (byte)Array.IndexOf(MasterFunctions, function);

    private static (ModbusFunctionCode Function, int Quantity) Context(ReadOnlySpan<byte> input) =>
        (MasterFunctions[input[0] % MasterFunctions.Length], 1 + input[1]);

    /// <summary>What <c>ModbusMasterCore</c> does with a response PDU, then what the edge does with registers.</summary>
    private static void DecodeResponse(ModbusFunctionCode function, int quantity, ReadOnlySpan<byte> pdu)
    {
        int registers = Math.Min(quantity, ModbusPdu.MaxReadRegisters);
        switch (function)
        {
            case ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs:
                ModbusPdu.DecodeReadBitsResponse(pdu, function, Bits.AsSpan(0, quantity), out _);
                break;
            case ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters:
                if (ModbusPdu.DecodeReadRegistersResponse(pdu, function, Registers.AsSpan(0, registers), out _) == ModbusPduStatus.Valid)
                {
                    Interpret(Registers.AsSpan(0, registers));
                }

                break;
            case ModbusFunctionCode.WriteSingleCoil:
                ModbusPdu.DecodeWriteSingleCoilResponse(pdu, 7, quantity % 2 == 0, out _);
                break;
            case ModbusFunctionCode.WriteSingleRegister:
                ModbusPdu.DecodeWriteSingleRegisterResponse(pdu, 7, (ushort)quantity, out _);
                break;
            case ModbusFunctionCode.WriteMultipleCoils:
                ModbusPdu.DecodeWriteMultipleCoilsResponse(pdu, 7, (ushort)quantity, out _);
                break;
            case ModbusFunctionCode.WriteMultipleRegisters:
                ModbusPdu.DecodeWriteMultipleRegistersResponse(pdu, 7, (ushort)quantity, out _);
                break;
            case ModbusFunctionCode.ReportServerId:
                ModbusPdu.DecodeReportServerIdResponse(pdu, ServerId, out _, out _, out _);
                break;
            case ModbusFunctionCode.MaskWriteRegister:
                ModbusPdu.DecodeMaskWriteRegisterResponse(pdu, 7, 0xF0F0, (ushort)quantity, out _);
                break;
            case ModbusFunctionCode.ReadWriteMultipleRegisters:
                ModbusPdu.DecodeReadWriteMultipleRegistersResponse(pdu, Registers.AsSpan(0, registers), out _);
                break;
            default:
                var code = (ModbusReadDeviceIdCode)(1 + (quantity % 4));
                if (ModbusPdu.DecodeReadDeviceIdentificationResponse(pdu, code, out var header, Objects, out _) == ModbusPduStatus.Valid)
                {
                    foreach (var location in Objects.AsSpan(0, header.ObjectCount))
                    {
                        Encoding.Latin1.GetString(pdu.Slice(location.Offset, location.Length));
                    }
                }

                break;
        }
    }

    private static void Interpret(ReadOnlySpan<ushort> registers)
    {
        foreach (RegisterDataType type in Enum.GetValues<RegisterDataType>())
        {
            foreach (WordOrder order in Enum.GetValues<WordOrder>())
            {
                if (type == RegisterDataType.String)
                {
                    RegisterDecoding.DecodeString(registers, order);
                }
                else if (registers.Length >= RegisterDecoding.Width(type))
                {
                    RegisterDecoding.Decode(registers, type, order, 0.1, 1);
                    RegisterDecoding.TryReadRawBits(registers, type, order, out _);
                }
            }
        }
    }

    private static ReadOnlySequence<byte> Segmented(ReadOnlySpan<byte> bytes)
    {
        int half = bytes.Length / 2;
        var first = new Segment(bytes[..half].ToArray(), 0);
        var last = first.Append(bytes[half..].ToArray());
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private static InMemoryRegisterMap CreateMap()
    {
        var map = new InMemoryRegisterMap();
        map.AddUnit(1, 200, 200, 2000, 2000);
        map.AddUnit(17, 10, 10, 16, 16);
        return map;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
