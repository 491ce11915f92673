using System.Net;
using City.Protocols.Snmp;

namespace City.Fuzzing.Targets;

/// <summary>
/// SNMP datagrams (BER, v1/v2c/v3 with USM) on both sides: what an agent and a trap receiver are sent, and what a
/// manager is answered. Engine and clock are fixed so that an authentic seed stays authentic.
/// </summary>
internal static class SnmpTargets
{
    /// <summary>The engine of the net-snmp captures (Snmp.Tests/NetSnmpCaptures.cs): boots 1, time 5.</summary>
    public static readonly byte[] EngineId = Convert.FromHexString("80001F8880674C9302D36A086B00000000");

    public static readonly UsmUser Alice = new("alice", SnmpAuthProtocol.Sha256, "alicepassword", SnmpPrivProtocol.Aes128, "alicepriv1");
    public static readonly UsmUser Bob = new("bob", SnmpAuthProtocol.Md5, "bobpassword");
    public static readonly UsmUser Carol = new("carol", SnmpAuthProtocol.Sha1, "carolpassword", SnmpPrivProtocol.Aes128, "carolpriv1");
    public static readonly Oid Enterprise = Oid.Parse("1.3.6.1.4.1.99999");

    private static readonly IPEndPoint Source = new(IPAddress.Loopback, 16_100);
    private static readonly TimeProvider Frozen = new FrozenTime();
    private static readonly SnmpAgent TheAgent = CreateAgent();
    private static readonly SnmpNotificationReceiver Receiver = CreateReceiver();
    private static readonly UsmUser[] Users = [Alice, Bob, Carol];

    /// <summary>A request to the agent (GET/GETNEXT/GETBULK/SET, any version), then the same datagram as a notification to the receiver.</summary>
    public static void Agent(ReadOnlySpan<byte> input)
    {
        byte[]? answer = TheAgent.Handle(input);
        if (answer is not null && SnmpCodec.TryDecode(answer, out _) != SnmpDecodeStatus.Ok)
        {
            throw new InvalidOperationException("The agent answered with bytes it cannot decode itself.");
        }

        Receiver.Handle(input, Source);
    }

    /// <summary>An answer to a manager: decoded, its key peeked, a v3 one authenticated and decrypted as the manager does.</summary>
    public static void Manager(ReadOnlySpan<byte> input)
    {
        SnmpCodec.TryPeekResponseKey(input, out _);
        if (SnmpCodec.TryDecode(input, out SnmpMessage? message) != SnmpDecodeStatus.Ok)
        {
            return;
        }

        if (message is V3Message v3)
        {
            Usm.Open(v3, input, name => Array.Find(Users, u => u.Name == name), _ => true, out ScopedPdu? scoped, out _);
            if (scoped?.Pdu.Type == SnmpPduType.Report && scoped.Pdu.VarBinds.Count > 0)
            {
                UsmStats.StatusFor(scoped.Pdu.VarBinds[0].Oid);
            }
        }
        else if (message is CommunityMessage community)
        {
            foreach (VarBind varBind in community.Pdu.VarBinds)
            {
                _ = varBind.Value.ToString();
            }
        }
    }

    private static SnmpAgent CreateAgent()
    {
        var mib = new MibTree();
        var agent = new SnmpAgent(mib, new NoTransport(), new SnmpEngine(EngineId, boots: 1, Frozen), Frozen) { MaxResponseSize = 1472 };
        Mib2System.Register(mib, () => 500, "City fuzz agent", Enterprise, "ops", "cabinet", "lab");
        int mode = 1;
        mib.AddScalar(Enterprise.Append(1), () => SnmpValue.Integer(mode), new MibWrite(
            SnmpValueType.Integer,
            value => mode = value.AsInt32(),
            value => value.AsInt32() is >= 1 and <= 3 ? SnmpErrorStatus.NoError : SnmpErrorStatus.WrongValue));
        mib.AddScalar(Enterprise.Append(2), SnmpValue.Counter64(1UL << 40));
        MibTable table = mib.AddTable(Enterprise.Append(3, 1),
            new MibColumn(1, SnmpValueType.Integer),
            new MibColumn(2, SnmpValueType.OctetString, Writable: true),
            new MibColumn(3, SnmpValueType.Counter32));
        for (uint row = 1; row <= 5; row++)
        {
            table.SetRow(row, new Dictionary<uint, SnmpValue>
            {
                [1] = SnmpValue.Integer((int)row),
                [2] = SnmpValue.OctetString($"port{row}"),
                [3] = SnmpValue.Counter32(row * 1000),
            });
        }

        agent.AddCommunity("public");
        agent.AddCommunity("private", writable: true);
        agent.AddUser(Alice, writable: true);
        agent.AddUser(Bob);
        agent.AddUser(Carol);
        return agent;
    }

    private static SnmpNotificationReceiver CreateReceiver()
    {
        var receiver = new SnmpNotificationReceiver(new NoTransport(), new SnmpEngine(EngineId, boots: 1, Frozen), Frozen, capacity: 1);
        receiver.AddCommunity("public");
        receiver.AddUser(Alice);
        receiver.AddUser(Bob);
        return receiver;
    }

    /// <summary>Time stands still at the fuzzer's start: engine time stays 0 plus nothing, sysUpTime constant.</summary>
    private sealed class FrozenTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 1, 1, 0, 0, 5, TimeSpan.Zero);

        public override long GetTimestamp() => 5 * TimestampFrequency;
    }

    /// <summary>The codec paths only: nothing is sent or received.</summary>
    private sealed class NoTransport : ISnmpTransport
    {
        public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Loopback, 161);

        public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint remote, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<SnmpDatagram> ReceiveAsync(CancellationToken cancellationToken) =>
            ValueTask.FromException<SnmpDatagram>(new OperationCanceledException(cancellationToken));

        public void Dispose()
        {
        }
    }
}
