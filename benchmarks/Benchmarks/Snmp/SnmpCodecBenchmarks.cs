using System.Net;
using BenchmarkDotNet.Attributes;
using City.Protocols.Snmp;

namespace City.Benchmarks.Snmp;

/// <summary>
/// Cost per SNMP message of the codec and USM: what the manager does for each request of a walk (encode the request,
/// decode the response) and what the agent does for each GETBULK (the whole Handle path, MIB lookups included).
/// </summary>
[MemoryDiagnoser]
public class SnmpCodecBenchmarks
{
    private const int BulkVarBinds = 25;
    private static readonly Oid SysUpTime = Oid.Parse("1.3.6.1.2.1.1.3.0");
    private static readonly byte[] EngineId = Convert.FromHexString("80001F8880C71100000000000000000000");

    private readonly byte[] _destination = new byte[SnmpEngine.DefaultMaxMessageSize];
    private CommunityMessage _getRequest = null!;
    private byte[] _bulkResponse = [];
    private ScopedPdu _v3GetScope = null!;
    private byte[] _v3BulkResponse = [];
    private byte[] _bulkRequest = [];
    private UsmUser _user = null!;
    private SnmpAgent _agent = null!;

    [GlobalSetup]
    public void Setup()
    {
        _user = SnmpBenchSetup.CreateUser();
        _getRequest = new CommunityMessage(SnmpVersion.V2c, SnmpBenchSetup.Community,
            new SnmpPdu(SnmpPduType.GetRequest, 12345, [new VarBind(SysUpTime)]));

        var mib = new MibTree();
        SnmpBenchSetup.AddInterfaceTable(mib, 1_000);
        List<VarBind> rows = [];
        Oid current = SnmpBenchSetup.TableEntry;
        for (int i = 0; i < BulkVarBinds; i++)
        {
            VarBind next = mib.GetNext(current) ?? throw new InvalidOperationException("table too short");
            rows.Add(next);
            current = next.Oid;
        }

        var response = new SnmpPdu(SnmpPduType.Response, 12345, rows);
        _bulkResponse = SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, SnmpBenchSetup.Community, response));
        _v3GetScope = new ScopedPdu(EngineId, Array.Empty<byte>(), new SnmpPdu(SnmpPduType.GetRequest, 12345, [new VarBind(SysUpTime)]));
        _v3BulkResponse = Usm.Seal(12345, SnmpEngine.DefaultMaxMessageSize, reportable: false, SnmpSecurityLevel.AuthPriv,
            new ScopedPdu(EngineId, Array.Empty<byte>(), response), _user.Name, _user, EngineId, 1, 100);
        _bulkRequest = SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, SnmpBenchSetup.Community,
            SnmpPdu.GetBulk(12345, 0, BulkVarBinds, [new VarBind(SnmpBenchSetup.TableEntry)])));

        _agent = new SnmpAgent(mib, new NullTransport());
        _agent.AddCommunity(SnmpBenchSetup.Community);
        _user.KeysFor(EngineId); // localized once, as the manager does per engine
    }

    [GlobalCleanup]
    public void Cleanup() => _agent.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "v2c GET request: TryEncode into a span")]
    public int EncodeGetIntoSpan() => SnmpCodec.TryEncode(_getRequest, _destination, out int written) ? written : -1;

    [Benchmark(Description = "v2c GET request: Encode to byte[] (what SnmpManager calls)")]
    public byte[] EncodeGetToArray() => SnmpCodec.Encode(_getRequest);

    [Benchmark(Description = "v2c GETBULK response, 25 varbinds: TryDecode")]
    public SnmpMessage? DecodeBulkResponse() =>
        SnmpCodec.TryDecode(_bulkResponse, out SnmpMessage? message) == SnmpDecodeStatus.Ok ? message : null;

    [Benchmark(Description = "v2c GETBULK response, 25 varbinds: TryPeekResponseKey (the manager's receive loop)")]
    public int PeekBulkResponse() => SnmpCodec.TryPeekResponseKey(_bulkResponse, out int key) ? key : -1;

    [Benchmark(Description = "v3 authPriv GET request: Usm.Seal (AES + HMAC-SHA-256)")]
    public byte[] SealV3Get() =>
        Usm.Seal(12345, SnmpEngine.DefaultMaxMessageSize, reportable: true, SnmpSecurityLevel.AuthPriv, _v3GetScope,
            _user.Name, _user, EngineId, 1, 100);

    [Benchmark(Description = "v3 authPriv GETBULK response, 25 varbinds: TryDecode + Usm.Open")]
    public ScopedPdu? OpenV3BulkResponse()
    {
        if (SnmpCodec.TryDecode(_v3BulkResponse, out SnmpMessage? decoded) != SnmpDecodeStatus.Ok || decoded is not V3Message message)
        {
            return null;
        }

        return Usm.Open(message, _v3BulkResponse, name => name == _user.Name ? _user : null, _ => true, out ScopedPdu? scoped, out _) == UsmStatus.Ok
            ? scoped
            : null;
    }

    [Benchmark(Description = "agent: v2c GETBULK max-repetitions 25 on a 1,000-row table, SnmpAgent.Handle")]
    public byte[]? AgentHandleBulk() => _agent.Handle(_bulkRequest);

    /// <summary>The agent is only driven through Handle; it never starts its receive loop.</summary>
    private sealed class NullTransport : ISnmpTransport
    {
        public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Loopback, 0);

        public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint remote, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<SnmpDatagram> ReceiveAsync(CancellationToken cancellationToken) =>
            ValueTask.FromException<SnmpDatagram>(new InvalidOperationException("The benchmark agent does not receive."));

        public void Dispose()
        {
        }
    }
}
