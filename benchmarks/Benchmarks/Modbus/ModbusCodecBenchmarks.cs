using System.Buffers;
using BenchmarkDotNet.Attributes;
using City.Protocols.Modbus;

namespace City.Benchmarks.Modbus;

/// <summary>
/// The Modbus codec on the path of one poll: a read request (FC03, 125 registers) encoded and framed, the 125-register
/// response framed and decoded, for TCP (MBAP) and RTU (address + CRC). Goal: 0 bytes allocated per operation.
/// </summary>
[MemoryDiagnoser]
public class ModbusCodecBenchmarks
{
    private const byte Unit = 1;
    private const ushort Address = 0;
    private const ushort Quantity = ModbusPdu.MaxReadRegisters;

    private readonly byte[] _requestPdu = new byte[MbapHeader.MaxPduLength];
    private readonly byte[] _tcpAdu = new byte[MbapHeader.MaxAduLength];
    private readonly byte[] _rtuAdu = new byte[ModbusRtuFraming.MaxAduLength];
    private readonly byte[] _slaveResponsePdu = new byte[MbapHeader.MaxPduLength];
    private readonly ushort[] _registers = new ushort[Quantity];
    private readonly InMemoryRegisterMap _map = new();
    private int _requestPduLength;
    private byte[] _responsePdu = [];
    private byte[] _tcpResponse = [];
    private byte[] _rtuResponse = [];
    private ReadOnlySequence<byte> _tcpResponseSequence;

    [GlobalSetup]
    public void Setup()
    {
        ushort[] values = new ushort[Quantity];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (ushort)(i * 257);
        }

        byte[] pdu = new byte[MbapHeader.MaxPduLength];
        Check(ModbusPdu.TryEncodeReadRegistersResponse(ModbusFunctionCode.ReadHoldingRegisters, values, pdu, out int pduLength));
        _responsePdu = pdu[..pduLength];

        byte[] frame = new byte[MbapHeader.MaxAduLength];
        Check(ModbusTcpFraming.TryWriteFrame(0x1234, Unit, _responsePdu, frame, out int tcpLength));
        _tcpResponse = frame[..tcpLength];
        _tcpResponseSequence = new ReadOnlySequence<byte>(_tcpResponse);

        byte[] rtu = new byte[ModbusRtuFraming.MaxAduLength];
        Check(ModbusRtuFraming.TryWriteFrame(Unit, _responsePdu, rtu, out int rtuLength));
        _rtuResponse = rtu[..rtuLength];

        Check(ModbusPdu.TryEncodeReadRegistersRequest(ModbusFunctionCode.ReadHoldingRegisters, Address, Quantity, _requestPdu, out _requestPduLength));
        _map.AddUnit(Unit, holdingRegisterCount: 1000, inputRegisterCount: 0);
        _map.SetHoldingRegisters(Unit, 0, values);
    }

    /// <summary>PDU of a read request: function 03, address, quantity.</summary>
    [Benchmark]
    public int EncodeReadRequestPdu()
    {
        ModbusPdu.TryEncodeReadRegistersRequest(ModbusFunctionCode.ReadHoldingRegisters, Address, Quantity, _requestPdu, out int written);
        return written;
    }

    /// <summary>Checks and copies the 125 registers out of a 252-byte response PDU.</summary>
    [Benchmark]
    public ModbusPduStatus DecodeReadResponse125() =>
        ModbusPdu.DecodeReadRegistersResponse(_responsePdu, ModbusFunctionCode.ReadHoldingRegisters, _registers, out _);

    /// <summary>MBAP header + request PDU into a send buffer (what the TCP client writes).</summary>
    [Benchmark]
    public int WriteMbapRequestFrame()
    {
        ModbusTcpFraming.TryWriteFrame(0x1234, Unit, _requestPdu.AsSpan(0, _requestPduLength), _tcpAdu, out int written);
        return written;
    }

    /// <summary>Slices a 259-byte MBAP response frame out of a contiguous buffer.</summary>
    [Benchmark]
    public int ReadMbapResponseFrame()
    {
        ModbusTcpFraming.TryReadFrame(_tcpResponse, out ModbusTcpFrame frame, out int consumed);
        return consumed + frame.Pdu.Length;
    }

    /// <summary>The same over a <see cref="ReadOnlySequence{T}"/>, as the TCP transport reads it from its PipeReader.</summary>
    [Benchmark]
    public long ReadMbapResponseFrameFromSequence()
    {
        ModbusTcpFraming.TryReadFrame(_tcpResponseSequence, out _, out ReadOnlySequence<byte> pdu, out _);
        return pdu.Length;
    }

    /// <summary>Address + request PDU + CRC-16 into a send buffer (what the RTU master writes).</summary>
    [Benchmark]
    public int WriteRtuRequestFrame()
    {
        ModbusRtuFraming.TryWriteFrame(Unit, _requestPdu.AsSpan(0, _requestPduLength), _rtuAdu, out int written);
        return written;
    }

    /// <summary>Frames a 255-byte RTU response: length from the byte count, CRC-16 over 253 bytes checked.</summary>
    [Benchmark]
    public int ReadRtuResponseFrame()
    {
        ModbusRtuFraming.TryReadResponse(_rtuResponse, Unit, (byte)ModbusFunctionCode.ReadHoldingRegisters, out _, out int consumed, out _);
        return consumed;
    }

    /// <summary>The RTU master's whole codec path for one 125-register poll: encode and frame the request, frame and decode the response.</summary>
    [Benchmark]
    public ModbusPduStatus RtuPollCodecPath()
    {
        ModbusPdu.TryEncodeReadRegistersRequest(ModbusFunctionCode.ReadHoldingRegisters, Address, Quantity, _requestPdu, out int pduLength);
        ModbusRtuFraming.TryWriteFrame(Unit, _requestPdu.AsSpan(0, pduLength), _rtuAdu, out _);
        ModbusRtuFraming.TryReadResponse(_rtuResponse, Unit, (byte)ModbusFunctionCode.ReadHoldingRegisters, out ReadOnlySpan<byte> pdu, out _, out _);
        return ModbusPdu.DecodeReadRegistersResponse(pdu, ModbusFunctionCode.ReadHoldingRegisters, _registers, out _);
    }

    /// <summary>The slave's side of the same poll: a 125-register read request dispatched to an in-memory map, response PDU written.</summary>
    [Benchmark]
    public int SlaveDispatchRead125()
    {
        ModbusRequestDispatcher.Dispatch(Unit, _requestPdu.AsSpan(0, _requestPduLength), _map, _slaveResponsePdu, out int length);
        return length;
    }

    private static void Check(bool done)
    {
        if (!done)
        {
            throw new InvalidOperationException("Benchmark setup: encoding failed.");
        }
    }
}
