using System.Text.Json;
using City.Central.Commands;
using City.Contract.Wire;

namespace City.Central.Tests;

/// <summary>The vms action of POST /api/v1/commands: parsed and checked (the MULTI syntax before signing), then signed as a VmsAction.</summary>
public class VmsCommandTests
{
    private static CommandAction Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.True(CommandRequestParser.TryParse(document.RootElement, out var request, out var problem), problem);
        return request.Action;
    }

    private static string Problem(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.False(CommandRequestParser.TryParse(document.RootElement, out _, out var problem));
        return problem;
    }

    private static CommandBody Body(CommandAction action) =>
        CommandSigner.Body(new CommandRecord(Guid.NewGuid().ToString("D"), "ops", 1_000, 61_000, action, ["gw-1"]), "gw-1");

    [Fact]
    public void Activate_IsSignedAsAVmsAction()
    {
        var action = Parse("""{"gateway":"gw-1","action":"vms","sign":"vms1","operation":"activate","multi":"[jl3]ROAD WORK[nl]AHEAD","durationMinutes":30,"priority":200}""");
        var body = Body(action);
        Assert.Equal(CommandBody.ActionOneofCase.Vms, body.ActionCase);
        Assert.Equal(("vms1", "activate", "[jl3]ROAD WORK[nl]AHEAD", 30, 200), (body.Vms.Sign, body.Vms.Operation, body.Vms.Multi, body.Vms.DurationMinutes, body.Vms.Priority));
    }

    [Fact]
    public void Blank_TakesNoText_AndDefaultsToUntilReplaced()
    {
        var body = Body(Parse("""{"gateway":"gw-1","action":"vms","sign":"vms1","operation":"blank"}"""));
        Assert.Equal(("blank", "", 0, 0), (body.Vms.Operation, body.Vms.Multi, body.Vms.DurationMinutes, body.Vms.Priority));
    }

    [Theory]
    [InlineData("""{"gateway":"gw-1","action":"vms","sign":"vms1","operation":"activate","multi":"ROAD[g1]"}""", "multi: [g1] is not a tag", "at offset 4")]
    [InlineData("""{"gateway":"gw-1","action":"vms","sign":"vms1","operation":"activate","multi":"OPEN [nl"}""", "multi: '[' opens a tag", "at offset 5")]
    [InlineData("""{"gateway":"gw-1","action":"vms","sign":"vms1","operation":"activate","multi":"[jl9]X"}""", "multi: [jl9]", "at offset 0")]
    [InlineData("""{"gateway":"gw-1","action":"vms","sign":"vms1","operation":"activate"}""", "multi: required for activate", "")]
    [InlineData("""{"gateway":"gw-1","action":"vms","sign":"vms1","operation":"blank","multi":"X"}""", "multi: not taken by blank", "")]
    [InlineData("""{"gateway":"gw-1","action":"vms","sign":"vms1","operation":"show"}""", "operation: 'show' is not activate or blank", "")]
    [InlineData("""{"gateway":"gw-1","action":"vms","operation":"blank"}""", "sign: required", "")]
    [InlineData("""{"gateway":"gw-1","action":"vms","sign":"vms1","operation":"activate","multi":"X","priority":0}""", "priority:", "")]
    [InlineData("""{"gateway":"gw-1","action":"vms","sign":"vms1","operation":"blank","line":"l1"}""", "line: not a field of a 'vms' command", "")]
    public void BadVmsCommands_AreRefused_NamingTheFieldAndOffset(string json, string start, string offset)
    {
        var problem = Problem(json);
        Assert.StartsWith(start, problem, StringComparison.Ordinal);
        Assert.Contains(offset, problem, StringComparison.Ordinal);
    }
}
