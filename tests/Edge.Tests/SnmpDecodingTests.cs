using System.Net;
using System.Net.Sockets;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Modbus;
using City.Edge.Snmp;
using City.Protocols.Snmp;
using Microsoft.Extensions.Logging.Abstractions;

namespace City.Edge.Tests;

public sealed class SnmpDecodingTests
{
    private static SnmpPoint Point(SnmpPointKind kind, int? bit = null, double scale = 1, double offset = 0)
    {
        var type = kind == SnmpPointKind.Bool || bit is not null ? City.Contract.Wire.PointType.Boolean
            : kind is SnmpPointKind.Text or SnmpPointKind.Bits ? City.Contract.Wire.PointType.Text : City.Contract.Wire.PointType.Number;
        return new SnmpPoint("tc1", "p", new SnmpPointSettings(Oid.Parse("1.3.6.1.4.1.1206.4.2.1.3.9.0"), kind), type, "", 1000, "")
        {
            Bit = bit,
            Scale = scale,
            Offset = offset,
        };
    }

    [Fact]
    public void Numbers_AreScaled_AndBitsAreBools()
    {
        Assert.True(SnmpPointDecoding.TryDecode(Point(SnmpPointKind.Number, scale: 0.5, offset: 1), SnmpValue.Gauge32(200), out var value, out _));
        Assert.Equal(101, value.Number);
        Assert.True(SnmpPointDecoding.TryDecode(Point(SnmpPointKind.Number, bit: 7), SnmpValue.Integer(0x80), out value, out _));
        Assert.True(value.Boolean);
        Assert.True(SnmpPointDecoding.TryDecode(Point(SnmpPointKind.Number), SnmpValue.Counter64(5_000_000_000), out value, out _));
        Assert.Equal(5_000_000_000, value.Number);
    }

    [Fact]
    public void TruthValue_BitsAndText()
    {
        Assert.True(SnmpPointDecoding.TryDecode(Point(SnmpPointKind.Bool), SnmpValue.Integer(1), out var value, out _));
        Assert.True(value.Boolean);
        Assert.True(SnmpPointDecoding.TryDecode(Point(SnmpPointKind.Bool), SnmpValue.Integer(2), out value, out _));
        Assert.False(value.Boolean);
        Assert.True(SnmpPointDecoding.TryDecode(Point(SnmpPointKind.Bits), SnmpValue.OctetString([0x90, 0x01]), out value, out _));
        Assert.Equal("0,3,15", value.Text);
        Assert.True(SnmpPointDecoding.TryDecode(Point(SnmpPointKind.Bits, bit: 3), SnmpValue.OctetString([0x90]), out value, out _));
        Assert.True(value.Boolean);
        Assert.True(SnmpPointDecoding.TryDecode(Point(SnmpPointKind.Bits, bit: 20), SnmpValue.OctetString([0xFF]), out value, out _));
        Assert.False(value.Boolean);
        Assert.True(SnmpPointDecoding.TryDecode(Point(SnmpPointKind.Text), SnmpValue.OctetString("TC-42 rue Nationale"), out value, out _));
        Assert.Equal("TC-42 rue Nationale", value.Text);
        Assert.True(SnmpPointDecoding.TryDecode(Point(SnmpPointKind.Text), SnmpValue.OctetString([0x00, 0x1B]), out value, out _));
        Assert.Equal("001B", value.Text);
    }

    [Fact]
    public void WrongTypesAndExceptions_AreErrorsNamedNotThrown()
    {
        Assert.False(SnmpPointDecoding.TryDecode(Point(SnmpPointKind.Number), SnmpValue.OctetString("x"), out _, out var error));
        Assert.Contains("OctetString", error, StringComparison.Ordinal);
        Assert.False(SnmpPointDecoding.TryDecode(Point(SnmpPointKind.Number), SnmpValue.NoSuchInstance, out _, out error));
        Assert.Equal("noSuchInstance", error);
        Assert.False(SnmpPointDecoding.TryDecode(Point(SnmpPointKind.Bits), SnmpValue.Integer(1), out _, out _));
    }

    [Fact]
    public void RandomValues_NeverThrow()
    {
        var random = new Random(1202);
        var kinds = new[] { SnmpPointKind.Number, SnmpPointKind.Bool, SnmpPointKind.Text, SnmpPointKind.Bits };
        for (var i = 0; i < 5000; i++)
        {
            var bytes = new byte[random.Next(0, 40)];
            random.NextBytes(bytes);
            var raw = random.Next(10) switch
            {
                0 => SnmpValue.Integer(random.Next(int.MinValue, int.MaxValue)),
                1 => SnmpValue.Counter32((uint)random.NextInt64(0, uint.MaxValue)),
                2 => SnmpValue.Counter64((ulong)random.NextInt64()),
                3 => SnmpValue.OctetString(bytes),
                4 => SnmpValue.Opaque(bytes),
                5 => SnmpValue.TimeTicks((uint)random.NextInt64(0, uint.MaxValue)),
                6 => SnmpValue.ObjectIdentifier(Oid.Parse("1.3.6.1")),
                7 => SnmpValue.Null,
                8 => SnmpValue.EndOfMibView,
                _ => SnmpValue.IpAddress(IPAddress.Loopback),
            };
            var kind = kinds[random.Next(kinds.Length)];
            int? bit = kind is SnmpPointKind.Number or SnmpPointKind.Bits && random.Next(2) == 0 ? random.Next(0, 64) : null;
            _ = SnmpPointDecoding.TryDecode(Point(kind, bit), raw, out _, out _);
        }
    }

    [Fact]
    public void Encode_FollowsTheObjectsType_AndInverseScaling()
    {
        Assert.True(SnmpPointDecoding.TryEncode(Point(SnmpPointKind.Number, scale: 0.1), PointWriteValue.FromNumber(2.5), SnmpValueType.Gauge32, out var encoded, out _));
        Assert.Equal(SnmpValue.Gauge32(25), encoded);
        Assert.False(SnmpPointDecoding.TryEncode(Point(SnmpPointKind.Number), PointWriteValue.FromNumber(-1), SnmpValueType.Gauge32, out _, out var error));
        Assert.Contains("does not fit", error, StringComparison.Ordinal);
        Assert.False(SnmpPointDecoding.TryEncode(Point(SnmpPointKind.Number), PointWriteValue.FromNumber(1.5), SnmpValueType.Integer, out _, out error));
        Assert.Contains("not an integer", error, StringComparison.Ordinal);
        Assert.True(SnmpPointDecoding.TryEncode(Point(SnmpPointKind.Bool), PointWriteValue.FromBoolean(false), SnmpValueType.Integer, out encoded, out _));
        Assert.Equal(SnmpValue.Integer(2), encoded);
        Assert.True(SnmpPointDecoding.TryEncode(Point(SnmpPointKind.Text), PointWriteValue.FromText("stop"), SnmpValueType.OctetString, out encoded, out _));
        Assert.Equal(SnmpValue.OctetString("stop"), encoded);
        Assert.False(SnmpPointDecoding.TryEncode(Point(SnmpPointKind.Text), PointWriteValue.FromText("stop"), SnmpValueType.Integer, out _, out _));
    }

    [Fact]
    public async Task TrapListenPortInUse_IsLogged_AndTheListenerEndsWithoutFailing()
    {
        using var taken = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var values = SnmpConfigTests.Base();
        values["Edge:Snmp:TrapListen"] = taken.Client.LocalEndPoint!.ToString();
        var (ok, settings, errors) = TestConfig.Load(values);
        Assert.True(ok, string.Join("\n", errors));
        await using var runtime = new SnmpRuntime(TimeProvider.System);
        var listener = new SnmpTrapListener(settings, runtime, new ReadingQueue(), new EdgeState("gw-001", DateTimeOffset.UtcNow, settings.Devices), TimeProvider.System, NullLogger<SnmpTrapListener>.Instance);

        await listener.StartAsync(CancellationToken.None);
        await listener.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(listener.ExecuteTask.IsCompletedSuccessfully);
        Assert.False(listener.Listening.IsCompleted);
        await listener.StopAsync(CancellationToken.None);
    }
}
