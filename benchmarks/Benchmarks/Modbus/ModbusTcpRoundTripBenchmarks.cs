using System.Net;
using BenchmarkDotNet.Attributes;
using City.Protocols.Modbus;

namespace City.Benchmarks.Modbus;

/// <summary>
/// One <see cref="ModbusTcpClient"/> read round trip over 127.0.0.1 against an in-process <see cref="ModbusTcpSlave"/>.
/// BenchmarkDotNet counts the allocations of every thread of the process, so "Allocated" is client and slave together
/// (for the client alone, see the `modbus-tcp` command, which measures against a slave in another process).
/// </summary>
[MemoryDiagnoser]
public class ModbusTcpRoundTripBenchmarks
{
    private const byte Unit = 1;

    private readonly ushort[] _ten = new ushort[10];
    private readonly ushort[] _full = new ushort[ModbusPdu.MaxReadRegisters];
    private ModbusTcpSlave? _slave;
    private ModbusTcpClient? _client;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var map = new InMemoryRegisterMap();
        map.AddUnit(Unit, holdingRegisterCount: 1000, inputRegisterCount: 0);
        _slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), map);
        await _slave.StartAsync();
        _client = new ModbusTcpClient(_slave.LocalEndPoint, new ModbusTcpClientOptions { RequestTimeout = TimeSpan.FromSeconds(10) });
        await _client.ReadHoldingRegistersAsync(Unit, 0, _ten);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_slave is not null)
        {
            await _slave.DisposeAsync();
        }
    }

    /// <summary>FC03, 10 registers, into a caller's buffer (the overload that allocates no result array).</summary>
    [Benchmark(Baseline = true)]
    public Task Read10IntoBuffer() => _client!.ReadHoldingRegistersAsync(Unit, 0, _ten);

    /// <summary>FC03, 125 registers, into a caller's buffer.</summary>
    [Benchmark]
    public Task Read125IntoBuffer() => _client!.ReadHoldingRegistersAsync(Unit, 0, _full);

    /// <summary>FC03, 10 registers, returning a new array (the convenience overload).</summary>
    [Benchmark]
    public Task<ushort[]> Read10ReturningArray() => _client!.ReadHoldingRegistersAsync(Unit, 0, 10);
}
