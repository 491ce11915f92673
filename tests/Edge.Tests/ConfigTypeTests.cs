using System.Collections;
using System.Reflection;
using City.Edge.Configuration;
using City.Edge.Dali;
using City.Edge.Devices;
using Microsoft.Extensions.Configuration;

namespace City.Edge.Tests;

/// <summary>
/// Values of the wrong type, at any depth: each one is a configuration error naming its full key and the expected type,
/// never a silently dropped device or point, never the binder's own text.
/// </summary>
public class ConfigTypeTests
{
    [Theory]
    [InlineData("Edge:Devices:0:Port", "abc", "Edge:Devices:0:Port: must be an integer 1-65535 (got 'abc')")]
    [InlineData("Edge:Devices:0:Enabled", "maybe", "Edge:Devices:0:Enabled: must be true or false (got 'maybe')")]
    [InlineData("Edge:Devices:0:Points:1:Register", "8a", "Edge:Devices:0:Points:1:Register: must be an integer 0-65535 (got '8a')")]
    [InlineData("Edge:Devices:0:Points:0:PeriodMs", "fast", "Edge:Devices:0:Points:0:PeriodMs: must be an integer 10-86400000 (got 'fast')")]
    public void WrongTypeInAList_IsAnError_NotADroppedEntry(string key, string value, string expected)
    {
        var values = TestConfig.Valid();
        values[key] = value;

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Equal([expected], errors);
    }

    [Theory]
    // Central (the MQTT connection), Buffer, LocalApi, Snmp
    [InlineData("Edge:Central:Port", "1883x", "Edge:Central:Port: must be an integer 1-65535 (got '1883x')")]
    [InlineData("Edge:Central:AllowPlain", "yes", "Edge:Central:AllowPlain: must be true or false (got 'yes')")]
    [InlineData("Edge:Central:KeepAliveSeconds", "15s", "Edge:Central:KeepAliveSeconds: must be an integer 1-65535 (got '15s')")]
    [InlineData("Edge:Central:AckTimeoutSeconds", "1.5", "Edge:Central:AckTimeoutSeconds: must be an integer 1-3600 (got '1.5')")]
    [InlineData("Edge:Central:MaxInFlightBatches", "many", "Edge:Central:MaxInFlightBatches: must be an integer 1-1000 (got 'many')")]
    [InlineData("Edge:Central:ReconnectMinDelayMs", "", "Edge:Central:ReconnectMinDelayMs: must be an integer 1-3600000 (got '')")]
    [InlineData("Edge:Central:ReconnectMaxDelayMs", "99999999999", "Edge:Central:ReconnectMaxDelayMs: must be an integer 1-3600000 (got '99999999999')")]
    [InlineData("Edge:Buffer:MaxBytes", "1GB", "Edge:Buffer:MaxBytes: must be an integer of at least 65536 (got '1GB')")]
    [InlineData("Edge:Buffer:FlushIntervalMs", "0x10", "Edge:Buffer:FlushIntervalMs: must be an integer 10-600000 (got '0x10')")]
    [InlineData("Edge:Buffer:MaxReadingsPerBatch", "-", "Edge:Buffer:MaxReadingsPerBatch: must be an integer 1-100000 (got '-')")]
    [InlineData("Edge:LocalApi:SocketPath:Dir", "/tmp", "Edge:LocalApi:SocketPath: must be a text value (got a section with Dir)")]
    [InlineData("Edge:Snmp:TrapListen:0", "127.0.0.1", "Edge:Snmp:TrapListen: must be a text value (got a section with 0)")]
    [InlineData("Edge:Central", "broker", "Edge:Central: must be a section of Host, Port, Tls, AllowPlain, KeepAliveSeconds, AckTimeoutSeconds, MaxInFlightBatches, ReconnectMinDelayMs, ReconnectMaxDelayMs (got 'broker')")]
    // Modbus TCP / RTU devices
    [InlineData("Edge:Devices:0:UnitId", "one", "Edge:Devices:0:UnitId: must be an integer 0-255 (got 'one')")]
    [InlineData("Edge:Devices:0:TimeoutMs", "1s", "Edge:Devices:0:TimeoutMs: must be an integer 1-600000 (got '1s')")]
    [InlineData("Edge:Devices:0:MaxRegistersPerRequest", "12.5", "Edge:Devices:0:MaxRegistersPerRequest: must be an integer 1-125 (got '12.5')")]
    [InlineData("Edge:Devices:0:MaxBitsPerRequest", "all", "Edge:Devices:0:MaxBitsPerRequest: must be an integer 1-2000 (got 'all')")]
    [InlineData("Edge:Devices:0:MaxInsert", "none", "Edge:Devices:0:MaxInsert: must be an integer 0-65535 (got 'none')")]
    [InlineData("Edge:Devices:0:PauseAfterConnectMs", "short", "Edge:Devices:0:PauseAfterConnectMs: must be an integer 0-60000 (got 'short')")]
    [InlineData("Edge:Devices:0:PauseBetweenRequestsMs", "10ms", "Edge:Devices:0:PauseBetweenRequestsMs: must be an integer 0-60000 (got '10ms')")]
    [InlineData("Edge:Devices:0:Retries", "twice", "Edge:Devices:0:Retries: must be an integer 0-10 (got 'twice')")]
    [InlineData("Edge:Devices:0:Name:First", "x", "Edge:Devices:0:Name: must be a text value (got a section with First)")]
    [InlineData("Edge:Devices:0:Points", "voltage", "Edge:Devices:0:Points: must be a list (got 'voltage')")]
    [InlineData("Edge:Devices:0:Points:voltage:Register", "1", "Edge:Devices:0:Points:voltage: not a list index (Edge:Devices:0:Points is a list: its keys are 0, 1, 2...)")]
    [InlineData("Edge:Devices:0:Points:4:Name", "gap", "Edge:Devices:0:Points:4: Edge:Devices:0:Points:3 is missing (a list's indexes run 0, 1, 2... without a gap)")]
    // Modbus points
    [InlineData("Edge:Devices:0:Points:2:Scale", "ten", "Edge:Devices:0:Points:2:Scale: must be a number (got 'ten')")]
    [InlineData("Edge:Devices:0:Points:2:Offset", "1,5", "Edge:Devices:0:Points:2:Offset: must be a number (got '1,5')")]
    [InlineData("Edge:Devices:0:Points:2:Bit", "b3", "Edge:Devices:0:Points:2:Bit: must be an integer 0-1023 (got 'b3')")]
    [InlineData("Edge:Devices:0:Points:2:Length", "long", "Edge:Devices:0:Points:2:Length: must be an integer 1-125 (got 'long')")]
    [InlineData("Edge:Devices:0:Points:2:Writable", "1", "Edge:Devices:0:Points:2:Writable: must be true or false (got '1')")]
    // SNMP devices and points
    [InlineData("Edge:Devices:0:MaxRepetitions", "ten", "Edge:Devices:0:MaxRepetitions: must be an integer 1-1000 (got 'ten')")]
    [InlineData("Edge:Devices:0:Points:1:Rows", "all", "Edge:Devices:0:Points:1:Rows: must be an integer 1-1024 (got 'all')")]
    [InlineData("Edge:Devices:0:Points:1:Alarm", "on", "Edge:Devices:0:Points:1:Alarm: must be true or false (got 'on')")]
    // Serial lines
    [InlineData("Edge:SerialLines:0:BaudRate", "9600baud", "Edge:SerialLines:0:BaudRate: must be an integer 300-1000000 (got '9600baud')")]
    [InlineData("Edge:SerialLines:0:DataBits", "eight", "Edge:SerialLines:0:DataBits: must be an integer 7-8 (got 'eight')")]
    [InlineData("Edge:SerialLines:0:StopBits", "1.5", "Edge:SerialLines:0:StopBits: must be an integer 1-2 (got '1.5')")]
    [InlineData("Edge:SerialLines:0:TimeoutMs", "slow", "Edge:SerialLines:0:TimeoutMs: must be an integer 10-60000 (got 'slow')")]
    // DALI lines and their gear
    [InlineData("Edge:DaliLines:0:Enabled", "maybe", "Edge:DaliLines:0:Enabled: must be true or false (got 'maybe')")]
    [InlineData("Edge:DaliLines:0:StatusPeriodMs", "10s", "Edge:DaliLines:0:StatusPeriodMs: must be an integer 100-86400000 (got '10s')")]
    [InlineData("Edge:DaliLines:0:EnergyPeriodMs", "5m", "Edge:DaliLines:0:EnergyPeriodMs: must be an integer 1000-86400000 (got '5m')")]
    [InlineData("Edge:DaliLines:0:DiscoveryPeriodMs", "never", "Edge:DaliLines:0:DiscoveryPeriodMs: must be an integer 1000-86400000 (got 'never')")]
    [InlineData("Edge:DaliLines:0:InterfaceTimeoutMs", "1s", "Edge:DaliLines:0:InterfaceTimeoutMs: must be an integer 50-60000 (got '1s')")]
    [InlineData("Edge:DaliLines:0:AnswerWindowMs", "40ms", "Edge:DaliLines:0:AnswerWindowMs: must be an integer 10-1000 (got '40ms')")]
    [InlineData("Edge:DaliLines:0:ProgramGroups", "no", "Edge:DaliLines:0:ProgramGroups: must be true or false (got 'no')")]
    [InlineData("Edge:DaliLines:0:Gear:1:Address", "A1", "Edge:DaliLines:0:Gear:1:Address: must be an integer 0-63 (got 'A1')")]
    [InlineData("Edge:DaliLines:0:Gear:0:Groups:1", "g2", "Edge:DaliLines:0:Gear:0:Groups:1: must be an integer 0-15 (got 'g2')")]
    [InlineData("Edge:DaliLines:0:Gear:0:RatedPowerW", "40W", "Edge:DaliLines:0:Gear:0:RatedPowerW: must be a number (got '40W')")]
    [InlineData("Edge:DaliLines:0:Gear:0:Adress", "3", "Edge:DaliLines:0:Gear:0:Adress: unknown setting (valid here: Address, Groups, Location, RatedPowerW, PoleId, Latitude, Longitude, LuminaireModel, ReplacedPowerW, InstalledOn, RatedLifeHours)")]
    public void WrongType_AnywhereInTheTree_NamesTheKeyAndTheExpectedType(string key, string value, string expected)
    {
        var values = WithEverySection();
        values[key] = value;

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Equal([expected], errors);
    }

    [Fact]
    public void EverySectionWithoutMistakes_Loads()
    {
        var (ok, settings, errors) = TestConfig.Load(WithEverySection());

        Assert.True(ok, string.Join("\n", errors));
        Assert.Equal(["meter1", "rtu1", "tc1", "dali1"], settings.Devices.Select(d => d.Name)); // a DALI line is a device of protocol dali
        Assert.Equal(2, Assert.Single(settings.DaliLines).Gear.Count);
    }

    [Fact]
    public void SeveralWrongTypes_AreAllReported()
    {
        var values = TestConfig.Valid();
        values["Edge:Devices:0:Port"] = "abc";
        values["Edge:Devices:0:Points:1:Register"] = "8a";
        values["Edge:Central:AllowPlain"] = "maybe";
        values["Edge:Devices:0:Points:2:Regster"] = "6";

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok);
        Assert.Equal(4, errors.Count);
        Assert.Contains("Edge:Devices:0:Points:1:Register: must be an integer 0-65535 (got '8a')", errors);
        Assert.Contains(errors, e => e.StartsWith("Edge:Devices:0:Points:2:Regster: unknown setting (valid here: Name, Register,", StringComparison.Ordinal));
    }

    [Fact]
    public void CaseDuplicateKey_NamesBothSpellingsAndThePath()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("site.json"), """
            { "Edge": { "GatewayId": "gw1", "Devices": [ { "Name": "m1", "Host": "127.0.0.1", "Port": 502, "port": 503, "Points": [ { "Name": "a", "Register": 1 } ] } ] } }
            """);

        var ex = Assert.Throws<EdgeConfigurationSources.ConfigurationFileException>(() =>
            EdgeConfigurationSources.Configure(new ConfigurationBuilder(), ["--config", dir.File("site.json")], dir.Path, new Hashtable()));

        Assert.Contains("Edge:Devices:0: 'Port' and 'port' are the same key (keys are not case-sensitive); keep one", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeySetTwice_IsNamed_AndBrokenJsonIsStillNotValidJson()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("twice.json"), """{ "Edge": { "GatewayId": "gw1", "GatewayId": "gw2" } }""");
        File.WriteAllText(dir.File("broken.json"), """{ "Edge": { "GatewayId": "gw1", } """);

        var twice = Assert.Throws<EdgeConfigurationSources.ConfigurationFileException>(() =>
            EdgeConfigurationSources.Configure(new ConfigurationBuilder(), ["--config", dir.File("twice.json")], dir.Path, new Hashtable()));
        var broken = Assert.Throws<EdgeConfigurationSources.ConfigurationFileException>(() =>
            EdgeConfigurationSources.Configure(new ConfigurationBuilder(), ["--config", dir.File("broken.json")], dir.Path, new Hashtable()));

        Assert.Contains("Edge: 'GatewayId' is set twice; keep one", twice.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", broken.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_CoversEveryOptionsProperty_WithItsType()
    {
        // The core's keys, then each protocol's: its device and point keys (bound to its own options) and its own sections.
        var core = EdgeConfigSchema.For([]);
        var coreKeys = typeof(EdgeOptions).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).ToList();
        Assert.Equal(coreKeys.Order(StringComparer.Ordinal), core.Settings.Select(s => s.Name).Order(StringComparer.Ordinal));
        foreach (var (driver, deviceOptions, sections) in new (IProtocolDriver, Type?, (string Key, Type Options)[])[]
        {
            (new City.Edge.Modbus.ModbusDriver(), typeof(City.Edge.Modbus.ModbusDeviceOptions), [("SerialLines", typeof(City.Edge.Modbus.SerialLineOptions))]),
            (new City.Edge.Snmp.SnmpDriver(), typeof(City.Edge.Snmp.SnmpDeviceOptions), [("Snmp", typeof(City.Edge.Snmp.SnmpEdgeOptions))]),
            (new City.Edge.Dali.DaliDriver(), null, [("DaliLines", typeof(City.Edge.Dali.DaliLineOptions))]),
            (new City.Edge.Tic.TicDriver(), typeof(City.Edge.Tic.TicDeviceOptions), []),
            (new City.Edge.MBus.MBusDriver(), typeof(City.Edge.MBus.MBusDeviceOptions), [("MBusLines", typeof(City.Edge.MBus.MBusLineOptions))]),
            (new City.Edge.Priority.PriorityDriver(), typeof(City.Edge.Priority.PriorityDeviceOptions), []),
            (new City.Edge.Vms.VmsDriver(), typeof(City.Edge.Vms.VmsDeviceOptions), []),
        })
        {
            var schema = EdgeConfigSchema.For([driver.ConfigKeys]);
            Assert.Equal(coreKeys.Concat(sections.Select(s => s.Key)).Order(StringComparer.Ordinal), schema.Settings.Select(s => s.Name).Order(StringComparer.Ordinal));
            foreach (var (key, options) in sections)
            {
                var setting = schema.Settings.Single(s => s.Name == key);
                AssertCovers(setting.Items!, options, $"{EdgeOptions.SectionName}:{key}");
            }

            if (deviceOptions is not null)
            {
                AssertCovers(schema.Settings.Single(s => s.Name == "Devices").Items!, deviceOptions, $"{EdgeOptions.SectionName}:Devices:N ({driver.Name})");
            }
        }

        foreach (var (key, options) in new[] { ("Central", typeof(CentralOptions)), ("Buffer", typeof(BufferOptions)), ("LocalApi", typeof(LocalApiOptions)), ("Commands", typeof(CommandOptions)) })
        {
            AssertCovers(core.Settings.Single(s => s.Name == key).Items!, options, $"{EdgeOptions.SectionName}:{key}");
        }
    }

    [Fact]
    public async Task EdgeProcess_WithAWrongTypeInAPoint_ExitsWithCode2AndTheKey()
    {
        using var dir = new TempDir();
        var config = dir.File("bad.json");
        File.WriteAllText(config, """
            { "Edge": { "GatewayId": "gw1", "Buffer": { "Path": "BUFFER" }, "LocalApi": { "SocketPath": "SOCKET" },
              "Devices": [ { "Name": "m1", "Host": "127.0.0.1", "Port": 5020,
                "Points": [ { "Name": "a", "Register": 1 }, { "Name": "b", "Register": "8a" } ] } ] } }
            """.Replace("BUFFER", dir.File("buffer.db"), StringComparison.Ordinal).Replace("SOCKET", dir.File("edgectl.sock"), StringComparison.Ordinal));
        var edge = Path.Combine(AppContext.BaseDirectory, "edge.dll");

        var (exitCode, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), "dotnet", edge, "--config", config);

        Assert.True(exitCode == 2, $"exit {exitCode}: {output}");
        Assert.Contains("Edge:Devices:0:Points:1:Register: must be an integer 0-65535 (got '8a')", output, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("buffer.db")), "the edge must stop before it opens the buffer");
    }

    /// <summary>A valid configuration with a modbus-tcp, a modbus-rtu and an snmp device, a serial line and a DALI line.</summary>
    private static Dictionary<string, string?> WithEverySection()
    {
        var values = TestConfig.Valid();
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["Edge:Central:AllowPlain"] = "true",
            ["Edge:Buffer:MaxBytes"] = "1048576",
            ["Edge:SerialLines:0:Name"] = "bus1",
            ["Edge:SerialLines:0:Port"] = "/dev/ttyUSB0",
            ["Edge:Devices:1:Name"] = "rtu1",
            ["Edge:Devices:1:Protocol"] = "modbus-rtu",
            ["Edge:Devices:1:Line"] = "bus1",
            ["Edge:Devices:1:Points:0:Name"] = "flow",
            ["Edge:Devices:1:Points:0:Register"] = "3",
            ["Edge:Devices:2:Name"] = "tc1",
            ["Edge:Devices:2:Protocol"] = "snmp",
            ["Edge:Devices:2:Host"] = "127.0.0.1",
            ["Edge:Devices:2:Version"] = "2c",
            ["Edge:Devices:2:Community"] = "public",
            ["Edge:Devices:2:Points:0:Name"] = "uptime",
            ["Edge:Devices:2:Points:0:Oid"] = "1.3.6.1.2.1.1.3.0",
            ["Edge:DaliLines:0:Name"] = "dali1",
            ["Edge:DaliLines:0:Port"] = "/dev/ttyUSB1",
            ["Edge:DaliLines:0:Gear:0:Address"] = "1",
            ["Edge:DaliLines:0:Gear:0:Groups:0"] = "2",
            ["Edge:DaliLines:0:Gear:0:Groups:1"] = "3",
            ["Edge:DaliLines:0:Gear:0:RatedPowerW"] = "40.5",
            ["Edge:DaliLines:0:Gear:1:Address"] = "2",
        })
        {
            values[key] = value;
        }

        return values;
    }

    private static void AssertCovers(ConfigSchema schema, Type type, string path)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();
        Assert.Equal(properties.Select(p => p.Name).Order(StringComparer.Ordinal), schema.Settings.Select(s => s.Name).Order(StringComparer.Ordinal));
        foreach (var property in properties)
        {
            var setting = schema.Settings.Single(s => s.Name == property.Name);
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var kind = propertyType == typeof(string) ? ConfigValueKind.Text
                : propertyType == typeof(int) ? ConfigValueKind.Integer
                : propertyType == typeof(long) ? ConfigValueKind.LongInteger
                : propertyType == typeof(double) ? ConfigValueKind.Number
                : propertyType == typeof(bool) ? ConfigValueKind.Boolean
                : propertyType == typeof(List<int>) ? ConfigValueKind.IntegerList
                : propertyType.IsGenericType ? ConfigValueKind.List
                : ConfigValueKind.Section;
            Assert.True(kind == setting.Kind, $"{path}:{property.Name} is a {property.PropertyType.Name}, the schema says {setting.Kind}");
            if (kind == ConfigValueKind.List)
            {
                AssertCovers(setting.Items!, propertyType.GetGenericArguments()[0], $"{path}:{property.Name}:N");
            }
            else if (kind == ConfigValueKind.Section)
            {
                AssertCovers(setting.Items!, propertyType, $"{path}:{property.Name}");
            }
        }
    }
}
