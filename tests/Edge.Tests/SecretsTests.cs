using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using City.Edge.Snmp;
using City.Protocols.Snmp;
using Microsoft.Extensions.Logging;

namespace City.Edge.Tests;

/// <summary>
/// SNMP communities and v3 passphrases never leave the edge's configuration: not in its log (every level, exceptions
/// included), not in /v1/status, /v1/points or a plan, not in the catalogue that Births carry, not in a configuration
/// error, not in the text of a device definition.
/// </summary>
public sealed class SecretsTests
{
    private const string Community = "s3cr3t-community";
    private const string WrongCommunity = "wr0ng-s3cr3t-community";
    private const string AuthPassphrase = "s3cr3t-auth-passphrase";
    private const string PrivPassphrase = "s3cr3t-priv-passphrase";
    private const string WrongAuthPassphrase = "wr0ng-s3cr3t-auth";
    private const string WrongPrivPassphrase = "wr0ng-s3cr3t-priv";

    private static readonly string[] Secrets = [Community, WrongCommunity, AuthPassphrase, PrivPassphrase, WrongAuthPassphrase, WrongPrivPassphrase, "s3cr3t"];

    [Fact]
    public async Task Snmp_secrets_reach_neither_the_log_nor_the_local_api_nor_the_catalogue()
    {
        await using var agent = new SnmpTestAgent();
        agent.Agent.AddCommunity(Community, writable: false);
        agent.Agent.AddUser(new UsmUser("tech", SnmpAuthProtocol.Sha256, AuthPassphrase, SnmpPrivProtocol.Aes128, PrivPassphrase), writable: false);
        var logs = new CollectingLoggerProvider();
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Edge:GatewayId"] = "gw-secrets",
            ["Edge:Central:Port"] = FreePort.Tcp().ToString(CultureInfo.InvariantCulture),
            ["Edge:Central:AllowPlain"] = "true",
            ["Edge:Snmp:TrapListen"] = $"127.0.0.1:{FreePort.Udp()}",
        };
        AddDevice(values, 0, "tc-v2", agent.Port, ("Version", "2c"), ("Community", Community));
        AddDevice(values, 1, "tc-v3", agent.Port, ("User", "tech"), ("AuthProtocol", "SHA-256"), ("AuthPassword", AuthPassphrase), ("PrivProtocol", "AES"), ("PrivPassword", PrivPassphrase));
        AddDevice(values, 2, "tc-v3-wrong", agent.Port, ("User", "tech"), ("AuthProtocol", "SHA-256"), ("AuthPassword", WrongAuthPassphrase), ("PrivProtocol", "AES"), ("PrivPassword", WrongPrivPassphrase));
        AddDevice(values, 3, "tc-v2-wrong", agent.Port, ("Version", "2c"), ("Community", WrongCommunity));
        var documents = new List<string>();

        await using (var edge = await InProcessEdge.StartAsync(values, logs: logs))
        {
            // Good polls on the right credentials, failures (a v3 report, a silent agent) on the wrong ones.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                var (_, status) = await edge.GetAsync("/v1/status");
                using (status)
                {
                    var devices = status.RootElement.GetProperty("devices").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!);
                    if (devices["tc-v2"].GetProperty("pollsOk").GetInt64() > 0 && devices["tc-v3"].GetProperty("pollsOk").GetInt64() > 0
                        && devices["tc-v3-wrong"].GetProperty("pollsFailed").GetInt64() > 0 && devices["tc-v2-wrong"].GetProperty("pollsFailed").GetInt64() > 0)
                    {
                        break;
                    }
                }

                Assert.True(DateTime.UtcNow < deadline, "the devices were not polled within 30 s");
                await Task.Delay(100);
            }

            foreach (var path in (string[])["/v1/status", "/v1/points", "/v1/devices/tc-v2/plan", "/v1/devices/tc-v3/plan", "/v1/devices/tc-v3-wrong/plan", "/v1/devices/tc-v2-wrong/plan"])
            {
                var (code, body) = await edge.GetAsync(path);
                using (body)
                {
                    Assert.Equal(200, code);
                    documents.Add(body.RootElement.GetRawText());
                }
            }

            documents.Add(JsonSerializer.Serialize(edge.Buffer.Catalogue()));
            Assert.Contains("tc-v3-wrong", documents[0], StringComparison.Ordinal);
        }

        var log = logs.Text();
        Assert.Contains("tc-v3-wrong", log, StringComparison.Ordinal); // the failing devices were logged, without their credentials
        Assert.Contains("tc-v2-wrong", log, StringComparison.Ordinal);
        foreach (var secret in Secrets)
        {
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
            foreach (var document in documents)
            {
                Assert.DoesNotContain(secret, document, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_device_definition_and_its_snmp_target_print_no_community()
    {
        var values = TestConfig.Valid();
        AddDevice(values, 1, "tc-v2", 161, ("Version", "2c"), ("Community", Community));
        AddDevice(values, 2, "tc-v3", 161, ("User", "tech"), ("AuthProtocol", "SHA-256"), ("AuthPassword", AuthPassphrase), ("PrivProtocol", "AES"), ("PrivPassword", PrivPassphrase));
        var (ok, settings, errors) = TestConfig.Load(values);
        Assert.True(ok, string.Join("\n", errors));

        foreach (var device in settings.Devices.Where(d => d.Protocol == "snmp"))
        {
            var snmp = (SnmpDeviceSettings)device.Settings!;
            foreach (var text in (string[])[device.ToString(), snmp.ToString(), snmp.Target().ToString()])
            {
                Assert.Contains(device.Protocol, device.ToString(), StringComparison.Ordinal);
                foreach (var secret in Secrets)
                {
                    Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
                }
            }
        }
    }

    [Theory]
    [InlineData("a v3 passphrase shorter than 8 characters", "Edge:Devices:1:AuthPassword", "AuthPassword", "s3cr3t")]
    [InlineData("a privacy passphrase without its protocol", "Edge:Devices:1:PrivPassword", "PrivProtocol", null)]
    [InlineData("a passphrase written as a section", "Edge:Devices:1:AuthPassword", "AuthPassword:" + AuthPassphrase, "x")]
    [InlineData("a community written as a section", "Edge:Devices:2:Community", "Community:" + Community, "x")]
    [InlineData("a community on a v3 device", "Edge:Devices:1:Community", "Community", Community)]
    [InlineData("a passphrase on a v2c device", "Edge:Devices:2:AuthPassword", "AuthPassword", AuthPassphrase)]
    [InlineData("a community on a Modbus device", "Edge:Devices:0:Community", "Community", Community)]
    public void A_configuration_error_names_the_key_but_never_echoes_the_secret(string description, string expectedKey, string key, string? value)
    {
        var values = TestConfig.Valid();
        AddDevice(values, 1, "tc-v3", 161, ("User", "tech"), ("AuthProtocol", "SHA-256"), ("AuthPassword", AuthPassphrase), ("PrivProtocol", "AES"), ("PrivPassword", PrivPassphrase));
        AddDevice(values, 2, "tc-v2", 161, ("Version", "2c"), ("Community", Community));
        var device = expectedKey[..expectedKey.LastIndexOf(':')];
        if (key.Contains(':', StringComparison.Ordinal))
        {
            values.Remove($"{device}:{key[..key.IndexOf(':')]}");
        }

        if (key == "PrivProtocol")
        {
            values.Remove($"{device}:PrivProtocol");
        }
        else
        {
            values[$"{device}:{key}"] = value;
        }

        var (ok, _, errors) = TestConfig.Load(values);

        Assert.False(ok, description);
        Assert.Contains(errors, e => e.StartsWith(expectedKey + ":", StringComparison.Ordinal));
        foreach (var secret in Secrets)
        {
            Assert.DoesNotContain(errors, e => e.Contains(secret, StringComparison.Ordinal));
        }
    }

    private static void AddDevice(Dictionary<string, string?> values, int index, string name, int port, params (string Key, string Value)[] security)
    {
        var prefix = $"Edge:Devices:{index}";
        values[$"{prefix}:Name"] = name;
        values[$"{prefix}:Protocol"] = "snmp";
        values[$"{prefix}:Host"] = "127.0.0.1";
        values[$"{prefix}:Port"] = port.ToString(CultureInfo.InvariantCulture);
        values[$"{prefix}:TimeoutMs"] = "100";
        values[$"{prefix}:Points:0:Name"] = "status";
        values[$"{prefix}:Points:0:Oid"] = Ntcip1202Profile.UnitControlStatus;
        values[$"{prefix}:Points:0:PeriodMs"] = "200";
        foreach (var (key, value) in security)
        {
            values[$"{prefix}:{key}"] = value;
        }
    }

    /// <summary>Every log line of every category and level, with its exception.</summary>
    private sealed class CollectingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public ILogger CreateLogger(string categoryName) => new Collector(categoryName, _lines);

        public string Text() => string.Join('\n', _lines);

        public void Dispose()
        {
        }

        private sealed class Collector(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var arguments = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{arguments}] {exception}");
            }
        }
    }
}
