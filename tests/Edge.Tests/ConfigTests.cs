using System.Collections;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Modbus;
using Microsoft.Extensions.Configuration;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Tests;

public class ConfigTests
{
    [Fact]
    public void ValidConfig_Loads_WithPointsReadyToPoll()
    {
        var (ok, settings, errors) = TestConfig.Load(TestConfig.Valid());

        Assert.True(ok, string.Join("\n", errors));
        var device = Assert.Single(settings.Devices);
        Assert.Equal("127.0.0.1:5020", device.Endpoint);
        Assert.Equal(["meter1/voltage", "meter1/current", "meter1/energy"], device.Points.Select(p => p.Id));
        Assert.Equal(RegisterDataType.UInt64, device.ModbusPoints[2].DataType);
        Assert.Equal(4, device.ModbusPoints[2].Width);
    }

    [Fact]
    public void ShippedAppSettings_IsValid()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        Assert.True(File.Exists(path), "appsettings.json must be copied next to the binary");
        // What a cabinet adds: its id and the files 'central pki issue-gateway' wrote for it.
        using var pki = TestCertificates.CreateAuthority("shipped-settings-ca");
        var (certFile, keyFile) = pki.IssueClientFiles("gw-017");
        var config = new ConfigurationBuilder().AddJsonFile(path)
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Edge:GatewayId"] = "gw-017",
                ["Edge:Central:Tls:CaFile"] = pki.CaFile,
                ["Edge:Central:Tls:CertFile"] = certFile,
                ["Edge:Central:Tls:KeyFile"] = keyFile,
            }).Build();

        Assert.True(EdgeConfigLoader.TryLoad(config, EdgeProtocols.All, out var settings, out var errors), string.Join("\n", errors));
        Assert.Equal(6, settings.Devices[0].Points.Count);
        Assert.Equal(("tc1", false, "traffic-controller"), (settings.Devices[1].Name, settings.Devices[1].Enabled, settings.Devices[1].Profile));
        Assert.Equal(("meter3", false, "sdm630"), (settings.Devices[2].Name, settings.Devices[2].Enabled, settings.Devices[2].Profile));
    }

    [Fact]
    public void ShippedAppSettings_SetsNoGatewayIdAndNoCertificate_SoACabinetThatForgetsEitherIsRefused()
    {
        var config = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();

        Assert.False(EdgeConfigLoader.TryLoad(config, EdgeProtocols.All, out _, out var errors));
        Assert.Equal(2, errors.Count);
        Assert.StartsWith("Edge:GatewayId: missing", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("Edge:Central:Tls: not configured", errors[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Edge:Devices:0:Points:2:Register", "70000", "Edge:Devices:0:Points:2:Register: must be 0-65535 (got 70000)")]
    [InlineData("Edge:Devices:0:Points:2:Register", "65534", "Edge:Devices:0:Points:2:Register: a uint64 at 65534 runs past register 65535")]
    [InlineData("Edge:Devices:0:Points:1:Table", "coilz", "Edge:Devices:0:Points:1:Table: must be 'input', 'holding', 'coil' or 'discrete' (got 'coilz')")]
    [InlineData("Edge:Devices:0:Points:0:DataType", "float16", "Edge:Devices:0:Points:0:DataType: must be one of")]
    [InlineData("Edge:Devices:0:Points:0:WordOrder", "ACBD", "Edge:Devices:0:Points:0:WordOrder: must be one of ABCD, CDAB, BADC, DCBA")]
    [InlineData("Edge:Devices:0:Points:0:PeriodMs", "0", "Edge:Devices:0:Points:0:PeriodMs: must be 10-")]
    [InlineData("Edge:Devices:0:Points:0:Scale", "0", "Edge:Devices:0:Points:0:Scale: must be a finite non-zero number")]
    [InlineData("Edge:Devices:0:UnitId", "256", "Edge:Devices:0:UnitId: must be 0-255 (got 256)")]
    [InlineData("Edge:Devices:0:Protocol", "bacnet", "Edge:Devices:0:Protocol: must be 'modbus-tcp'")]
    [InlineData("Edge:Devices:0:Line", "bus1", "Edge:Devices:0:Line: only a modbus-rtu device may set Line")]
    [InlineData("Edge:GatewayId", "gw 1", "Edge:GatewayId: must be 1-64 characters")]
    [InlineData("Edge:Central:Port", "0", "Edge:Central:Port: must be 1-65535 (got 0)")]
    [InlineData("Edge:Central:ReconnectMaxDelayMs", "100", "Edge:Central:ReconnectMaxDelayMs: must be >= ReconnectMinDelayMs")]
    [InlineData("Edge:Buffer:MaxBytes", "1000", "Edge:Buffer:MaxBytes: must be at least 1048576")]
    [InlineData("Edge:Buffer:MaxReadingsPerBatch", "0", "Edge:Buffer:MaxReadingsPerBatch: must be 1-100000")]
    public void InvalidValue_IsReported_WithItsKey(string key, string value, string expected)
    {
        var values = TestConfig.Valid();
        values[key] = value;

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void NotANumber_IsReported_WithItsKey_NotAStackTrace()
    {
        var values = TestConfig.Valid();
        values["Edge:Central:Port"] = "abc";

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Contains("Edge:Central:Port", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownKey_IsReported()
    {
        var values = TestConfig.Valid();
        values["Edge:Devices:0:Points:0:Regster"] = "4";

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        var error = Assert.Single(errors);
        Assert.True(error.Contains("Regster", StringComparison.Ordinal), error);
    }

    [Fact]
    public void DuplicateNames_AreReported()
    {
        var values = TestConfig.Valid();
        values["Edge:Devices:0:Points:1:Name"] = "voltage";

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Contains("Edge:Devices:0:Points:1:Name: 'voltage' is used by another point of device 'meter1'", errors);
    }

    [Fact]
    public void Sources_EnvironmentBothStyles_AndCommandLineWins()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("appsettings.json"), """{ "Edge": { "GatewayId": "from-file", "Central": { "Port": 1883 } } }""");
        var env = new Hashtable
        {
            ["EDGE_Central__Host"] = "broker.local",
            ["Edge__Central__Port"] = "1884",
            ["EDGE_GatewayId"] = "from-env",
        };
        var builder = new ConfigurationBuilder();

        EdgeConfigurationSources.Configure(builder, ["--Edge:GatewayId=from-cli"], dir.Path, env);
        var config = builder.Build();

        Assert.Equal("from-cli", config["Edge:GatewayId"]);
        Assert.Equal("broker.local", config["Edge:Central:Host"]);
        Assert.Equal("1884", config["Edge:Central:Port"]);
    }

    [Fact]
    public void ConfigFile_ReplacesDefaultDevices_InsteadOfMergingByIndex()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("appsettings.json"), """
            { "Edge": { "GatewayId": "gw-default", "Devices": [ { "Name": "meter1", "Points": [ { "Name": "a" }, { "Name": "b" }, { "Name": "c" } ] } ] } }
            """);
        File.WriteAllText(dir.File("site.json"), """
            { "Edge": { "GatewayId": "gw-site", "Devices": [ { "Name": "lamp", "Points": [ { "Name": "level" } ] } ] } }
            """);
        var builder = new ConfigurationBuilder();

        EdgeConfigurationSources.Configure(builder, ["--config", dir.File("site.json")], dir.Path, new Hashtable());
        var config = builder.Build();

        Assert.Equal("gw-site", config["Edge:GatewayId"]);
        Assert.Equal("lamp", config["Edge:Devices:0:Name"]);
        Assert.Null(config["Edge:Devices:0:Points:1:Name"]);
    }

    [Fact]
    public void ConfigFile_EmptyList_OrAnotherList_ReplacesTheDefaultOne()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("appsettings.json"), """
            { "Edge": { "GatewayId": "gw-default", "Devices": [ { "Name": "meter1" } ],
              "SerialLines": [ { "Name": "bus1", "Port": "/dev/ttyUSB0" }, { "Name": "bus2", "Port": "/dev/ttyUSB1" } ] } }
            """);
        File.WriteAllText(dir.File("site.json"), """
            { "Edge": { "Devices": [], "SerialLines": [ { "Name": "rs485", "Port": "/dev/ttyS1" } ] } }
            """);
        var builder = new ConfigurationBuilder();

        EdgeConfigurationSources.Configure(builder, ["--config", dir.File("site.json")], dir.Path, new Hashtable());
        var config = builder.Build();

        Assert.Null(config["Edge:Devices:0:Name"]);
        Assert.Equal(("rs485", null), (config["Edge:SerialLines:0:Name"], config["Edge:SerialLines:1:Name"]));
        Assert.Equal("gw-default", config["Edge:GatewayId"]);
    }

    [Fact]
    public void ConfigFile_Missing_OrMalformed_IsAConfigurationError()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("bad.json"), "{ \"Edge\": ");

        Assert.Throws<EdgeConfigurationSources.ConfigurationFileException>(() =>
            EdgeConfigurationSources.Configure(new ConfigurationBuilder(), ["--config", dir.File("missing.json")], dir.Path, new Hashtable()));
        Assert.Throws<EdgeConfigurationSources.ConfigurationFileException>(() =>
            EdgeConfigurationSources.Configure(new ConfigurationBuilder(), ["--config=" + dir.File("bad.json")], dir.Path, new Hashtable()));
    }
}
