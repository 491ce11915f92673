using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace City.Protocols.Snmp.Tests;

/// <summary>Request matching, retries and timeouts on a fake clock, against a scripted in-memory peer.</summary>
public class ManagerBehaviourTests
{
    private sealed class ScriptedTransport : ISnmpTransport
    {
        private readonly Channel<SnmpDatagram> _inbound = Channel.CreateUnbounded<SnmpDatagram>();

        public Channel<byte[]> Sent { get; } = Channel.CreateUnbounded<byte[]>();

        public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Loopback, 40000);

        public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint remote, CancellationToken cancellationToken)
        {
            Sent.Writer.TryWrite(datagram.ToArray());
            return ValueTask.CompletedTask;
        }

        public ValueTask<SnmpDatagram> ReceiveAsync(CancellationToken cancellationToken) => _inbound.Reader.ReadAsync(cancellationToken);

        public void Deliver(byte[] datagram, IPEndPoint from) => _inbound.Writer.TryWrite(new SnmpDatagram(datagram, from));

        public void Dispose() => _inbound.Writer.TryComplete();
    }

    private static readonly IPEndPoint Agent = new(IPAddress.Loopback, 161);

    private static async Task<CommunityMessage> NextSentAsync(ScriptedTransport transport)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        byte[] sent = await transport.Sent.Reader.ReadAsync(deadline.Token);
        Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(sent, out SnmpMessage? message));
        return (CommunityMessage)message!;
    }

    /// <summary>
    /// Moves the fake clock in small steps until the manager sends again: the manager arms its timer after the send we
    /// saw, so one big step could land before the timer exists.
    /// </summary>
    private static async Task<CommunityMessage> AdvanceUntilSentAsync(FakeTimeProvider clock, ScriptedTransport transport)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!transport.Sent.Reader.TryPeek(out _))
        {
            Assert.True(DateTime.UtcNow < deadline, "the manager did not retry");
            clock.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(1);
        }

        return await NextSentAsync(transport);
    }

    private static async Task AdvanceUntilAsync(FakeTimeProvider clock, TimeSpan step, Func<bool> done)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!done() && DateTime.UtcNow < deadline)
        {
            clock.Advance(step);
            await Task.Delay(1);
        }
    }

    [Fact]
    public async Task NoAnswer_RetriesOnTheClock_ThenTimesOut()
    {
        var clock = new FakeTimeProvider();
        var transport = new ScriptedTransport();
        await using var manager = new SnmpManager(transport, clock);
        var target = SnmpTarget.V2c(Agent) with { Timeout = TimeSpan.FromSeconds(2), Retries = 2 };

        Task<VarBind> request = manager.GetAsync(target, Mib2System.SysName.Append(0));
        CommunityMessage first = await NextSentAsync(transport);
        CommunityMessage second = await AdvanceUntilSentAsync(clock, transport);
        CommunityMessage third = await AdvanceUntilSentAsync(clock, transport);
        await AdvanceUntilAsync(clock, TimeSpan.FromMilliseconds(250), () => request.IsCompleted);

        await Assert.ThrowsAsync<SnmpTimeoutException>(() => request);
        Assert.False(transport.Sent.Reader.TryRead(out _), "no fourth attempt with Retries = 2");
        Assert.Equal(first.Pdu.RequestId, second.Pdu.RequestId);
        Assert.Equal(first.Pdu.RequestId, third.Pdu.RequestId);
    }

    [Fact]
    public async Task AnswersAreMatchedByRequestId_NotByArrivalOrder()
    {
        var clock = new FakeTimeProvider();
        var transport = new ScriptedTransport();
        await using var manager = new SnmpManager(transport, clock);
        var target = SnmpTarget.V2c(Agent) with { Timeout = TimeSpan.FromSeconds(2) };

        Task<VarBind> a = manager.GetAsync(target, Mib2System.SysName.Append(0));
        CommunityMessage sentA = await NextSentAsync(transport);
        Task<VarBind> b = manager.GetAsync(target, Mib2System.SysLocation.Append(0));
        CommunityMessage sentB = await NextSentAsync(transport);

        byte[] Answer(CommunityMessage request, string text, int? requestId = null) => SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "public",
            new SnmpPdu(SnmpPduType.Response, requestId ?? request.Pdu.RequestId, [new VarBind(request.Pdu.VarBinds[0].Oid, SnmpValue.OctetString(text))])));

        transport.Deliver(Answer(sentA, "stray", requestId: 12345), Agent);                  // unknown id: dropped
        transport.Deliver([0x30, 0x03, 0x02, 0x01], Agent);                                    // garbage: dropped
        transport.Deliver(Answer(sentA, "spoofed"), new IPEndPoint(IPAddress.Loopback, 9999)); // right id, wrong sender: dropped
        transport.Deliver(Answer(sentB, "B"), Agent);
        transport.Deliver(Answer(sentA, "A"), Agent);

        Assert.Equal("A", (await a.WaitAsync(TimeSpan.FromSeconds(30))).Value.AsString());
        Assert.Equal("B", (await b.WaitAsync(TimeSpan.FromSeconds(30))).Value.AsString());
        Assert.Equal(3, manager.DroppedDatagrams);
    }

    [Fact]
    public async Task AnAnswerToAnEarlierAttempt_CompletesTheRequest()
    {
        var clock = new FakeTimeProvider();
        var transport = new ScriptedTransport();
        await using var manager = new SnmpManager(transport, clock);
        var target = SnmpTarget.V2c(Agent) with { Timeout = TimeSpan.FromSeconds(2), Retries = 3 };

        Task<VarBind> request = manager.GetAsync(target, Mib2System.SysName.Append(0));
        CommunityMessage sent = await NextSentAsync(transport);
        await AdvanceUntilSentAsync(clock, transport); // the retry
        transport.Deliver(SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "public", sent.Pdu.ToResponse([new VarBind(sent.Pdu.VarBinds[0].Oid, SnmpValue.OctetString("late"))]))), Agent);

        Assert.Equal("late", (await request.WaitAsync(TimeSpan.FromSeconds(30))).Value.AsString());
    }

    [Fact]
    public async Task AnAnswerWithTheRightIdThatDoesNotDecode_IsDropped_AndTheRequestKeepsWaiting()
    {
        var transport = new ScriptedTransport();
        await using var manager = new SnmpManager(transport, new FakeTimeProvider());
        var target = SnmpTarget.V2c(Agent) with { Timeout = TimeSpan.FromSeconds(2) };

        Task<VarBind> request = manager.GetAsync(target, Mib2System.SysName.Append(0));
        CommunityMessage sent = await NextSentAsync(transport);
        byte[] good = SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "public", sent.Pdu.ToResponse([new VarBind(sent.Pdu.VarBinds[0].Oid, SnmpValue.OctetString("ok"))])));
        byte[] broken = (byte[])good.Clone();
        broken[^4] = 0x4F; // the header (and request id) intact, the value's type unknown: does not decode
        transport.Deliver(broken, Agent);
        transport.Deliver(good, Agent);

        Assert.Equal("ok", (await request.WaitAsync(TimeSpan.FromSeconds(30))).Value.AsString());
        Assert.Equal(1, manager.DroppedDatagrams);
    }

    [Fact]
    public async Task CancellingAWaitingRequest_ThrowsOperationCanceled_AndLaterAnswersAreDropped()
    {
        var transport = new ScriptedTransport();
        await using var manager = new SnmpManager(transport, new FakeTimeProvider());
        var target = SnmpTarget.V2c(Agent) with { Timeout = TimeSpan.FromSeconds(2) };
        using var cancellation = new CancellationTokenSource();

        Task<VarBind> request = manager.GetAsync(target, Mib2System.SysName.Append(0), cancellation.Token);
        CommunityMessage sent = await NextSentAsync(transport);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request.WaitAsync(TimeSpan.FromSeconds(30)));
        transport.Deliver(SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "public", sent.Pdu.ToResponse([new VarBind(sent.Pdu.VarBinds[0].Oid, SnmpValue.OctetString("late"))]))), Agent);
        await AdvanceUntilAsync(new FakeTimeProvider(), TimeSpan.Zero, () => manager.DroppedDatagrams == 1);
        Assert.Equal(1, manager.DroppedDatagrams);
    }

    [Fact]
    public async Task ManyConcurrentRequests_OverUdp_EachGetsItsOwnAnswer()
    {
        var mib = new MibTree();
        Mib2System.Register(mib, () => 0, "sys", Oid.Parse("1.3.6.1.4.1.8072.3.2.10"), "contact", "name", "location");
        await using var agent = new SnmpAgent(mib, UdpSnmpTransport.BindLoopback());
        agent.AddCommunity("public");
        agent.Start();
        await using SnmpManager manager = SnmpManager.CreateUdp(IPAddress.Loopback);
        var target = SnmpTarget.V2c(agent.LocalEndPoint) with { Timeout = TimeSpan.FromSeconds(10) };
        Oid[] oids = [Mib2System.SysName.Append(0), Mib2System.SysContact.Append(0), Mib2System.SysLocation.Append(0)];

        VarBind[] answers = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => manager.GetAsync(target, oids[i % 3])));

        for (int i = 0; i < answers.Length; i++)
        {
            Assert.Equal(oids[i % 3], answers[i].Oid);
        }

        Assert.Equal(0, manager.DroppedDatagrams);
    }

    [Fact]
    public async Task AWalkThatGoesBackwards_Fails()
    {
        var transport = new ScriptedTransport();
        await using var manager = new SnmpManager(transport, new FakeTimeProvider());
        var target = SnmpTarget.V2c(Agent) with { Timeout = TimeSpan.FromSeconds(2) };
        Oid root = Oid.Parse("1.3.6.1.2.1.2");

        Task<List<VarBind>> walk = manager.WalkAsync(target, root).ToListAsync().AsTask();
        CommunityMessage sent = await NextSentAsync(transport);
        transport.Deliver(SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "public", sent.Pdu.ToResponse(
            [new VarBind(Oid.Parse("1.3.6.1.2.1.2.5"), SnmpValue.Integer(1)), new VarBind(Oid.Parse("1.3.6.1.2.1.2.4"), SnmpValue.Integer(1))]))), Agent);

        await Assert.ThrowsAsync<SnmpException>(() => walk.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void EncodedLength_MatchesTheEncoder()
    {
        var random = new Random(3);
        SnmpValue[] values =
        [
            SnmpValue.Integer(0), SnmpValue.Integer(-1), SnmpValue.Integer(127), SnmpValue.Integer(128), SnmpValue.Integer(int.MinValue), SnmpValue.Integer(int.MaxValue),
            SnmpValue.Counter32(0), SnmpValue.Counter32(0x80), SnmpValue.Counter32(uint.MaxValue), SnmpValue.Gauge32(0x7FFF), SnmpValue.TimeTicks(0x800000),
            SnmpValue.Counter64(0), SnmpValue.Counter64(ulong.MaxValue), SnmpValue.Counter64(1UL << 55), SnmpValue.Counter64(long.MaxValue),
            SnmpValue.OctetString(new byte[300]), SnmpValue.Null, SnmpValue.EndOfMibView, SnmpValue.ObjectIdentifier(Oid.Parse("1.3.6.1.4.1.4294967295")),
            SnmpValue.IpAddress(IPAddress.Loopback), SnmpValue.Opaque([1, 2, 3]),
        ];
        foreach (SnmpValue value in values)
        {
            var varBind = new VarBind(Oid.Parse($"1.3.6.1.{random.Next()}.{random.Next(200)}"), value);
            byte[] with = SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "p", new SnmpPdu(SnmpPduType.Response, 1, [varBind])));
            // The varbind is the last TLV of the message, so it occupies exactly its last EncodedLength bytes.
            int length = SnmpCodec.EncodedLength(varBind);
            System.Formats.Asn1.AsnDecoder.ReadEncodedValue(with.AsSpan(with.Length - length), System.Formats.Asn1.AsnEncodingRules.BER, out _, out _, out int consumed);
            Assert.Equal(0x30, with[^length]);
            Assert.Equal(length, consumed);
        }
    }
}
