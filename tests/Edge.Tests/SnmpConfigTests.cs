using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Snmp;
using City.Protocols.Snmp;

namespace City.Edge.Tests;

public sealed class SnmpConfigTests
{
    internal static Dictionary<string, string?> Base(int port = 161) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Edge:GatewayId"] = "gw-001",
        ["Edge:Central:AllowPlain"] = "true",
        ["Edge:Buffer:Path"] = "data/edge-buffer.db",
        ["Edge:LocalApi:SocketPath"] = "data/edgectl.sock",
        ["Edge:Devices:0:Name"] = "tc1",
        ["Edge:Devices:0:Protocol"] = "snmp",
        ["Edge:Devices:0:Host"] = "127.0.0.1",
        ["Edge:Devices:0:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Edge:Devices:0:Profile"] = "ntcip1202",
        ["Edge:Devices:0:User"] = SnmpTestAgent.V3User,
        ["Edge:Devices:0:AuthProtocol"] = "SHA-256",
        ["Edge:Devices:0:AuthPassword"] = SnmpTestAgent.V3AuthPassword,
        ["Edge:Devices:0:PrivProtocol"] = "AES",
        ["Edge:Devices:0:PrivPassword"] = SnmpTestAgent.V3PrivPassword,
    };

    [Fact]
    public void Ntcip1202Device_Loads_WithTableRowsAndAlarmBitsAndAnEventPoint()
    {
        var (ok, settings, errors) = TestConfig.Load(Base());

        Assert.True(ok, string.Join("\n", errors));
        var device = Assert.Single(settings.Devices);
        Assert.Equal(SnmpDeviceConfig.SnmpProtocol, device.Protocol);
        Assert.Equal(SnmpVersion.V3, device.SnmpSettings!.Endpoint.Version);
        Assert.Equal(SnmpSecurityLevel.AuthPriv, device.SnmpSettings!.Endpoint.SecurityLevel);
        var volume3 = device.SnmpPoints.Single(p => p.Id == "tc1/detector-volume/3");
        Assert.Equal(Oid.Parse(Ntcip1202Profile.VolumeOccupancyEntry + ".1.3"), volume3.Snmp!.Oid);
        var critical = device.SnmpPoints.Single(p => p.Name == "alarm-critical");
        Assert.Equal(7, critical.Bit);
        Assert.True(critical.Snmp!.Alarm);
        Assert.Equal(City.Contract.Wire.PointType.Boolean, critical.PointType);
        Assert.Contains(device.Points, p => p.Id == "$edge/snmp/tc1/events" && p.PointType == City.Contract.Wire.PointType.Text);
    }

    [Fact]
    public void V2cDevice_WithOwnPoints_Loads()
    {
        var values = Base();
        foreach (var key in new[] { "Profile", "User", "AuthProtocol", "AuthPassword", "PrivProtocol", "PrivPassword" })
        {
            values.Remove($"Edge:Devices:0:{key}");
        }

        values["Edge:Devices:0:Version"] = "2c";
        values["Edge:Devices:0:Community"] = "public";
        values["Edge:Devices:0:Points:0:Name"] = "uptime";
        values["Edge:Devices:0:Points:0:Oid"] = "1.3.6.1.2.1.1.3.0";
        values["Edge:Devices:0:Points:0:Scale"] = "0.01";
        values["Edge:Devices:0:Points:0:Unit"] = "s";

        var (ok, settings, errors) = TestConfig.Load(values);

        Assert.True(ok, string.Join("\n", errors));
        Assert.Equal(SnmpVersion.V2c, settings.Devices[0].SnmpSettings!.Endpoint.Version);
        Assert.Equal(0.01, settings.Devices[0].SnmpPoints[0].Scale);
    }

    [Theory]
    [InlineData("Edge:Devices:0:Version", "4", "Edge:Devices:0:Version: must be 3, 2c or 1")]
    [InlineData("Edge:Devices:0:AuthProtocol", "SHA-3", "Edge:Devices:0:AuthProtocol: must be MD5, SHA")]
    [InlineData("Edge:Devices:0:PrivProtocol", "DES", "Edge:Devices:0:PrivProtocol: must be AES")]
    [InlineData("Edge:Devices:0:AuthPassword", "short", "Edge:Devices:0:AuthPassword: must be at least 8 characters")]
    [InlineData("Edge:Devices:0:User", "", "Edge:Devices:0:User: an SNMPv3 device needs a User")]
    [InlineData("Edge:Devices:0:Community", "public", "Edge:Devices:0:Community: an SNMPv3 device has no Community")]
    [InlineData("Edge:Devices:0:SecurityLevel", "superPriv", "Edge:Devices:0:SecurityLevel: must be noAuthNoPriv")]
    [InlineData("Edge:Devices:0:Host", "tc1.example", "Edge:Devices:0:Host: an snmp device needs an IP address")]
    [InlineData("Edge:Devices:0:Port", "70000", "Edge:Devices:0:Port: must be 1-65535")]
    [InlineData("Edge:Devices:0:TimeoutMs", "0", "Edge:Devices:0:TimeoutMs: must be 10-60000")]
    [InlineData("Edge:Devices:0:MaxRepetitions", "0", "Edge:Devices:0:MaxRepetitions: must be 1-1000")]
    [InlineData("Edge:Devices:0:Profile", "ntcip1203", "Edge:Devices:0:Profile: no snmp profile named 'ntcip1203'")]
    [InlineData("Edge:Devices:0:Points:0:Oid", "1.3.x", "Edge:Devices:0:Points:0:Oid: an snmp point needs an OID")]
    [InlineData("Edge:Devices:0:Points:0:DataType", "float32", "Edge:Devices:0:Points:0:DataType: an snmp point is number, bool, text or bits")]
    [InlineData("Edge:Devices:0:Points:0:Register", "3", "Edge:Devices:0:Points:0: Register, Table, Length and WordOrder are Modbus settings")]
    [InlineData("Edge:Devices:0:Points:0:Rows", "0", "Edge:Devices:0:Points:0:Rows: must be 1-1024")]
    [InlineData("Edge:Devices:0:Points:0:Alarm", "true", "Edge:Devices:0:Points:0:Alarm: only a bool point")]
    [InlineData("Edge:Devices:0:Points:0:Name", "unit-control-status", "Edge:Devices:0:Points:0:Name: 'unit-control-status' is used by another point")]
    [InlineData("Edge:Snmp:TrapListen", "localhost", "Edge:Snmp:TrapListen: must be address:port")]
    [InlineData("Edge:Snmp:TrapPort", "162", "Edge:Snmp:TrapPort: unknown setting")]
    public void InvalidSetting_IsReported_WithItsKey(string key, string value, string expected)
    {
        var values = Base();
        values["Edge:Devices:0:Points:0:Name"] = "extra";
        values["Edge:Devices:0:Points:0:Oid"] = "1.3.6.1.2.1.1.3.0";
        values[key] = value;

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Edge:Devices:0:Community", "public", "Edge:Devices:0:Community: only an snmp device has a Community")]
    [InlineData("Edge:Devices:0:Points:0:Oid", "1.3.6.1.2.1.1.3.0", "Edge:Devices:0:Points:0: Oid, Rows and Alarm are snmp settings")]
    public void SnmpKeysOnAModbusDevice_AreErrors(string key, string value, string expected)
    {
        var values = TestConfig.Valid();
        values[key] = value;

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void PasswordErrors_NeverShowThePassword()
    {
        var values = Base();
        values["Edge:Devices:0:PrivPassword"] = "secret7";
        values["Edge:Devices:0:AuthProtocol"] = "nope";

        var (ok, _, errors) = TestConfig.Load(values);
        values["Edge:Devices:0:AuthProtocol"] = "SHA-256";
        var (ok2, _, errors2) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.False(ok2);
        Assert.Contains(errors2, e => e.StartsWith("Edge:Devices:0:PrivPassword: must be at least 8", StringComparison.Ordinal));
        Assert.DoesNotContain(errors.Concat(errors2), e => e.Contains("secret7", StringComparison.Ordinal) || e.Contains(SnmpTestAgent.V3AuthPassword, StringComparison.Ordinal));
    }
}
