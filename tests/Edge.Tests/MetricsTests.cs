using System.Globalization;
using System.Net;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Metrics;
using City.Protocols.Modbus;

namespace City.Edge.Tests;

/// <summary>
/// GET /metrics on the local socket of a whole edge run in-process, read by the Python client's parser (nobody here wrote
/// it), against the edge's own /v1/status; the same figures forwarded to a fake central as $edge/metrics/... points; a second
/// edge in the same process with its own registry and forwarding off. Devices: meter1 answers, meter2 asks a register beyond
/// the map (exception 02), dead is a closed port (connection refused).
/// </summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private readonly InMemoryRegisterMap _map = new();
    private ModbusTcpSlave _slave = null!;
    private FakeCentral _central = null!;
    private InProcessEdge _edge = null!;

    public async Task InitializeAsync()
    {
        _map.AddUnit(1, holdingRegisterCount: 16, inputRegisterCount: 16, coilCount: 0, discreteInputCount: 0);
        _slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), _map);
        await _slave.StartAsync();
        _central = await FakeCentral.StartAsync();
        _central.AutoAck = true;

        var values = TestConfig.Valid();
        values["Edge:Central:Port"] = Invariant(_central.Port);
        values["Edge:Central:ReconnectMinDelayMs"] = "20";
        values["Edge:Central:ReconnectMaxDelayMs"] = "200";
        values["Edge:Buffer:FlushIntervalMs"] = "50";
        values["Edge:Metrics:ForwardPeriodSeconds"] = "1";
        values["Edge:Devices:0:Port"] = Invariant(_slave.LocalEndPoint.Port);
        for (var p = 0; p < 3; p++)
        {
            values[$"Edge:Devices:0:Points:{p}:PeriodMs"] = "200";
        }

        values["Edge:Devices:1:Name"] = "meter2";
        values["Edge:Devices:1:Host"] = "127.0.0.1";
        values["Edge:Devices:1:Port"] = Invariant(_slave.LocalEndPoint.Port);
        values["Edge:Devices:1:Points:0:Name"] = "far";
        values["Edge:Devices:1:Points:0:Table"] = "input";
        values["Edge:Devices:1:Points:0:Register"] = "100";
        values["Edge:Devices:1:Points:0:PeriodMs"] = "200";
        values["Edge:Devices:2:Name"] = "dead";
        values["Edge:Devices:2:Host"] = "127.0.0.1";
        values["Edge:Devices:2:Port"] = Invariant(FreePort.Tcp());
        values["Edge:Devices:2:Points:0:Name"] = "level";
        values["Edge:Devices:2:Points:0:Table"] = "holding";
        values["Edge:Devices:2:Points:0:Register"] = "0";
        values["Edge:Devices:2:Points:0:PeriodMs"] = "200";
        _edge = await InProcessEdge.StartAsync(values);
    }

    public async Task DisposeAsync()
    {
        await _edge.DisposeAsync();
        await _central.DisposeAsync();
        await _slave.DisposeAsync();
    }

    [Fact]
    public async Task Metrics_ParseWithThePythonClient_AndAgreeWithStatus_ErrorsByKind()
    {
        await Until.TrueAsync(async () =>
        {
            var (_, body) = await _edge.GetAsync("/v1/status");
            using (body)
            {
                var devices = body.RootElement.GetProperty("devices").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!);
                return devices["meter1"].GetProperty("pollsOk").GetInt64() >= 3 && devices["meter2"].GetProperty("pollsFailed").GetInt64() >= 2
                    && devices["dead"].GetProperty("pollsFailed").GetInt64() >= 2 && body.RootElement.GetProperty("central").GetProperty("connected").GetBoolean()
                    && body.RootElement.GetProperty("central").GetProperty("readingsAcked").GetInt64() > 0;
            }
        }, "polls, failures of meter2 and dead, and acks");

        var before = await StatusAsync();
        using var response = await _edge.Http.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var after = await StatusAsync();
        var samples = await PrometheusTextParser.ParseAsync(text);

        Assert.Equal(1, samples.Value("edge_info", ("gateway", "gw-001"), ("version", Forwarding.Forwarder.SoftwareVersion)));
        var polls = samples.Value("edge_device_polls_total", ("device", "meter1"), ("protocol", "modbus-tcp"))!.Value;
        Assert.InRange(polls, before.Meter1Polls, after.Meter1Polls);
        Assert.Equal(1, samples.Value("edge_device_up", ("device", "meter1")));
        Assert.Equal(0, samples.Value("edge_device_up", ("device", "dead")));
        Assert.All(PollErrorKindsOf(samples, "meter1"), s => Assert.Equal(0, s.Value));
        Assert.True(samples.Value("edge_device_poll_errors_total", ("device", "meter2"), ("kind", "exception")) is not null, text);
        Assert.InRange(samples.Value("edge_device_poll_errors_total", ("device", "meter2"), ("kind", "exception"))!.Value, before.Meter2Failed, after.Meter2Failed);
        Assert.InRange(samples.Value("edge_device_poll_errors_total", ("device", "dead"), ("kind", "link"))!.Value, 2, after.DeadFailed);
        Assert.Equal(7, PollErrorKindsOf(samples, "dead").Count); // every kind, zero or not: rate() works from the first scrape

        Assert.Equal(1, samples.Value("edge_central_connected"));
        Assert.True(samples.Value("edge_central_connections_total") >= 1);
        Assert.Equal(16, samples.Value("edge_forwarder_window_batches"));
        Assert.InRange(samples.Value("edge_forwarder_acked_readings_total")!.Value, before.ReadingsAcked, after.ReadingsAcked);
        Assert.True(samples.Value("edge_buffer_readings_buffered_total") > 0);
        Assert.NotNull(samples.Value("edge_buffer_oldest_unsent_age_seconds"));
        Assert.Equal(0, samples.Value("edge_buffer_readings_dropped_total"));
        Assert.Equal(0, samples.Value("edge_commands_total", ("result", "received")));
        Assert.Equal("counter", samples.First(s => s.Name == "edge_device_polls_total").Type);
        Assert.Equal("gauge", samples.First(s => s.Name == "edge_buffer_bytes").Type);
    }

    [Fact]
    public async Task Figures_AreForwardedToCentral_AsEdgeMetricsPoints_NamedInTheBirth()
    {
        var pollsId = EdgeFigures.DevicePoint("meter1", "polls");
        await Until.TrueAsync(() => _central.Births.Any(b => b.Points.Any(p => p.Id == pollsId)), "a birth naming " + pollsId);
        var catalogue = _central.Births.Last().Points.ToDictionary(p => p.Id);
        var polls = catalogue[pollsId];
        Assert.Equal(("$edge", PointType.Number, "polls"), (polls.Device, polls.Type, polls.Unit));
        Assert.Contains(EdgeFigures.PointPrefix + "buffer/oldest-unsent-age", catalogue.Keys);
        Assert.Contains(EdgeFigures.DevicePoint("dead", "poll-errors/link"), catalogue.Keys);

        // A later sample carries a count above 0 for meter1, as a number of quality good, in a telemetry batch.
        double forwarded = 0;
        await Until.TrueAsync(() =>
        {
            foreach (var batch in _central.Published.Where(b => b.Kind == BatchKind.Telemetry))
            {
                Assert.True(BatchCodec.TryDecodeBody(batch, out var body, out var error), error.Reason());
                var readings = new List<Reading>();
                Assert.True(BatchCodec.TryAppendReadings(body, readings, out var decodeError, polls.Alias), decodeError);
                foreach (var reading in readings.Where(r => r.Value.Number > 0))
                {
                    Assert.Equal(Quality.Good, reading.Quality);
                    forwarded = reading.Value.Number;
                }
            }

            return forwarded > 0;
        }, "a forwarded reading of " + pollsId);
        Assert.True(forwarded >= 1);
    }

    [Fact]
    public async Task A_second_edge_in_the_process_has_its_own_registry_and_with_forwarding_off_no_metric_points()
    {
        var values = TestConfig.Valid();
        values["Edge:GatewayId"] = "gw-002";
        values["Edge:Central:Port"] = Invariant(FreePort.Tcp());
        values["Edge:Metrics:ForwardPeriodSeconds"] = "0";
        await using var other = await InProcessEdge.StartAsync(values);

        var samples = await PrometheusTextParser.ParseAsync(await other.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        Assert.Equal(1, samples.Value("edge_info", ("gateway", "gw-002")));
        Assert.Null(samples.Value("edge_info", ("gateway", "gw-001")));
        Assert.Equal(0, samples.Value("edge_central_connected"));
        Assert.DoesNotContain(other.Buffer.Catalogue(), p => p.Id.StartsWith(EdgeFigures.PointPrefix, StringComparison.Ordinal));

        var mine = await PrometheusTextParser.ParseAsync(await _edge.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        Assert.Equal(1, mine.Value("edge_info", ("gateway", "gw-001")));
        Assert.Null(mine.Value("edge_info", ("gateway", "gw-002")));
    }

    [Fact]
    public void The_catalogue_names_exactly_the_forwarded_figures()
    {
        var (ok, settings, errors) = TestConfig.Load(TestConfig.Valid());
        Assert.True(ok, string.Join("\n", errors));
        var catalogue = EdgeFigures.CataloguePoints(settings).Select(p => p.Id).ToList();
        Assert.Equal(catalogue.Count, catalogue.Distinct().Count());
        Assert.Equal(25 + (9 * settings.Devices.Count), catalogue.Count); // as edge/README.md says: 25, and 9 per device
        Assert.All(catalogue, id => Assert.StartsWith(EdgeFigures.PointPrefix, id, StringComparison.Ordinal));
        Assert.Contains(EdgeFigures.DevicePoint("meter1", "poll-errors/timeout"), catalogue);
        Assert.DoesNotContain(EdgeFigures.PointPrefix + "lighting/overrides", catalogue); // no DALI line, no lighting figures
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("86401")]
    public void ForwardPeriodSeconds_OutOfRange_IsRefusedWithItsKey(string period)
    {
        var values = TestConfig.Valid();
        values["Edge:Metrics:ForwardPeriodSeconds"] = period;
        var (ok, _, errors) = TestConfig.Load(values);
        Assert.False(ok);
        Assert.Contains(errors, e => e.StartsWith("Edge:Metrics:ForwardPeriodSeconds", StringComparison.Ordinal));
    }

    private static List<ParsedSample> PollErrorKindsOf(IReadOnlyList<ParsedSample> samples, string device) =>
        samples.Where(s => s.Name == "edge_device_poll_errors_total" && s.Labels["device"] == device).ToList();

    private async Task<(long Meter1Polls, long Meter2Failed, long DeadFailed, long ReadingsAcked)> StatusAsync()
    {
        var (_, body) = await _edge.GetAsync("/v1/status");
        using (body)
        {
            var devices = body.RootElement.GetProperty("devices").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!);
            long Polls(string name) => devices[name].GetProperty("pollsOk").GetInt64() + devices[name].GetProperty("pollsFailed").GetInt64();
            return (Polls("meter1"), devices["meter2"].GetProperty("pollsFailed").GetInt64(), devices["dead"].GetProperty("pollsFailed").GetInt64(),
                body.RootElement.GetProperty("central").GetProperty("readingsAcked").GetInt64());
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
