using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using City.Contract;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// Issue 17's "configuration from the control room", with central, citysim's meter and the edge as processes: a
/// configuration pushed with <c>PUT /api/v1/gateways/{id}/config</c> is applied by the running edge (same process, same
/// buffer) and confirmed by its birth; one whose device cannot be reached is rolled back after the grace period and
/// reported failed, with an event at central; an invalid one is rejected; <c>edgectl reload</c> and SIGHUP apply an edited file. At the
/// end every reading the edge committed is in central's store once: nothing was lost across the rebuilds.
/// </summary>
[Collection("processes")]
public sealed class EdgeConfigPushTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Pushed_configurations_are_applied_without_losing_readings_rolled_back_or_rejected_and_edgectl_reload_applies_the_files()
    {
        await using var city = new CityStack(log, "gw-cfg");
        await city.StartCentralAsync();
        await city.StartMeterAsync();
        var start = city.MeterEdgeSection(periodMs: 100);
        start["Reload"] = new JsonObject { ["GracePeriodSeconds"] = 2 };
        start["Metrics"] = new JsonObject { ["ForwardPeriodSeconds"] = 0 };
        city.StartEdge(start);
        var pid = city.Edge!.Id;
        await Eventually.ReturnsAsync(async () => (await city.EdgeStatusAsync())["central"].Long("readingsAcked") > 0 ? "acked" : null, Patience, "readings acknowledged");

        // 1. A new polling period for the meter, pushed from central: applied by the same process, confirmed by the birth.
        var faster = Devices(city, periodMs: 50, port: city.MeterPort);
        var applied = await PushAsync(city, faster);
        var done = await FinalAsync(city, applied);
        Assert.Equal("done", (string?)done["status"]);
        Assert.Equal($"applied {applied}", (string?)done["detail"]);
        await Eventually.ReturnsAsync(async () => (string?)(await city.GetJsonAsync($"/api/v1/gateways/{city.GatewayId}/config"))["runningVersion"] == applied ? "birth" : null,
            Patience, "the birth reporting the pushed version");
        Assert.Equal(pid, city.Edge!.Id);
        Assert.False(city.Edge.HasExited);

        // 2. The meter on a port nobody listens on: no device answers within the grace period, the edge goes back.
        var unreachable = await PushAsync(city, Devices(city, periodMs: 50, port: FreePort.Tcp()));
        var failed = await FinalAsync(city, unreachable);
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Contains($"rolled back to {applied}", (string?)failed["detail"], StringComparison.Ordinal);
        await Eventually.ReturnsAsync(async () =>
        {
            var events = (await city.GetJsonAsync($"/api/v1/events?gateway={city.GatewayId}&from=2000-01-01T00:00:00Z"))["events"]!.AsArray();
            return events.Any(e => (string?)e!["point"] == "$edge/config" && ((string?)e["value"])?.Contains("rolled back", StringComparison.Ordinal) == true) ? "event" : null;
        }, Patience, "the rollback as an event at central");
        await Eventually.ReturnsAsync(async () => (string?)(await city.GetJsonAsync($"/api/v1/gateways/{city.GatewayId}/config"))["runningVersion"] == applied ? "birth" : null,
            Patience, "the birth reporting the version rolled back to");

        // 3. Invalid (an unknown protocol) and forbidden at run time (another buffer): rejected with the edge's reasons.
        var invalid = await PushAsync(city, new JsonObject { ["Edge"] = new JsonObject { ["Devices"] = new JsonArray { new JsonObject { ["Name"] = "x", ["Protocol"] = "carrier-pigeon" } } } });
        var rejected = await FinalAsync(city, invalid);
        Assert.Equal(("rejected", "invalid-config"), ((string?)rejected["status"], (string?)rejected["reason"]));
        var moved = await PushAsync(city, new JsonObject { ["Edge"] = new JsonObject { ["Buffer"] = new JsonObject { ["Path"] = "/tmp/elsewhere.db" } } });
        var refused = await FinalAsync(city, moved);
        Assert.Equal(("rejected", "not-permitted"), ((string?)refused["status"], (string?)refused["reason"]));
        var history = (await city.GetJsonAsync($"/api/v1/gateways/{city.GatewayId}/config/history")).AsArray();
        Assert.Equal(["rejected", "rejected", "failed", "done"], history.Select(h => (string?)h!["status"]));

        // 4. edgectl reload: the file's Metrics section edited (Devices stay central's); the same process applies it.
        var file = Path.Combine(city.DataDirectory, "edge.json");
        var edited = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        edited["Edge"]!["Metrics"] = new JsonObject { ["ForwardPeriodSeconds"] = 0, };
        edited["Edge"]!["Reload"] = new JsonObject { ["GracePeriodSeconds"] = 3 };
        await File.WriteAllTextAsync(file, edited.ToJsonString());
        var reload = JsonNode.Parse(await city.EdgeCtlAsync("reload", "--json"))!;
        Assert.Equal(("applied", "file"), ((string?)reload["outcome"], (string?)reload["source"]));
        var edgeHistory = JsonNode.Parse(await city.EdgeCtlAsync("config", "history", "--json"))!;
        Assert.Equal((int)reload["number"]!, (int)edgeHistory["number"]!);
        Assert.Equal(pid, city.Edge!.Id);

        // 5. SIGHUP: the file edited again; the signal reads and applies it the same way.
        edited["Edge"]!["Reload"] = new JsonObject { ["GracePeriodSeconds"] = 4 };
        await File.WriteAllTextAsync(file, edited.ToJsonString());
        using (var hangup = Process.Start("kill", ["-HUP", pid.ToString(CultureInfo.InvariantCulture)])!)
        {
            await hangup.WaitForExitAsync();
        }

        await Eventually.ReturnsAsync(async () =>
        {
            var h = JsonNode.Parse(await city.EdgeCtlAsync("config", "history", "--json"))!;
            return (int)h["number"]! > (int)reload["number"]! && (string?)h["history"]![0]!["outcome"] == "applied" && (string?)h["source"] == "file" ? h : null;
        }, Patience, "the version SIGHUP read applied");
        Assert.Equal(pid, city.Edge!.Id);

        // 6. Polling stops (a push without devices) so that the buffer drains to a final count: central has every reading once.
        var stopped = await PushAsync(city, new JsonObject { ["Edge"] = new JsonObject { ["Devices"] = new JsonArray() } });
        Assert.Equal("done", (string?)(await FinalAsync(city, stopped))["status"]);
        var drained = await Eventually.ReturnsAsync(async () =>
        {
            var s = await city.EdgeStatusAsync();
            var g = await city.GatewayAsync();
            return s["buffer"].Long("batchesWaiting") == 0 && s["central"].Long("inFlightBatches") == 0 && g!.Long("readingsReceived") == s["buffer"].Long("readingsBuffered")
                ? new[] { s, g } : null;
        }, Patience, "the buffer drained and central holding every reading the edge committed");
        var (status, gateway) = (drained[0]!, drained[1]!);
        log.WriteLine($"edge committed {status["buffer"].Long("readingsBuffered")} readings in {status["buffer"].Long("lastSeq")} batches; central: {gateway.ToJsonString()}");
        Assert.Equal(0, status["buffer"].Long("readingsDropped"));
        Assert.Equal($"1-{status["buffer"].Long("lastSeq")}", (string?)gateway["committedSeqs"]);
    }

    private static JsonObject Devices(CityStack city, int periodMs, int port)
    {
        var devices = (JsonArray)city.MeterEdgeSection(periodMs)["Devices"]!.DeepClone();
        devices[0]!["Port"] = port;
        return new JsonObject { ["Edge"] = new JsonObject { ["Devices"] = devices } };
    }

    /// <summary>PUT the document; returns its version (the digest of the body as sent).</summary>
    private static async Task<string> PushAsync(CityStack city, JsonObject document)
    {
        var json = document.ToJsonString();
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await city.Http.PutAsync(new Uri($"/api/v1/gateways/{city.GatewayId}/config", UriKind.Relative), content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"PUT config: {(int)response.StatusCode} {body}");
        var answer = JsonNode.Parse(body)!;
        Assert.Equal(EdgeConfigVersion.Of(json), (string?)answer["version"]);
        return (string)answer["version"]!;
    }

    /// <summary>The push of <paramref name="version"/> in the gateway's history once its status is final.</summary>
    private static async Task<JsonNode> FinalAsync(CityStack city, string version) =>
        await Eventually.ReturnsAsync(async () =>
        {
            var history = (await city.GetJsonAsync($"/api/v1/gateways/{city.GatewayId}/config/history")).AsArray();
            var push = history.First(h => (string?)h!["version"] == version)!;
            return (string?)push["status"] is "done" or "failed" or "rejected" or "expired" ? push.DeepClone() : null;
        }, Patience, $"the push of {version} final at central");
}
