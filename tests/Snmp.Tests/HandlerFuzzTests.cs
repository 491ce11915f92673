using System.Net;

namespace City.Protocols.Snmp.Tests;

/// <summary>The agent and the receiver take any datagram without throwing, and answer mutated requests only with decodable bytes.</summary>
public class HandlerFuzzTests
{
    private static IEnumerable<byte[]> Seeds(SnmpAgent agent)
    {
        Oid[] oids = [Mib2System.SysName.Append(0), TestAgent.TableEntry, TestAgent.Mode.Append(0)];
        yield return SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "public", new SnmpPdu(SnmpPduType.GetRequest, 1, oids.Select(o => new VarBind(o)).ToList())));
        yield return SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V1, "private", new SnmpPdu(SnmpPduType.SetRequest, 2, [new VarBind(TestAgent.Mode.Append(0), SnmpValue.Integer(2))])));
        yield return SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "public", SnmpPdu.GetBulk(3, 1, 20, oids.Select(o => new VarBind(o)).ToList())));
        var user = new UsmUser("writer", SnmpAuthProtocol.Sha256, TestAgent.AuthPassword, SnmpPrivProtocol.Aes128, TestAgent.PrivPassword);
        yield return Usm.Seal(4, 1500, true, SnmpSecurityLevel.AuthPriv, new ScopedPdu(agent.Engine.EngineId, default, SnmpPdu.GetBulk(4, 0, 50, [new VarBind(Oid.Parse("1.3"))])),
            "writer", user, agent.Engine.EngineId.Span, agent.Engine.Boots, agent.Engine.Time);
        yield return Usm.Seal(5, 1500, true, SnmpSecurityLevel.AuthNoPriv, new ScopedPdu(agent.Engine.EngineId, default, new SnmpPdu(SnmpPduType.SetRequest, 5, [new VarBind(TestAgent.Mode.Append(0), SnmpValue.Integer(3))])),
            "writer", user, agent.Engine.EngineId.Span, agent.Engine.Boots, agent.Engine.Time);
        yield return Hex.Parse(NetSnmpCaptures.V3DiscoveryRequest);
        yield return Hex.Parse(NetSnmpCaptures.V2Trap);
    }

    [Fact]
    public async Task MutatedRequests_NeverThrow_AndEveryAnswerDecodes()
    {
        (SnmpAgent created, _) = TestAgent.Create(rows: 30);
        await using SnmpAgent agent = created;
        await using var receiver = new SnmpNotificationReceiver(UdpSnmpTransport.BindLoopback());
        receiver.AddCommunity("public");
        var random = new Random(17);
        int answered = 0;
        foreach (byte[] seed in Seeds(agent).ToList())
        {
            for (int i = 0; i < 1500; i++)
            {
                byte[] mutated = (byte[])seed.Clone();
                for (int m = random.Next(1, 3); m > 0; m--)
                {
                    mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                }

                byte[]? answer = agent.Handle(mutated);
                if (answer is not null)
                {
                    answered++;
                    Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(answer, out _));
                }

                (_, byte[]? ack) = receiver.Handle(mutated, new IPEndPoint(IPAddress.Loopback, 9));
                if (ack is not null)
                {
                    Assert.Equal(SnmpDecodeStatus.Ok, SnmpCodec.TryDecode(ack, out _));
                }
            }
        }

        Assert.True(answered > 0);
    }

    [Fact]
    public async Task GetBulkWithExtremeCounts_IsBoundedByTheResponseSize()
    {
        (SnmpAgent created, _) = TestAgent.Create(rows: 3000, maxResponseSize: 1472);
        await using SnmpAgent agent = created;
        byte[] request = SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "public",
            SnmpPdu.GetBulk(9, -5, int.MaxValue, [new VarBind(Oid.Parse("1.3")), new VarBind(Oid.Parse("1.3.6.1.4.1.99999.3"))])));

        byte[] answer = agent.Handle(request)!;

        Assert.InRange(answer.Length, 1000, 1472);
        SnmpCodec.TryDecode(answer, out SnmpMessage? decoded);
        Assert.Equal(SnmpErrorStatus.NoError, ((CommunityMessage)decoded!).Pdu.ErrorStatus);
    }
}
