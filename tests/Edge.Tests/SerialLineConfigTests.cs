using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Modbus;

namespace City.Edge.Tests;

/// <summary>Edge:SerialLines and modbus-rtu devices: loading and every message naming its key.</summary>
public class SerialLineConfigTests
{
    private static Dictionary<string, string?> WithRtuDevice()
    {
        var values = TestConfig.Valid();
        values["Edge:SerialLines:0:Name"] = "bus1";
        values["Edge:SerialLines:0:Port"] = "/dev/ttyUSB0";
        values["Edge:Devices:1:Name"] = "pump1";
        values["Edge:Devices:1:Protocol"] = "modbus-rtu";
        values["Edge:Devices:1:Line"] = "bus1";
        values["Edge:Devices:1:UnitId"] = "7";
        values["Edge:Devices:1:Points:0:Name"] = "speed";
        values["Edge:Devices:1:Points:0:Register"] = "3";
        return values;
    }

    [Fact]
    public void RtuDevice_Loads_WithItsLine_AndTheLineDefaults()
    {
        var (ok, settings, errors) = TestConfig.Load(WithRtuDevice());

        Assert.True(ok, string.Join("\n", errors));
        var tcp = settings.Devices[0];
        Assert.Equal("modbus-tcp", tcp.Protocol);
        Assert.Null(tcp.SerialLine);
        Assert.Equal(TimeSpan.FromSeconds(1), tcp.Timeout);
        Assert.Equal(5020, tcp.Port);
        var rtu = settings.Devices[1];
        Assert.Equal("modbus-rtu", rtu.Protocol);
        Assert.Equal(7, rtu.UnitId);
        var line = Assert.IsType<SerialLineDefinition>(rtu.SerialLine);
        Assert.Equal(new SerialLineDefinition("bus1", "/dev/ttyUSB0", 19200, System.IO.Ports.Parity.Even, 8, System.IO.Ports.StopBits.One, TimeSpan.FromMilliseconds(500)), line);
        Assert.Equal(line.Timeout, rtu.Timeout);
        Assert.Equal("/dev/ttyUSB0 (bus1) unit 7", rtu.Endpoint);
    }

    [Fact]
    public void TcpDevice_WithoutPort_DefaultsTo502()
    {
        var values = TestConfig.Valid();
        values.Remove("Edge:Devices:0:Port");

        var (ok, settings, errors) = TestConfig.Load(values);

        Assert.True(ok, string.Join("\n", errors));
        Assert.Equal(502, settings.Devices[0].Port);
    }

    [Theory]
    [InlineData("Edge:Devices:1:Line", "bus9", "Edge:Devices:1:Line: no serial line named 'bus9' in Edge:SerialLines (known: bus1)")]
    [InlineData("Edge:Devices:1:Line", "", "Edge:Devices:1:Line: a modbus-rtu device needs the name of one of Edge:SerialLines")]
    [InlineData("Edge:Devices:1:UnitId", "0", "Edge:Devices:1:UnitId: must be 1-247 (got 0)")]
    [InlineData("Edge:Devices:1:UnitId", "248", "Edge:Devices:1:UnitId: must be 1-247 (got 248)")]
    [InlineData("Edge:Devices:1:Host", "10.0.0.5", "Edge:Devices:1:Host: a modbus-rtu device must not set Host")]
    [InlineData("Edge:Devices:1:Port", "502", "Edge:Devices:1:Port: a modbus-rtu device must not set Port")]
    [InlineData("Edge:Devices:1:TimeoutMs", "1000", "Edge:Devices:1:TimeoutMs: a modbus-rtu device must not set TimeoutMs")]
    [InlineData("Edge:Devices:0:Line", "bus1", "Edge:Devices:0:Line: only a modbus-rtu device may set Line (this one is 'modbus-tcp')")]
    [InlineData("Edge:SerialLines:0:Name", "bus 1", "Edge:SerialLines:0:Name: must be 1-64 characters")]
    [InlineData("Edge:SerialLines:0:Port", "", "Edge:SerialLines:0:Port: must not be empty")]
    [InlineData("Edge:SerialLines:0:BaudRate", "0", "Edge:SerialLines:0:BaudRate: must be 300-1000000 (got 0)")]
    [InlineData("Edge:SerialLines:0:Parity", "mark", "Edge:SerialLines:0:Parity: must be even, odd or none (got 'mark')")]
    [InlineData("Edge:SerialLines:0:DataBits", "9", "Edge:SerialLines:0:DataBits: must be 7-8 (got 9)")]
    [InlineData("Edge:SerialLines:0:StopBits", "3", "Edge:SerialLines:0:StopBits: must be 1 or 2 (got 3)")]
    [InlineData("Edge:SerialLines:0:TimeoutMs", "0", "Edge:SerialLines:0:TimeoutMs: must be 10-60000 (got 0)")]
    [InlineData("Edge:SerialLines:0:Speed", "9600", "Edge:SerialLines:0:Speed: unknown setting")]
    public void InvalidRtuValue_IsReported_WithItsKey(string key, string value, string expected)
    {
        var values = WithRtuDevice();
        values[key] = value;

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void TwoLinesOnOnePort_AreRefused()
    {
        var values = WithRtuDevice();
        values["Edge:SerialLines:1:Name"] = "bus2";
        values["Edge:SerialLines:1:Port"] = "/dev/ttyUSB0";

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Contains("Edge:SerialLines:1:Port: '/dev/ttyUSB0' is used by another serial line (one master per port)", errors);
    }
}
