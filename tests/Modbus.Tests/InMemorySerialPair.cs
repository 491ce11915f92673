using System.IO.Pipelines;

namespace City.Protocols.Modbus.Tests;

/// <summary>Two in-memory byte streams joined like the two ends of a null-modem cable: what one writes the other reads.</summary>
internal sealed class InMemorySerialPair
{
    private readonly Pipe _aToB = new();
    private readonly Pipe _bToA = new();

    public InMemorySerialPair()
    {
        EndA = new DuplexPipeStream(_bToA.Reader, _aToB.Writer);
        EndB = new DuplexPipeStream(_aToB.Reader, _bToA.Writer);
    }

    public DuplexPipeStream EndA { get; }

    public DuplexPipeStream EndB { get; }

    /// <summary>A master transport on end A (19200 baud 8E1 timing, stale input discarded before each request).</summary>
    public ModbusRtuTransport CreateMasterTransport(TimeProvider? timeProvider = null) =>
        new(EndA, ModbusRtuTiming.For(19200), timeProvider, EndA.DiscardBufferedInput, "in-memory serial pair");

    /// <summary>A slave on end B; start it yourself.</summary>
    public ModbusRtuSlave CreateSlave(IModbusRegisterMap map, ModbusRtuSlaveOptions options) => new(EndB, map, options);
}
