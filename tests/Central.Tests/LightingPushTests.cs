using City.Contract;
using City.Contract.Wire;

namespace City.Central.Tests;

/// <summary>Lighting sets pushed to the gateways as signed lighting_config commands, and confirmed by results and births.</summary>
public sealed class LightingPushTests
{
    [Fact]
    public async Task Assignment_PushesASignedSet_WithOnlyTheCalendarsAndProgramsItUses_ThenDoneIsApplied()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-light");
        await LightingApi.PutExampleAsync(central.Http);
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/control-programs/unused", LightingApi.Fixed("unused", 20));
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/calendars/other", LightingApi.Every("other", "unused"));

        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/assignments/gw-light", LightingApi.Assignment("dijon", group: 2));
        var (body, set) = await LightingApi.NextSetAsync(central, gateway);

        Assert.Equal(("gw-light", "tests-admin"), (body.GatewayId, body.Issuer));
        Assert.Equal(86_400_000, body.NotAfterUnixMs - body.IssuedAtUnixMs);
        Assert.Equal(["dijon"], set.Calendars.Select(c => c.Id).ToArray());
        Assert.Equal(["full-night", "night-dim"], set.ControlPrograms.Select(p => p.Id).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(("lights-a", (int?)2, "dijon"), (set.Assignments.Single().Line, set.Assignments.Single().Group, set.Assignments.Single().Calendar));
        Assert.Equal(12, set.DayOffset);
        Assert.Equal(body.LightingConfig.Version, set.Version);
        Assert.Equal(set.ComputeVersion(), set.Version);
        Assert.Matches("^[0-9a-f]{16}$", set.Version);
        var pending = await LightingApi.StatusAsync(central, "gw-light");
        Assert.Equal(("pending", set.Version, body.Id), (pending.GetProperty("state").GetString(), pending.GetProperty("version").GetString(), pending.GetProperty("commandId").GetString()));

        await gateway.ResultAsync(body.Id, CommandStatus.Done, 1, detail: "applied " + set.Version);
        var applied = await LightingApi.WaitForStateAsync(central, "gw-light", "applied");
        Assert.Equal(set.Version, applied.GetProperty("appliedVersion").GetString());
        Assert.Equal("applied " + set.Version, applied.GetProperty("detail").GetString());

        // The same assignment again: same version, nothing pushed; the command list shows the push, not accepted from clients.
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/assignments/gw-light", LightingApi.Assignment("dijon", group: 2));
        var command = await central.GetJsonAsync($"/api/v1/commands/{body.Id}");
        Assert.Equal("lighting-config", command.GetProperty("action").GetProperty("action").GetString());
        Assert.Equal(set.Version, command.GetProperty("action").GetProperty("version").GetString());
        Assert.Single(gateway.Received);
    }

    [Fact]
    public async Task Rejected_ShowsTheReasonAndDetail_AndABirthDoesNotPushItAgain()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-light");
        await LightingApi.PutExampleAsync(central.Http);
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/assignments/gw-light", LightingApi.Assignment("dijon", line: "lights-z"));
        var (body, _) = await LightingApi.NextSetAsync(central, gateway);

        await gateway.ResultAsync(body.Id, CommandStatus.Rejected, 1, detail: "assignments[0].line: no DALI line 'lights-z'", reason: CommandRejections.InvalidConfig);
        var rejected = await LightingApi.WaitForStateAsync(central, "gw-light", "rejected");

        Assert.Equal("invalid-config", rejected.GetProperty("reason").GetString());
        Assert.Equal("assignments[0].line: no DALI line 'lights-z'", rejected.GetProperty("detail").GetString());
        await gateway.BirthAsync(central);
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/assignments/gw-light", LightingApi.Assignment("dijon", line: "lights-a"));
        var (fixedBody, fixedSet) = await LightingApi.NextSetAsync(central, gateway);
        Assert.Equal("lights-a", fixedSet.Assignments.Single().Line);
        Assert.Equal(2, gateway.Received.Count);
        var pending = await LightingApi.StatusAsync(central, "gw-light");
        Assert.Equal(("pending", fixedBody.Id), (pending.GetProperty("state").GetString(), pending.GetProperty("commandId").GetString()));
    }

    [Fact]
    public async Task Birth_WithTheVersion_IsApplied_WithAnOldOne_IsPushedAgain()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-light");
        await LightingApi.PutExampleAsync(central.Http);
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/assignments/gw-light", LightingApi.Assignment("dijon"));
        var (first, set) = await LightingApi.NextSetAsync(central, gateway);

        // The edge applied it and restarted before its result went out: its birth confirms the version.
        await gateway.BirthAsync(central, lightingVersion: set.Version);
        var applied = await LightingApi.WaitForStateAsync(central, "gw-light", "applied");
        Assert.Equal(set.Version, applied.GetProperty("appliedVersion").GetString());
        var (resentFirst, _) = await LightingApi.NextSetAsync(central, gateway);
        Assert.Equal(first.Id, resentFirst.Id); // unanswered, so the command service sent it again after the birth

        // The edge lost its set (a new disk): its birth reports an old version, and central pushes the set again.
        await gateway.ResultAsync(first.Id, CommandStatus.Done, 1, detail: "applied " + set.Version);
        await gateway.AckOfResultAsync(1);
        await gateway.BirthAsync(central, lightingVersion: "0123456789abcdef");
        var (again, againSet) = await LightingApi.NextSetAsync(central, gateway);
        Assert.NotEqual(first.Id, again.Id);
        Assert.Equal(set.Version, againSet.Version);
        Assert.True(againSet.IssuedAt >= set.IssuedAt);
        var pending = await LightingApi.WaitForStateAsync(central, "gw-light", "pending");
        Assert.Equal(("0123456789abcdef", again.Id), (pending.GetProperty("appliedVersion").GetString(), pending.GetProperty("commandId").GetString()));

        // A birth while that push is still on its way pushes nothing more (the command service resends the live one).
        await gateway.BirthAsync(central, lightingVersion: "0123456789abcdef");
        var resent = CommandGateway.Verify(await gateway.NextCommandAsync(), Path.Combine(central.PkiDirectory, "command-signing.pub"));
        Assert.Equal(again.Id, resent.Id);
        await gateway.ResultAsync(again.Id, CommandStatus.Done, 2, detail: "applied " + set.Version);
        await LightingApi.WaitForStateAsync(central, "gw-light", "applied");
    }

    [Fact]
    public async Task ChangingAProgram_PushesOnlyTheGatewaysThatUseIt()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gatewayA = await CommandGateway.ConnectAsync(central, "gw-a");
        await using var gatewayB = await CommandGateway.ConnectAsync(central, "gw-b");
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/control-programs/p-a", LightingApi.Fixed("p-a", 70));
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/control-programs/p-b", LightingApi.Fixed("p-b", 80));
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/calendars/c-a", LightingApi.Every("c-a", "p-a"));
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/calendars/c-b", LightingApi.Every("c-b", "p-b"));
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/assignments/gw-a", LightingApi.Assignment("c-a"));
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/assignments/gw-b", LightingApi.Assignment("c-b"));
        var (_, firstA) = await LightingApi.ApplyNextAsync(central, gatewayA, 1);
        await LightingApi.ApplyNextAsync(central, gatewayB, 1);

        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/control-programs/p-a", LightingApi.Fixed("p-a", 40));
        var (_, changedA) = await LightingApi.ApplyNextAsync(central, gatewayA, 2);
        Assert.NotEqual(firstA.Version, changedA.Version);
        Assert.Equal(40, changedA.ControlPrograms.Single().FixedTimeControls.Single().Command.State.Value!.Value.GetInt32());

        // Then a change of p-b: gw-b's next command is that one, so the change of p-a sent it nothing.
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/control-programs/p-b", LightingApi.Fixed("p-b", 60));
        var (_, changedB) = await LightingApi.ApplyNextAsync(central, gatewayB, 2);
        Assert.Equal(60, changedB.ControlPrograms.Single().FixedTimeControls.Single().Command.State.Value!.Value.GetInt32());
        Assert.Equal(2, gatewayA.Received.Count);
        Assert.Equal(2, gatewayB.Received.Count);

        // A program no calendar uses pushes nothing; a deleted assignment pushes an empty set.
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/control-programs/p-none", LightingApi.Fixed("p-none", 10));
        await LightingApi.SendAsync(central.Http, HttpMethod.Delete, "/api/v1/lighting/assignments/gw-a");
        var (_, empty) = await LightingApi.NextSetAsync(central, gatewayA);
        Assert.Empty(empty.Calendars);
        Assert.Empty(empty.Assignments);
        Assert.Equal(2, gatewayB.Received.Count);
    }

    [Fact]
    public async Task OfflineGateway_GetsItsSetAtItsBirth_AndStatusFiltersByTown()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await LightingApi.PutExampleAsync(central.Http);
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/assignments/gw-late", LightingApi.Assignment("dijon"));
        Assert.Equal("pending", (await LightingApi.StatusAsync(central, "gw-late")).GetProperty("state").GetString());

        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-late");
        var (body, set) = await LightingApi.NextSetAsync(central, gateway);
        await gateway.ResultAsync(body.Id, CommandStatus.Done, 1, detail: "applied " + set.Version);
        await LightingApi.WaitForStateAsync(central, "gw-late", "applied");

        // No site has a town yet: a town filter finds nothing; once the assets put the gateway in Dijon, it finds it.
        Assert.Empty((await central.GetJsonAsync("/api/v1/lighting/status?town=Dijon")).EnumerateArray());
        using var csv = new StringContent("gateway,lamp_id,town\ngw-late,lights-a/g1,Dijon\n", System.Text.Encoding.UTF8, "text/csv");
        using var imported = await central.Http.PostAsync(new Uri("/api/v1/assets", UriKind.Relative), csv);
        Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());
        var dijon = await central.GetJsonAsync("/api/v1/lighting/status?town=dijon");
        Assert.Equal(["gw-late"], dijon.EnumerateArray().Select(s => s.GetProperty("gateway").GetString()!).ToArray());
        Assert.Empty((await central.GetJsonAsync("/api/v1/lighting/status?town=Beaune")).EnumerateArray());
    }
}
