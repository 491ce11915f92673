using System.Net;
using System.Text.Json;
using City.Central.Auth;
using City.Contract.Wire;

namespace City.Central.Tests;

/// <summary>Commands end to end through central: POST, signed delivery at QoS 1, results, acks, status, persistence.</summary>
public sealed class CommandTests
{
    private static readonly object DaliBroadcast = new { gateway = "gw-cmd", action = "dali", line = "lights-a", target = "broadcast", command = "level", value = 128, expiresInSeconds = 60 };

    private static string PublicKeyFile(CentralHost central) => Path.Combine(central.PkiDirectory, "command-signing.pub");

    [Fact]
    public async Task Post_OnlineGateway_ReceivesASignedCommandThatVerifies_AndTheStatusIsSent()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-cmd");

        var id = await CommandApi.IssueAsync(central.Http, DaliBroadcast);
        var body = CommandGateway.Verify(await gateway.NextCommandAsync(), PublicKeyFile(central));

        Assert.Equal(id, body.Id);
        Assert.Equal("gw-cmd", body.GatewayId);
        Assert.Equal("tests-admin", body.Issuer);
        Assert.Equal(60_000, body.NotAfterUnixMs - body.IssuedAtUnixMs);
        Assert.Equal(CommandBody.ActionOneofCase.Dali, body.ActionCase);
        Assert.Equal(("lights-a", "broadcast", "level", 128), (body.Dali.Line, body.Dali.Target, body.Dali.Command, body.Dali.Value));
        var status = await CommandApi.WaitForStatusAsync(central, id, "gw-cmd", "sent");
        Assert.NotEqual(JsonValueKind.Null, status.GetProperty("sentAt").ValueKind);

        var command = await central.GetJsonAsync($"/api/v1/commands/{id}");
        Assert.Equal("tests-admin", command.GetProperty("issuer").GetString());
        Assert.Equal("dali", command.GetProperty("action").GetProperty("action").GetString());
    }

    [Fact]
    public async Task AcceptedThenDone_StatusDoneWithReadBack_AndEachResultIsAckedAfterItIsStored()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-cmd");
        var id = await CommandApi.IssueAsync(central.Http, new { gateway = "gw-cmd", action = "write", device = "tc1", point = "requested-mode", value = 1 });
        var body = CommandGateway.Verify(await gateway.NextCommandAsync(), PublicKeyFile(central));
        Assert.Equal(("tc1", "requested-mode", 1.0), (body.Write.Device, body.Write.Point, body.Write.Number));

        await gateway.ResultAsync(id, CommandStatus.Accepted, 1);
        var ack1 = await gateway.AckOfResultAsync(1);
        Assert.Empty(ack1.CommittedSeqs);
        Assert.Equal("accepted", (await CommandApi.StatusAsync(central, id, "gw-cmd")).GetProperty("status").GetString());

        await gateway.ResultAsync(id, CommandStatus.Done, 2, detail: "written", readBack: "1");
        await gateway.AckOfResultAsync(2);
        var done = await CommandApi.StatusAsync(central, id, "gw-cmd");
        Assert.Equal("done", done.GetProperty("status").GetString());
        Assert.Equal("1", done.GetProperty("readBack").GetString());
        Assert.Equal("written", done.GetProperty("detail").GetString());
        Assert.NotEqual(JsonValueKind.Null, done.GetProperty("acceptedAt").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, done.GetProperty("finishedAt").ValueKind);

        // A resend (the ack was lost): acknowledged again, nothing changes, counted as a duplicate.
        await gateway.ResultAsync(id, CommandStatus.Accepted, 1);
        await gateway.AckOfResultAsync(1);
        Assert.Equal("done", (await CommandApi.StatusAsync(central, id, "gw-cmd")).GetProperty("status").GetString());
        var stats = (await central.StatsAsync()).GetProperty("commands");
        Assert.Equal(2, stats.GetProperty("results").GetInt64());
        Assert.Equal(1, stats.GetProperty("duplicateResults").GetInt64());
    }

    [Fact]
    public async Task Rejected_KeepsTheReason()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-cmd");
        var id = await CommandApi.IssueAsync(central.Http, DaliBroadcast);
        await gateway.NextCommandAsync();

        await gateway.ResultAsync(id, CommandStatus.Rejected, 7, detail: "no line lights-a", reason: "unknown-target");
        await gateway.AckOfResultAsync(7);
        var status = await CommandApi.StatusAsync(central, id, "gw-cmd");
        Assert.Equal(("rejected", "unknown-target"), (status.GetProperty("status").GetString(), status.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task SameClientIdTwice_OneCommand_OnePublish_TheSecondAnswers200WithTheFirst()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-cmd");
        var clientId = Guid.NewGuid().ToString("D");
        var request = new { id = clientId, gateway = "gw-cmd", action = "dali", line = "lights-a", target = "group:3", command = "off" };

        Assert.Equal(clientId, await CommandApi.IssueAsync(central.Http, request));
        await CommandApi.WaitForStatusAsync(central, clientId, "gw-cmd", "sent");
        var (status, again) = await CommandApi.PostAsync(central.Http, request);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(clientId, again.GetProperty("id").GetString());
        Assert.Equal("sent", again.GetProperty("gateways")[0].GetProperty("status").GetString());
        var list = await central.GetJsonAsync("/api/v1/commands?gateway=gw-cmd");
        Assert.Single(list.GetProperty("commands").EnumerateArray());
        await gateway.NextCommandAsync();
        await Assert.ThrowsAsync<TimeoutException>(() => gateway.NextCommandAsync(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(1, (await central.StatsAsync()).GetProperty("commands").GetProperty("sent").GetInt64());
    }

    [Fact]
    public async Task OfflineGateway_StaysPending_AndIsSentAtItsNextBirth()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-cmd");
        await gateway.GoOfflineAsync(central);

        var id = await CommandApi.IssueAsync(central.Http, DaliBroadcast);
        await Task.Delay(300);
        Assert.Equal("pending", (await CommandApi.StatusAsync(central, id, "gw-cmd")).GetProperty("status").GetString());

        await gateway.ConnectAsync();
        await gateway.BirthAsync(central);
        var body = CommandGateway.Verify(await gateway.NextCommandAsync(), PublicKeyFile(central));
        Assert.Equal(id, body.Id);
        await CommandApi.WaitForStatusAsync(central, id, "gw-cmd", "sent");
    }

    [Fact]
    public async Task ExpiredWhileOffline_IsMarkedExpired_AndNeverSent()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-cmd");
        await gateway.GoOfflineAsync(central);

        var id = await CommandApi.IssueAsync(central.Http, new { gateway = "gw-cmd", action = "dali", line = "lights-a", target = "broadcast", command = "max", expiresInSeconds = 1 });
        var expired = await CommandApi.WaitForStatusAsync(central, id, "gw-cmd", "expired");
        Assert.Equal(JsonValueKind.Null, expired.GetProperty("sentAt").ValueKind);

        await gateway.ConnectAsync();
        await gateway.BirthAsync(central);
        await Assert.ThrowsAsync<TimeoutException>(() => gateway.NextCommandAsync(TimeSpan.FromMilliseconds(700)));
        Assert.Equal("expired", (await CommandApi.StatusAsync(central, id, "gw-cmd")).GetProperty("status").GetString());
        Assert.Equal(1, (await central.StatsAsync()).GetProperty("commands").GetProperty("expired").GetInt64());
    }

    [Fact]
    public async Task ViewerGets403_NoTokenGets401_OperatorMayPost()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-cmd");
        using var viewer = central.NewClient(central.CreateToken("city-viewer", ApiRole.Viewer));
        using var anonymous = central.NewClient(null);
        using var operatorClient = central.NewClient(central.CreateToken("night-shift", ApiRole.Operator));

        Assert.Equal(HttpStatusCode.Forbidden, (await CommandApi.PostAsync(viewer, DaliBroadcast)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CommandApi.PostAsync(anonymous, DaliBroadcast)).Status);
        var id = await CommandApi.IssueAsync(operatorClient, DaliBroadcast);

        Assert.Equal("night-shift", CommandGateway.Verify(await gateway.NextCommandAsync(), PublicKeyFile(central)).Issuer);
        using var read = await viewer.GetAsync(new Uri($"/api/v1/commands/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(0, (await central.StatsAsync()).GetProperty("commands").GetProperty("issued").GetInt64() - 1);
    }

    [Theory]
    [InlineData("[1]", "body")]
    [InlineData("{\"gateway\":\"gw-cmd\"}", "action")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"reboot\"}", "action")]
    [InlineData("{\"action\":\"dali\",\"line\":\"l\",\"target\":\"broadcast\",\"command\":\"off\"}", "gateway")]
    [InlineData("{\"gateway\":\"gw cmd\",\"action\":\"dali\",\"line\":\"l\",\"target\":\"broadcast\",\"command\":\"off\"}", "gateway")]
    [InlineData("{\"gateways\":[],\"action\":\"dali\",\"line\":\"l\",\"target\":\"broadcast\",\"command\":\"off\"}", "gateways")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"dali\",\"line\":\"l\",\"target\":\"group:16\",\"command\":\"off\"}", "target")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"dali\",\"line\":\"l\",\"target\":\"broadcast\",\"command\":\"level\",\"value\":255}", "value")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"dali\",\"line\":\"l\",\"target\":\"broadcast\",\"command\":\"level\"}", "value")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"dali\",\"line\":\"l\",\"target\":\"broadcast\",\"command\":\"dim\"}", "command")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"dali\",\"target\":\"broadcast\",\"command\":\"off\"}", "line")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"write\",\"device\":\"tc1\",\"value\":1}", "point")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"write\",\"device\":\"tc1\",\"point\":\"p\"}", "value")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"write\",\"device\":\"tc1\",\"point\":\"p\",\"value\":1,\"expiresInSeconds\":0}", "expiresInSeconds")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"write\",\"device\":\"tc1\",\"point\":\"p\",\"value\":1,\"expiresInSeconds\":86401}", "expiresInSeconds")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"write\",\"device\":\"tc1\",\"point\":\"p\",\"value\":1,\"id\":\"42\"}", "id")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"write\",\"device\":\"tc1\",\"point\":\"p\",\"value\":1,\"line\":\"l\"}", "line")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"lighting-override\",\"line\":\"l\",\"group\":2,\"levelPercent\":101,\"durationSeconds\":60}", "levelPercent")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"lighting-override\",\"line\":\"l\",\"group\":2,\"levelPercent\":50}", "durationSeconds")]
    [InlineData("{\"gateway\":\"gw-cmd\",\"action\":\"lighting-override\",\"line\":\"l\",\"group\":16,\"levelPercent\":50,\"durationSeconds\":60}", "group")]
    [InlineData("{not json", "body")]
    public async Task InvalidBodies_Get400_NamingTheField(string json, string field)
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");

        var (status, body) = await CommandApi.PostRawAsync(central.Http, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(field + ":", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownGateway_Gets404_NamingIt()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");

        var (status, body) = await CommandApi.PostAsync(central.Http, new { gateways = new[] { "gw-nowhere" }, action = "dali", line = "l", target = "broadcast", command = "off" });

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("gw-nowhere", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FanOutToThreeGateways_EachGetsItsOwnSignedCommand_AndEndsDone()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        string[] ids = ["gw-fan-1", "gw-fan-2", "gw-fan-3"];
        var gateways = new List<CommandGateway>();
        try
        {
            foreach (var gw in ids)
            {
                gateways.Add(await CommandGateway.ConnectAsync(central, gw));
            }

            var id = await CommandApi.IssueAsync(central.Http, new { gateways = ids, action = "lighting-override", line = "lights-a", group = -1, levelPercent = 80, durationSeconds = 3600 });
            ulong seq = 10;
            foreach (var gateway in gateways)
            {
                var body = CommandGateway.Verify(await gateway.NextCommandAsync(), PublicKeyFile(central));
                Assert.Equal((id, gateway.Id), (body.Id, body.GatewayId));
                Assert.Equal((-1, 80, 3600), (body.LightingOverride.Group, body.LightingOverride.LevelPercent, body.LightingOverride.DurationSeconds));
                await gateway.ResultAsync(id, CommandStatus.Done, ++seq);
                await gateway.AckOfResultAsync(seq);
            }

            var command = await central.GetJsonAsync($"/api/v1/commands/{id}");
            Assert.Equal(3, command.GetProperty("counts").GetProperty("done").GetInt32());
            Assert.Equal(ids, command.GetProperty("gateways").EnumerateArray().Select(g => g.GetProperty("gateway").GetString()).ToArray());
        }
        finally
        {
            foreach (var gateway in gateways)
            {
                await gateway.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ResultForAnUnknownIdOrAnotherGateway_IsCountedIgnoredAndAcked_MalformedIsCounted()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-cmd");
        await using var other = await CommandGateway.ConnectAsync(central, "gw-other");
        var id = await CommandApi.IssueAsync(central.Http, DaliBroadcast);
        await gateway.NextCommandAsync();

        await gateway.ResultAsync(Guid.NewGuid().ToString("D"), CommandStatus.Done, 1);
        await gateway.AckOfResultAsync(1);
        await other.ResultAsync(id, CommandStatus.Done, 1);
        await other.AckOfResultAsync(1);
        await gateway.RawResultAsync([0xff, 0x01, 0x02]);
        await Wait.UntilAsync(async () => (await central.StatsAsync()).GetProperty("commands").GetProperty("malformedResults").GetInt64() == 1,
            TimeSpan.FromSeconds(10), "the malformed result to be counted");

        var stats = (await central.StatsAsync()).GetProperty("commands");
        Assert.Equal(2, stats.GetProperty("unknownResults").GetInt64());
        Assert.Equal(0, stats.GetProperty("results").GetInt64());
        Assert.Equal("sent", (await CommandApi.StatusAsync(central, id, "gw-cmd")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Restart_KeepsCommandsAndStatuses_AndSendsWhatWasPending()
    {
        var dataPath = CentralHost.NewDataPath();
        try
        {
            string done, pending;
            await using (var central = await CentralHost.StartAsync(dataPath, "--Central:AdmitOnBirth=true"))
            {
                await using var gateway = await CommandGateway.ConnectAsync(central, "gw-cmd");
                done = await CommandApi.IssueAsync(central.Http, new { gateway = "gw-cmd", action = "write", device = "tc1", point = "p", value = "flash" });
                await gateway.NextCommandAsync();
                await gateway.ResultAsync(done, CommandStatus.Done, 1, readBack: "flash");
                await gateway.AckOfResultAsync(1);
                await gateway.GoOfflineAsync(central);
                pending = await CommandApi.IssueAsync(central.Http, DaliBroadcast);
            }

            await using (var central = await CentralHost.StartAsync(dataPath, "--Central:AdmitOnBirth=true"))
            {
                var kept = await CommandApi.StatusAsync(central, done, "gw-cmd");
                Assert.Equal(("done", "flash"), (kept.GetProperty("status").GetString(), kept.GetProperty("readBack").GetString()));
                Assert.Equal("pending", (await CommandApi.StatusAsync(central, pending, "gw-cmd")).GetProperty("status").GetString());
                var command = await central.GetJsonAsync($"/api/v1/commands/{done}");
                Assert.Equal("tests-admin", command.GetProperty("issuer").GetString());
                Assert.Equal("flash", command.GetProperty("action").GetProperty("value").GetString());

                await using var gateway = await CommandGateway.ConnectAsync(central, "gw-cmd");
                Assert.Equal(pending, CommandGateway.Verify(await gateway.NextCommandAsync(), PublicKeyFile(central)).Id);
                await CommandApi.WaitForStatusAsync(central, pending, "gw-cmd", "sent");
            }
        }
        finally
        {
            Directory.Delete(dataPath, recursive: true);
        }
    }

    [Fact]
    public async Task List_PagesWithNext_NeitherRepeatingNorStalling()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-cmd");
        await using var other = await CommandGateway.ConnectAsync(central, "gw-other");
        var issued = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            issued.Add(await CommandApi.IssueAsync(central.Http, DaliBroadcast));
        }

        await CommandApi.IssueAsync(central.Http, new { gateway = "gw-other", action = "dali", line = "l", target = "gear:1", command = "identify" });

        var seen = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await central.GetJsonAsync("/api/v1/commands?gateway=gw-cmd&limit=2" + (next is null ? string.Empty : "&after=" + Uri.EscapeDataString(next)));
            seen.AddRange(page.GetProperty("commands").EnumerateArray().Select(c => c.GetProperty("id").GetString()!));
            next = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
            pages++;
        }
        while (next is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(issued.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        var all = await central.GetJsonAsync("/api/v1/commands?from=" + DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(6, all.GetProperty("commands").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, all.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task ExternalMosquitto_CommandDelivered_ResultStoredAndAcked()
    {
        await using var broker = await MosquittoProcess.StartAsync(FreePort.Tcp());
        await using var central = await CentralHost.StartAsync(null, "--Central:Mqtt:Mode=external", $"--Central:Mqtt:Port={broker.Port}", "--Central:AdmitOnBirth=true");
        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-cmd");

        var id = await CommandApi.IssueAsync(central.Http, DaliBroadcast);
        Assert.Equal(id, CommandGateway.Verify(await gateway.NextCommandAsync(), PublicKeyFile(central)).Id);
        await CommandApi.WaitForStatusAsync(central, id, "gw-cmd", "sent");
        await gateway.ResultAsync(id, CommandStatus.Done, 1);
        await gateway.AckOfResultAsync(1);

        Assert.Equal("done", (await CommandApi.StatusAsync(central, id, "gw-cmd")).GetProperty("status").GetString());
    }
}
